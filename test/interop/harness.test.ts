// Self-check of the netns interop harness (test/helpers/netns.ts, impl.ts):
// the underlay works on IPv4 and IPv6, processes started in a namespace are
// tracked, and cleanup removes namespaces, daemons and UAPI sockets. If these
// fail, every interop result would be meaningless.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { run, pidAlive } from '../helpers/proc.js';
import { Lab } from '../helpers/netns.js';
import { startInterface, stopInterface, isSocket } from '../helpers/impl.js';
import { iperf3, ping, waitForPing } from '../helpers/transfer.js';
import { makePair } from '../helpers/pair.js';
import { peerStatus } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

async function namespaceExists(name: string): Promise<boolean> {
  const r = await run(['ip', 'netns', 'list']);
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === name);
}

test('harness: veth underlay reaches the peer over IPv4 and IPv6, cleanup removes everything', async (t) => {
  if (!requireRoot(t, ['ip', 'ping'])) return;
  const lab = Lab.create(t);
  const [a, b] = await lab.addNamespaces(2);
  const link = await lab.connect(a!, b!);
  assert.match(a!.name, new RegExp(`^tswg-${process.pid}-\\d+$`));
  assert.ok((await ping(a!, link.b4, { count: 1 })).ok, 'IPv4 underlay ping');
  assert.ok((await ping(b!, link.a6, { count: 1 })).ok, 'IPv6 underlay ping (nodad)');
  // A namespace is isolated: the host has no route to the underlay.
  assert.ok(!(await ping(a!, '198.18.200.1', { count: 1, deadlineS: 1 })).ok);

  const sleeper = a!.spawn(['sleep', '60']);
  await a!.ip(['link', 'show', 'lo']);
  assert.ok(pidAlive(sleeper.pid));
  assert.deepEqual(await a!.pids(), [sleeper.pid]);

  await lab.cleanup();
  assert.ok(!pidAlive(sleeper.pid), 'tracked process was stopped');
  assert.ok(!(await namespaceExists(a!.name)), 'namespace A deleted');
  assert.ok(!(await namespaceExists(b!.name)), 'namespace B deleted');
  assert.ok(!existsSync(lab.tmpDir), 'tmp dir removed');
});

test('harness: wireguard-go daemon is found by pid, and ip link del ends it and its socket', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go'])) return;
  const lab = Lab.create(t);
  const [a] = await lab.addNamespaces(1);
  const iface = await startInterface(a!, 'wireguard-go');
  assert.ok(iface.ifname.length <= 15);
  assert.ok(pidAlive(iface.pid));
  assert.ok(isSocket(iface.socketPath));
  await stopInterface(iface);
  assert.ok(!pidAlive(iface.pid));
  assert.ok(!existsSync(iface.socketPath));
});

test('harness: cleanup kills a daemon that was never stopped and removes its socket', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go'])) return;
  const lab = Lab.create(t);
  const [a] = await lab.addNamespaces(1);
  const iface = await startInterface(a!, 'wireguard-go');
  await lab.cleanup();
  assert.ok(!pidAlive(iface.pid), 'daemon killed by cleanup');
  assert.ok(!existsSync(iface.socketPath), 'socket gone after cleanup');
  assert.ok(!(await namespaceExists(a!.name)));
});

test('harness: iperf3 helper measures traffic through a wireguard-go tunnel (no speed asserted)', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping', 'iperf3'])) return;
  const lab = Lab.create(t);
  const p = await makePair(lab, 'wireguard-go', 'wireguard-go');
  await waitForPing(p.a.ns, p.b4);
  const r = await iperf3(p.a.ns, p.b.ns, p.b4, { seconds: 1 });
  assert.ok(r.receivedBitsPerSec > 0 && r.sentBitsPerSec > 0);
  // The bytes really crossed the tunnel: B's peer counter covers them.
  const st = await peerStatus(p.b, p.a.keys.publicKey);
  assert.ok((st?.rxBytes ?? 0) > r.receivedBitsPerSec / 8 / 2, `B rx ${st?.rxBytes}`);
});
