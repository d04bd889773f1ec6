// The embedding example of docs/events.md: the documented code is the code in
// fixtures/library-example.ts (compiled with the tree, so it type-checks), and
// run for real — as root, inside a namespace, against wireguard-go — it
// prints the connect with the observed endpoint and, on SIGTERM, the
// disconnect with reason "shutdown", then returns. Without root, the
// events-only form runs on two in-memory core Devices (no TUN, no sockets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../helpers/netns.js';
import { REPO_ROOT, genKeyPair, startInterface } from '../helpers/impl.js';
import { setPeer } from '../helpers/wgctl.js';
import { waitForPing } from '../helpers/transfer.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { requireRoot } from '../helpers/root.js';
import { writeConfig } from './tswg-events.js';
import { Device } from '../../src/core/device.js';
import type { Endpoint } from '../../src/core/endpoint.js';
import type { DeviceEvent } from '../../src/core/events.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { selectProvider } from '../../src/crypto/select.js';
import { defaultEventsConfig } from '../../src/events/config.js';
import type { PeerStatusPayload, PortalEnvelope } from '../../src/events/portal-event.js';
import { systemClock, systemRandom } from '../../src/io/system-ports.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { toBase64 } from '../../src/util/bytes.js';
import { parsePrefix } from '../../src/util/ip.js';

const FIXTURE_JS = fileURLToPath(new URL('./fixtures/library-example.js', import.meta.url));
const FIXTURE_TS = join(REPO_ROOT, 'test', 'e2e', 'fixtures', 'library-example.ts');

function exampleBody(): string {
  const src = readFileSync(FIXTURE_TS, 'utf8');
  const m = /\/\/ example:start\n([\s\S]*?)\/\/ example:end/.exec(src);
  assert.ok(m, 'example markers in the fixture');
  // The fixture imports the package entry point by path; the docs by package name.
  return m[1]!.replace("from '../../../src/index.js'", "from 'tswg'");
}

test('docs/events.md shows the library example exactly as compiled', () => {
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'events.md'), 'utf8');
  const body = exampleBody();
  assert.ok(body.includes('pipeline.events.on(') && body.includes('pipeline.events.stream('));
  assert.ok(body.startsWith("import { Daemon, Tun, createEventPipeline"), 'the imports are part of the checked text');
  assert.ok(docs.includes(body), 'docs/events.md must contain the example body from test/e2e/fixtures/library-example.ts verbatim');
});

test('the library example runs: connect with the observed endpoint, disconnect(shutdown) on SIGTERM', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const go = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.1.2/24', listenPort: 51820 });
  const keys = genKeyPair();
  await setPeer(go, { publicKey: keys.publicKey, allowedIps: ['198.19.1.1/32'] });
  const configPath = writeConfig(nsA!, 'events.yaml', 'disconnect_grace: 5s\n');
  const ifname = lab.ifname();
  const endpoint = `${link.b4}:51820`;
  const child = nsA!.spawn(
    [process.execPath, FIXTURE_JS, ifname, configPath, join(lab.tmpDir, 'state'), keys.privateKey, go.keys.publicKey, endpoint, '198.19.1.2/32'],
    { cwd: REPO_ROOT },
  );
  await waitFor(async () => (await nsA!.ip(['link', 'show', 'dev', ifname], { check: false })).code === 0, {
    timeoutMs: 10_000,
    what: `${ifname} created by the example`,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${child.stderr}`);
  });
  await nsA!.ip(['addr', 'add', '198.19.1.1/24', 'dev', ifname]);
  await nsA!.ip(['link', 'set', 'dev', ifname, 'up']);
  await waitForPing(nsA!, '198.19.1.2', 15_000);
  const connected = await child.waitForOutput(/^(\S+) connected from (\S+) \[ '198\.19\.1\.2\/32' \]$/m, 10_000);
  assert.equal(connected[1], go.keys.publicKey);
  assert.equal(connected[2], endpoint);

  child.kill('SIGTERM');
  await child.waitForOutput(/disconnected: shutdown/, 10_000);
  const status = await child.wait(10_000);
  assert.equal(status.code, 0, child.stderr);
  assert.match(child.stdout, /example finished/);
  assert.equal(child.stdout.match(/connected from/g)?.length, 1, 'one connect, no duplicates');
});

test('TUN-less embedding: a pipeline fed by a Device you drive yourself streams its connect', async () => {
  const crypto = selectProvider('auto');
  const ep = (address: string): Endpoint => ({ address, port: 51820 });
  const pipeline = await createEventPipeline({ ifname: 'mem0', config: defaultEventsConfig(), stateDir: null });
  const connects = pipeline.events.stream({ types: ['connect'] });
  const seen: string[] = [];
  pipeline.events.on('event', (ev) => seen.push(`${ev.event}/${ev.entity}`));

  // Two devices joined in memory: A's datagrams reach B (and back) on the next turn of the event loop.
  const devices: Device[] = [];
  const mk = (self: Endpoint, other: () => Device, emit: (ev: DeviceEvent) => void): Device =>
    new Device({
      crypto,
      clock: systemClock,
      random: systemRandom,
      effects: { transmit: (_to, d) => void setImmediate(() => other().receiveDatagram(d, self)), deliver: () => undefined, emit },
    });
  const a = mk(ep('198.18.0.1'), () => devices[1]!, (ev) => pipeline.handle(ev));
  const b = mk(ep('198.18.0.2'), () => devices[0]!, () => undefined);
  devices.push(a, b);
  const [ka, kb] = [generatePrivateKey(systemRandom), generatePrivateKey(systemRandom)];
  const [pa, pb] = [publicKeyOf(crypto, ka), publicKeyOf(crypto, kb)];
  pipeline.interfaceCreated({ publicKey: null, listenPort: 0, fwmark: 0, peerCount: 0 }); // as the daemon does, before any config
  assert.equal(a.apply({ privateKey: ka, listenPort: 51820, peers: [{ publicKey: pb, endpoint: ep('198.18.0.2'), allowedIps: [{ ...parsePrefix('10.0.0.2/32')!, add: true }] }] }), null);
  assert.equal(b.apply({ privateKey: kb, listenPort: 51820, peers: [{ publicKey: pa, allowedIps: [{ ...parsePrefix('10.0.0.1/32')!, add: true }] }] }), null);
  a.setUp(true);
  b.setUp(true);

  const packet = new Uint8Array(20);
  packet.set([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 253], 0);
  packet.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
  a.sendPacket(packet); // starts the handshake (the packet is staged until it completes)
  const next = await withTimeout(connects.next(), 5000, 'a connect from the in-memory handshake');
  assert.equal(next.done, false);
  const ev = next.value as PortalEnvelope;
  assert.equal(ev.identifier, toBase64(pb));
  assert.equal((ev.payload as PeerStatusPayload).Endpoint, '198.18.0.2:51820');
  assert.equal(ev.tswg.reason, 'handshake');
  await pipeline.close();
  // Key + port are an interface update; close() reports the connected peer's disconnect(shutdown).
  assert.deepEqual(seen, ['create/interface', 'update/interface', 'create/peer', 'connect/peer', 'disconnect/peer']);
  assert.equal((await connects.next()).done, true, 'the stream ends when the pipeline closes');
});
