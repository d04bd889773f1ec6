// Root-only: the real daemon (`node bin/tswg.js -f`, LOG_LEVEL=debug) in a
// namespace, configured with wg(8) including a preshared key, handshaking
// with wireguard-go, delivering webhooks (to a closed port, so delivery
// errors are logged) signed with a secret and carrying a token; then a bad
// UAPI set that contains key material. Every stderr/stdout line and every
// UAPI error reply is scanned for every private and preshared key and the
// webhook secrets (hex and base64). The get reply is the positive control.
// Also checks the UAPI directory (0755) and socket (0600) modes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireRoot } from '../helpers/root.js';
import { Lab, WG_RUN_DIR } from '../helpers/netns.js';
import { REPO_ROOT, genKeyPair, genPsk, implEnv, isSocket, secretFile, startInterface, wg } from '../helpers/impl.js';
import { uapiRequest } from '../helpers/uapi-client.js';
import { waitFor } from '../helpers/wait.js';
import { SecretScanner } from './secret-scanner.js';
import { fromBase64, toHex } from '../../src/util/bytes.js';

test('real daemon at LOG_LEVEL=debug: no key or webhook secret in any log line or UAPI error reply; UAPI dir 0755, socket 0600', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const keysA = genKeyPair();
  const psk = genPsk();
  const token = `tok_${genPsk().replace(/[^A-Za-z0-9]/g, '')}`;
  const signing = genPsk();
  const ifname = lab.ifname();
  lab.claimIfname(ifname);
  const config = join(lab.tmpDir, 'events.yaml');
  writeFileSync(
    config,
    `webhook:\n  url: http://127.0.0.1:9/hook\n  secret: "Bearer ${token}"\nwebhooks:\n  - name: signed\n    url: http://127.0.0.1:9/signed\n    signing_secret: whsec_${signing}\ndisconnect_grace: 1s\n`,
    { mode: 0o600 },
  );
  const daemon = nsA!.spawn(
    [process.execPath, join(REPO_ROOT, 'bin', 'tswg.js'), '-f', '--config', config, '--state-dir', join(lab.tmpDir, 'state'), ifname],
    { env: { ...implEnv('debug') }, cwd: REPO_ROOT },
  );
  const socketPath = join(WG_RUN_DIR, `${ifname}.sock`);
  await waitFor(() => isSocket(socketPath) || daemon.status !== null, { timeoutMs: 15000, what: 'tswg UAPI socket' });
  assert.equal(daemon.status, null, `daemon exited early: ${daemon.stderr}`);

  // UAPI permissions (wireguard-go ipc: directory 0755, socket 0600).
  assert.equal(statSync(WG_RUN_DIR).mode & 0o777, 0o755, `${WG_RUN_DIR} mode`);
  assert.equal(statSync(socketPath).mode & 0o777, 0o600, 'socket mode');

  const b = await startInterface(nsB!, 'wireguard-go', { listenPort: 51821, address4: '198.19.7.2/24' });
  const pskFile = secretFile(nsA!, 'psk', psk);
  await wg(nsA!, ['set', ifname, 'listen-port', '51820', 'private-key', secretFile(nsA!, 'priv', keysA.privateKey)]);
  await wg(nsA!, ['set', ifname, 'peer', b.keys.publicKey, 'preshared-key', pskFile, 'endpoint', `${link.b4}:51821`, 'allowed-ips', '198.19.7.2/32']);
  await wg(nsB!, ['set', b.ifname, 'peer', keysA.publicKey, 'preshared-key', secretFile(nsB!, 'psk', psk), 'allowed-ips', '198.19.7.1/32']);
  await nsA!.ip(['addr', 'add', '198.19.7.1/24', 'dev', ifname]);
  await nsA!.ip(['link', 'set', 'dev', ifname, 'up']);
  await nsA!.run(['ping', '-c', '3', '-i', '0.2', '-W', '2', '198.19.7.2'], { timeoutMs: 15000 });

  const scanner = new SecretScanner()
    .addKey('A private', fromBase64(keysA.privateKey)!)
    .addKey('B private', fromBase64(b.keys.privateKey)!)
    .addKey('PSK', fromBase64(psk)!)
    .addKey('signing secret', fromBase64(signing)!)
    .addString('webhook token', token);
  // Positive control: the get reply carries the private key and PSK by design.
  const get = await uapiRequest(socketPath, 'get=1\n\n');
  assert.deepEqual(new Set(scanner.scan(get.raw).map((h) => h.label)), new Set(['A private', 'PSK']));

  // Bad UAPI sets with key material: every reply is an errno, nothing else.
  const replies: string[] = [];
  const hexPriv = toHex(fromBase64(keysA.privateKey)!);
  const hexPsk = toHex(fromBase64(psk)!);
  for (const body of [
    `private_key=${hexPriv}\nlisten_port=99999\n`,
    `private_key=${keysA.privateKey}\n`,
    `public_key=${toHex(fromBase64(b.keys.publicKey)!)}\npreshared_key=${hexPsk}0\n`,
    `public_key=${toHex(fromBase64(b.keys.publicKey)!)}\nendpoint=${hexPsk}\n`,
    `${hexPsk}=1\n`,
    `${hexPriv}\n`,
  ]) {
    const r = await uapiRequest(socketPath, `set=1\n${body}\n`);
    assert.ok(r.errno !== null && r.errno < 0, `rejected: errno ${r.errno}`);
    replies.push(r.raw);
  }
  // Let the webhook deliveries fail and be logged, then a disconnect by taking the peer away.
  await wg(nsA!, ['set', ifname, 'peer', b.keys.publicKey, 'remove']);
  await new Promise((r) => setTimeout(r, 2500));
  await nsA!.ip(['link', 'del', 'dev', ifname]);
  await daemon.wait(10000).catch(() => daemon.stop(2000));
  await waitFor(() => !isSocket(socketPath), { timeoutMs: 5000, what: 'socket removal' });

  const log = `${daemon.stdout}\n${daemon.stderr}`;
  assert.match(log, /DEBUG: /, 'debug logging was on');
  assert.match(log, /UAPI set failed/, 'the bad sets were logged');
  assert.match(log, /webhook .* delivery of \S+ failed/, 'webhook delivery failures were logged');
  for (const r of replies) scanner.assertClean(r, 'UAPI error reply');
  for (const [i, line] of log.split('\n').entries()) scanner.assertClean(line, `daemon log line ${i + 1}`);
});
