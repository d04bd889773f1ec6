// `wg show` / `wg show dump` / `wg showconf` formatting, checked against the
// real wg(8) reading the same state from a test UAPI socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { formatBytes, formatDump, formatShow, prettyTime, sortPeers } from '../../src/cli/show.js';
import { formatConf } from '../../src/uapi/conf-file.js';
import { publicKeyOf } from '../../src/crypto/keys.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { fromHex, toBase64 } from '../../src/util/bytes.js';
import type { DeviceSnapshot } from '../../src/core/config.js';
import { requireRoot } from '../helpers/root.js';
import { device, peer } from '../uapi/fixtures.js';
import { FakeUapi } from '../uapi/fake-uapi-server.js';

const run = promisify(execFile);

const PRIV = fromHex('58'.repeat(31) + '4a')!;
const PUB = publicKeyOf(nobleProvider, PRIV);
const PK = (n: number): Uint8Array => publicKeyOf(nobleProvider, fromHex(n.toString(16).padStart(2, '0').repeat(32))!);
const PSK = fromHex('77'.repeat(32))!;

function sample(nowMs: number): DeviceSnapshot {
  return device(PRIV, PUB, 51820, 0x1234, [
    peer({ publicKey: PK(0x11), endpoint: '[2001:db8::7]:9' }), // never handshook: last
    peer({
      publicKey: PK(0x12),
      presharedKey: PSK,
      endpoint: '198.18.0.2:51821',
      allowedIps: ['10.0.0.0/24', '2001:db8:1::/48'],
      lastHandshakeWallMs: nowMs - (5 * 86400 + 7) * 1000, // older: second
      rxBytes: 1152, // exactly 1.125 KiB: C rounds half to even → 1.12
      txBytes: 3 * 1024 ** 4 + 5 * 1024 ** 3,
    }),
    peer({
      publicKey: PK(0x13),
      endpoint: '198.18.0.3:1',
      allowedIps: ['198.18.1.0/24'],
      lastHandshakeWallMs: nowMs - (3600 + 120 + 3) * 1000 - 250, // newest: first
      rxBytes: 1536,
      txBytes: 5 * 1024 * 1024 + 1,
      persistentKeepalive: 61,
    }),
  ]);
}

test('prettyTime and formatBytes follow show.c', () => {
  assert.equal(prettyTime(1), '1 second');
  assert.equal(prettyTime(61), '1 minute, 1 second');
  assert.equal(prettyTime(3600 * 2 + 5), '2 hours, 5 seconds');
  assert.equal(prettyTime(365 * 86400 + 86400), '1 year, 1 day');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1152), '1.12 KiB'); // tie → even
  assert.equal(formatBytes(1168), '1.14 KiB'); // 1.140625
  assert.equal(formatBytes(1034), '1.01 KiB'); // 1.009765625 → 1.01
  assert.equal(formatBytes(1024 * 1024 - 1), '1024.00 KiB');
  assert.equal(formatBytes(1.5 * 1024 ** 3), '1.50 GiB');
  assert.equal(formatBytes(2 * 1024 ** 4), '2.00 TiB');
});

test('sortPeers: newest handshake first, never-handshaked last', () => {
  const s = sample(1_800_000_000_000);
  assert.deepEqual(
    sortPeers(s.peers).map((p) => toBase64(p.publicKey)),
    [PK(0x13), PK(0x12), PK(0x11)].map(toBase64),
  );
});

test('formatShow: layout of wg show', () => {
  const now = 1_800_000_000_000;
  const text = formatShow('wg0', sample(now), { nowMs: now });
  assert.equal(
    text,
    [
      'interface: wg0',
      `  public key: ${toBase64(PUB)}`,
      '  private key: (hidden)',
      '  listening port: 51820',
      '  fwmark: 0x1234',
      '',
      `peer: ${toBase64(PK(0x13))}`,
      '  endpoint: 198.18.0.3:1',
      '  allowed ips: 198.18.1.0/24',
      '  latest handshake: 1 hour, 2 minutes, 4 seconds ago',
      '  transfer: 1.50 KiB received, 5.00 MiB sent',
      '  persistent keepalive: every 1 minute, 1 second',
      '',
      `peer: ${toBase64(PK(0x12))}`,
      '  preshared key: (hidden)',
      '  endpoint: 198.18.0.2:51821',
      '  allowed ips: 10.0.0.0/24, 2001:db8:1::/48',
      '  latest handshake: 5 days, 7 seconds ago',
      '  transfer: 1.12 KiB received, 3.00 TiB sent',
      '',
      `peer: ${toBase64(PK(0x11))}`,
      '  endpoint: [2001:db8::7]:9',
      '  allowed ips: (none)',
      '',
    ].join('\n'),
  );
  assert.ok(formatShow('wg0', sample(now), { nowMs: now, showKeys: true }).includes(`  private key: ${toBase64(PRIV)}\n`));
  assert.equal(formatShow('x', device(null, null, 0, 0, []), { nowMs: now }), 'interface: x\n');
});

test('formatShow: handshake now / in the future', () => {
  const now = 1_800_000_000_000;
  const s = (ms: number): string => formatShow('w', device(null, null, 0, 0, [peer({ publicKey: PK(1), lastHandshakeWallMs: ms })]), { nowMs: now + 500 });
  assert.match(s(now + 100), /latest handshake: Now\n/); // same second
  assert.match(s(now - 100), /latest handshake: 1 second ago\n/);
  assert.match(s(now + 5000), /latest handshake: \(System clock wound backward; connection problems may ensue\.\)\n/);
});

function wg(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return run('wg', args, { env: { ...process.env, WG_COLOR_MODE: 'never', ...env }, encoding: 'utf8' });
}

test('interop: wg show / show dump / showconf print what formatShow / formatDump / formatConf print', async (t) => {
  if (!requireRoot(t, ['wg'])) return;
  const srv = new FakeUapi();
  await srv.start();
  try {
    const before = Date.now();
    srv.state = sample(before);
    const shown = (await wg(['show', srv.name])).stdout;
    const after = Date.now();
    // the handshake age depends on the second wg read the clock in
    const candidates = [before, after].map((now) => formatShow(srv.name, srv.state, { nowMs: now }));
    assert.ok(candidates.includes(shown), `wg show:\n${shown}\nours:\n${candidates[0]}`);

    const unhidden = (await wg(['show', srv.name], { WG_HIDE_KEYS: 'never' })).stdout;
    const candidates2 = [before, Date.now()].map((now) => formatShow(srv.name, srv.state, { nowMs: now, showKeys: true }));
    assert.ok(candidates2.includes(unhidden), unhidden);

    assert.equal((await wg(['show', srv.name, 'dump'])).stdout, formatDump(srv.name, srv.state));
    assert.equal((await wg(['showconf', srv.name])).stdout, formatConf(srv.state));

    // an empty device
    srv.state = device(null, null, 0, 0, []);
    assert.equal((await wg(['show', srv.name])).stdout, formatShow(srv.name, srv.state, { nowMs: Date.now() }));
    assert.equal((await wg(['show', srv.name, 'dump'])).stdout, formatDump(srv.name, srv.state));
    assert.equal((await wg(['showconf', srv.name])).stdout, formatConf(srv.state));
    assert.ok(srv.requests.every((r) => r[0] === 'get=1' && r[1] === '' && r.length === 2));
  } finally {
    await srv.stop();
  }
});
