// The tswg command line: argument parsing (pure), --version/--help, key
// commands through the real binary, and — as root in namespaces — `tswg up`
// from a wg-quick style file against a wireguard-go peer, `tswg show`, and
// `tswg down` ending the daemon and removing its socket.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { Lab } from '../helpers/netns.js';
import { findDaemonPid, genKeyPair, REPO_ROOT, startInterface, wg } from '../helpers/impl.js';
import { waitForPing } from '../helpers/transfer.js';
import { requireRoot } from '../helpers/root.js';
import { pidAlive } from '../helpers/proc.js';

const BIN = join(REPO_ROOT, 'bin', 'tswg.js');

describe('tswg argument parsing', () => {
  test('daemon form mirrors wireguard-go, with env defaults', () => {
    assert.deepEqual(parseArgs(['wg0']), { kind: 'daemon', ifname: 'wg0', foreground: false, configPath: undefined, stateDir: undefined, crypto: 'auto' });
    const fg = parseArgs(['-f', '--crypto', 'noble', '--config', '/e.yaml', '--state-dir', '/s', 'wg1']);
    assert.deepEqual(fg, { kind: 'daemon', ifname: 'wg1', foreground: true, configPath: '/e.yaml', stateDir: '/s', crypto: 'noble' });
    const env = parseArgs(['wg2'], { WG_PROCESS_FOREGROUND: '1', TSWG_CONFIG: '/x.yaml', TSWG_CRYPTO: 'node' });
    assert.deepEqual(env, { kind: 'daemon', ifname: 'wg2', foreground: true, configPath: '/x.yaml', stateDir: undefined, crypto: 'node' });
  });

  test('subcommands', () => {
    assert.deepEqual(parseArgs(['--version']), { kind: 'version' });
    assert.deepEqual(parseArgs(['genkey']), { kind: 'genkey' });
    assert.deepEqual(parseArgs(['show']), { kind: 'show', ifname: undefined, dump: false });
    assert.deepEqual(parseArgs(['show', 'wg0', 'dump']), { kind: 'show', ifname: 'wg0', dump: true });
    assert.deepEqual(parseArgs(['up', 'a/wg0.conf']), { kind: 'up', file: 'a/wg0.conf', configPath: undefined, stateDir: undefined, crypto: 'auto' });
    assert.deepEqual(parseArgs(['down', 'wg0']), { kind: 'down', target: 'wg0' });
  });

  test('bad usage is a UsageError, never a daemon', () => {
    for (const argv of [[], ['-x', 'wg0'], ['a', 'b'], ['--crypto', 'rot13', 'wg0'], ['--config'], ['this-name-is-too-long'], ['bad/name'], ['genkey', 'x'], ['show', 'wg0', 'nope']]) {
      assert.throws(() => parseArgs(argv), UsageError, JSON.stringify(argv));
    }
  });
});

describe('tswg binary', () => {
  test('--version and --help name the project and the trademark notice', () => {
    const v = execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    assert.match(v, /^tswg v\d+\.\d+\.\d+/);
    assert.match(v, /registered trademark of Jason A\. Donenfeld/);
    const h = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    assert.match(h, /Usage: tswg \[-f\|--foreground\]/);
  });

  test('usage errors exit 1 with a message on stderr', () => {
    const r = spawnSync(process.execPath, [BIN, '--bogus', 'wg0'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  test('genkey | pubkey round trip, and pubkey matches wg when it is installed', (t) => {
    const priv = execFileSync(process.execPath, [BIN, 'genkey'], { encoding: 'utf8' });
    assert.match(priv, /^[A-Za-z0-9+/]{43}=\n$/);
    const pub = execFileSync(process.execPath, [BIN, 'pubkey'], { input: priv, encoding: 'utf8' });
    assert.match(pub, /^[A-Za-z0-9+/]{43}=\n$/);
    assert.notEqual(pub, priv);
    const bad = spawnSync(process.execPath, [BIN, 'pubkey'], { input: 'not a key\n', encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.doesNotMatch(bad.stderr, /not a key/);
    if (spawnSync('sh', ['-c', 'command -v wg']).status !== 0) {
      t.diagnostic('wg not installed: cross-check skipped');
      return;
    }
    assert.equal(execFileSync('wg', ['pubkey'], { input: priv, encoding: 'utf8' }), pub);
  });
});

describe('tswg up / show / down (root, netns)', () => {
  test('up from a wg-quick style file reaches a wireguard-go peer; show reports it; down removes everything', async (t) => {
    if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
    const lab = Lab.create(t);
    const [nsA, nsB] = await lab.addNamespaces(2);
    const link = await lab.connect(nsA!, nsB!);
    const ka = genKeyPair();
    const b = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.77.2/24', listenPort: 51820 });
    await wg(nsB!, ['set', b.ifname, 'peer', ka.publicKey, 'allowed-ips', '198.19.77.1/32']);

    const ifname = lab.ifname();
    const conf = join(lab.tmpDir, `${ifname}.conf`);
    writeFileSync(
      conf,
      [
        '[Interface]',
        `PrivateKey = ${ka.privateKey}`,
        'Address = 198.19.77.1/24',
        'ListenPort = 51821',
        'MTU = 1380',
        '',
        '[Peer] # the wireguard-go side',
        `PublicKey = ${b.keys.publicKey}`,
        `Endpoint = ${link.b4}:51820`,
        'AllowedIPs = 198.19.77.2/32, 198.19.78.0/24',
        'PersistentKeepalive = 25',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    lab.claimIfname(ifname);
    const up = await nsA!.run([process.execPath, BIN, 'up', conf], { timeoutMs: 20_000, check: false });
    assert.equal(up.code, 0, up.stderr);
    assert.doesNotMatch(up.stderr, /world accessible/);
    assert.ok(existsSync(lab.socketPath(ifname)), 'UAPI socket exists after up');

    const linkInfo = (await nsA!.ip(['-o', 'link', 'show', 'dev', ifname])).stdout;
    assert.match(linkInfo, /mtu 1380/);
    assert.match(linkInfo, /UP/);
    assert.match((await nsA!.ip(['-o', '-4', 'address', 'show', 'dev', ifname])).stdout, /198\.19\.77\.1\/24/);
    assert.match((await nsA!.ip(['route', 'show', '198.19.78.0/24'])).stdout, new RegExp(`dev ${ifname}`));

    await waitForPing(nsA!, '198.19.77.2');
    const show = await nsA!.run([process.execPath, BIN, 'show', ifname]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`^interface: ${ifname}\\n`));
    assert.match(show.stdout, new RegExp(`public key: ${ka.publicKey.replace(/[+/]/g, '\\$&')}`));
    assert.match(show.stdout, /listening port: 51821/);
    assert.match(show.stdout, /latest handshake: (Now|.*ago)/); // "Now" when it was under a second ago, as wg prints
    assert.match(show.stdout, /persistent keepalive: every 25 seconds/);
    assert.doesNotMatch(show.stdout, new RegExp(ka.privateKey.replace(/[+/]/g, '\\$&')));
    // wg itself agrees with tswg show about the same interface.
    const wgShow = (await wg(nsA!, ['show', ifname, 'allowed-ips'])).stdout;
    assert.match(wgShow, /198\.19\.77\.2\/32/);

    const pid = await findDaemonPid(nsA!, ifname, [b.pid]);
    const down = await nsA!.run([process.execPath, BIN, 'down', conf], { timeoutMs: 20_000, check: false });
    assert.equal(down.code, 0, down.stderr);
    assert.ok(!existsSync(lab.socketPath(ifname)), 'socket removed after down');
    assert.doesNotMatch((await nsA!.ip(['-o', 'link', 'show'])).stdout, new RegExp(ifname));
    assert.equal(pidAlive(pid), false, 'daemon exited');
  });

  test('a bad file is refused with its line number and creates nothing', async (t) => {
    if (!requireRoot(t, ['ip'])) return;
    const lab = Lab.create(t);
    const [ns] = await lab.addNamespaces(1);
    const ifname = lab.ifname();
    const conf = join(lab.tmpDir, `${ifname}.conf`);
    const { privateKey } = genKeyPair();
    writeFileSync(conf, `[Interface]\nPrivateKey = ${privateKey}\nListenPort = 51820\n\n[Peer]\nPublicKey = ${privateKey}\nAllowedIPs = 10.0.0.300/32\n`, { mode: 0o644 });
    const r = await ns!.run([process.execPath, BIN, 'up', conf], { timeoutMs: 20_000, check: false });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /line 7/);
    assert.match(r.stderr, /world accessible/, 'warns like wg-quick about a readable key file');
    assert.ok(!r.stderr.includes(privateKey), 'no key material in the error');
    assert.ok(!existsSync(lab.socketPath(ifname)));
    assert.doesNotMatch((await ns!.ip(['-o', 'link', 'show'])).stdout, new RegExp(ifname));
  });
});
