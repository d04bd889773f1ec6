// The key interop test for the UAPI parser: the real wg(8) (set, setconf,
// addconf, syncconf) talks to a test socket served by handleRequest; what it
// sends must parse to the delta our own config-file parser produces, and the
// errno convention must make wg print the right error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSetLines } from '../../src/uapi/format.js';
import { formatConf, parseConf } from '../../src/uapi/conf-file.js';
import { EADDRINUSE, EINVAL, UapiError } from '../../src/uapi/errors.js';
import { publicKeyOf } from '../../src/crypto/keys.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { fromHex, toBase64, toHex } from '../../src/util/bytes.js';
import { formatIp } from '../../src/util/ip.js';
import { requireRoot } from '../helpers/root.js';
import { FakeUapi } from './fake-uapi-server.js';
import { applyDelta, device } from './fixtures.js';

const run = promisify(execFile);
const wg = (args: string[]) => run('wg', args, { encoding: 'utf8', env: { ...process.env, WG_COLOR_MODE: 'never' } });

const PRIV = fromHex('98'.repeat(31) + '5f')!;
const P = (n: number): string => toBase64(publicKeyOf(nobleProvider, fromHex(n.toString(16).padStart(2, '0').repeat(32))!));
const PSK = toBase64(fromHex('5a'.repeat(32))!);

const SETCONF = `[Interface]
PrivateKey = ${toBase64(PRIV)}
ListenPort = 51820
FwMark = 0x20

[Peer]
PublicKey = ${P(1)}
PresharedKey = ${PSK}
AllowedIPs = 10.0.0.0/24, 2001:db8:1::/48, 10.2.0.7/16
Endpoint = 198.18.0.2:51821
PersistentKeepalive = 25

[Peer]
PublicKey = ${P(2)}
Endpoint = 2001:db8::9:7
PersistentKeepalive = off

[Peer]
PublicKey = ${P(3)}
Endpoint = [2001:db8::10]:8
AllowedIPs = 0.0.0.0/0, ::/0
`;

function lastSet(srv: FakeUapi): string[] {
  const sets = srv.requests.filter((r) => r[0] === 'set=1');
  const r = sets[sets.length - 1]!;
  return r.slice(1, r.indexOf(''));
}

test('interop: wg set / setconf / addconf / syncconf send what parseSet and parseConf agree on', async (t) => {
  if (!requireRoot(t, ['wg'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'tswgE-'));
  const srv = new FakeUapi();
  await srv.start();
  try {
    const privFile = join(dir, 'priv');
    const pskFile = join(dir, 'psk');
    writeFileSync(privFile, `${toBase64(PRIV)}\n`, { mode: 0o600 });
    writeFileSync(pskFile, `${PSK}\n`, { mode: 0o600 });

    // 1. wg set with every option
    await wg([
      'set', srv.name, 'listen-port', '51820', 'fwmark', '0x20', 'private-key', privFile,
      'peer', P(1), 'preshared-key', pskFile, 'endpoint', '198.18.0.2:51821', 'persistent-keepalive', '25',
      'allowed-ips', '10.0.0.0/24,2001:db8::/32',
      'peer', P(2), 'remove',
    ]);
    const d = srv.sets[srv.sets.length - 1]!;
    assert.equal(toHex(d.privateKey!), toHex(PRIV));
    assert.equal(d.listenPort, 51820);
    assert.equal(d.fwmark, 0x20);
    assert.equal(d.replacePeers, undefined);
    assert.equal(d.peers.length, 2);
    const p1 = d.peers[0]!;
    assert.equal(toBase64(p1.publicKey), P(1));
    assert.equal(toBase64(p1.presharedKey!), PSK);
    assert.deepEqual(p1.endpoint, { address: '198.18.0.2', port: 51821 });
    assert.equal(p1.persistentKeepalive, 25);
    assert.equal(p1.replaceAllowedIps, true);
    assert.deepEqual(p1.allowedIps!.map((a) => `${formatIp(a.ip)}/${a.cidr}`), ['10.0.0.0/24', '2001:db8::/32']);
    assert.equal(toBase64(d.peers[1]!.publicKey), P(2));
    assert.equal(d.peers[1]!.remove, true);
    // our set-line formatter writes exactly what wg writes
    assert.deepEqual(formatSetLines(d), lastSet(srv));

    // 2. wg setconf: what wg sends equals what our file parser makes of the same file
    const confFile = join(dir, 'a.conf');
    writeFileSync(confFile, SETCONF, { mode: 0o600 });
    await wg(['setconf', srv.name, confFile]);
    const ours = parseConf(SETCONF, { mode: 'wg' }).delta;
    assert.deepEqual(srv.sets[srv.sets.length - 1], ours);

    // 3. wg showconf of the resulting state is formatConf of it, and describes the file
    const shown = (await wg(['showconf', srv.name])).stdout;
    assert.equal(shown, formatConf(srv.state));
    const expectedState = applyDelta(device(null, null, 0, 0, []), ours, (k) => publicKeyOf(nobleProvider, k));
    assert.equal(shown, formatConf(expectedState));

    // 4. wg addconf: append semantics (no replace_peers, only the keys present)
    const addText = `[Peer]\nPublicKey = ${P(4)}\nAllowedIPs = 198.18.5.0/24\n`;
    const addFile = join(dir, 'b.conf');
    writeFileSync(addFile, addText, { mode: 0o600 });
    await wg(['addconf', srv.name, addFile]);
    assert.deepEqual(srv.sets[srv.sets.length - 1], parseConf(addText, { mode: 'wg', append: true }).delta);
    assert.equal(srv.state.peers.length, 4);

    // 5. a hostname endpoint: our parser leaves it to the caller, wg resolves it
    const hostText = `[Peer]\nPublicKey = ${P(5)}\nEndpoint = localhost:51999\n`;
    const hostFile = join(dir, 'c.conf');
    writeFileSync(hostFile, hostText, { mode: 0o600 });
    await wg(['addconf', srv.name, hostFile]);
    const sent = srv.sets[srv.sets.length - 1]!.peers[0]!.endpoint!;
    assert.ok(['127.0.0.1', '::1'].includes(sent.address), sent.address);
    assert.equal(sent.port, 51999);
    assert.deepEqual(parseConf(hostText, { mode: 'wg', append: true }).unresolvedEndpoints, [
      { peerIndex: 0, host: 'localhost', port: 51999, line: 3 },
    ]);

    // 6. wg syncconf (get, diff, set) converges the state to the file
    await wg(['syncconf', srv.name, confFile]);
    const byKey = (s: typeof srv.state) =>
      s.peers
        .map((p) => `${toBase64(p.publicKey)} ${p.allowedIps.map((a) => `${formatIp(a.ip)}/${a.cidr}`).join(',')}`)
        .sort();
    assert.deepEqual(byKey(srv.state), byKey(expectedState));

    // 7. wg set peer remove
    await wg(['set', srv.name, 'peer', P(3), 'remove']);
    assert.deepEqual(lastSet(srv), [`public_key=${toHex(fromHexB64(P(3)))}`, 'remove=true']);
    assert.ok(!srv.state.peers.some((p) => toBase64(p.publicKey) === P(3)));
  } finally {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

function fromHexB64(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

test('interop: negative errno replies make wg report the right error', async (t) => {
  if (!requireRoot(t, ['wg'])) return;
  const srv = new FakeUapi();
  await srv.start();
  try {
    srv.failNextSet = new UapiError(EADDRINUSE, 'port in use');
    await assert.rejects(wg(['set', srv.name, 'listen-port', '1']), (e: { stderr: string; code: number }) => {
      assert.match(e.stderr, /Address already in use/);
      assert.notEqual(e.code, 0);
      return true;
    });
    srv.failNextSet = new UapiError(EINVAL, 'bad');
    await assert.rejects(wg(['set', srv.name, 'fwmark', '1']), (e: { stderr: string }) => /Invalid argument/.test(e.stderr));
    // the failed sets changed nothing; a good one still works
    assert.equal(srv.state.listenPort, 0);
    await wg(['set', srv.name, 'listen-port', '2']);
    assert.equal(srv.state.listenPort, 2);
  } finally {
    await srv.stop();
  }
});
