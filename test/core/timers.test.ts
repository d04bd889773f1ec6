// Timers as deadlines: the indexed heap against a naive oracle, the
// kernel-named hooks in isolation, and scripted timelines through two
// devices ("t=0 send data; t=10 s expect a keepalive ...", whitepaper §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineHeap, type HeapItem } from '../../src/core/deadline-heap.js';
import { PeerTimers, ZERO_KEY_MATERIAL_MS } from '../../src/core/timers.js';
import {
  KEEPALIVE_TIMEOUT_MS,
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_TIME_MS,
  REKEY_TIMEOUT_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
} from '../../src/wire/constants.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { MemoryNet, pair, twoPairedNodes, ipv4Packet, seqPayload, type NetNode } from '../helpers/memory-net.js';

test('DeadlineHeap matches a naive minimum under random updates and removals', () => {
  const r = new SeededRandom(5);
  const heap = new DeadlineHeap<HeapItem & { id: number }>();
  const items = Array.from({ length: 200 }, (_, id) => ({ id, heapIndex: -1, heapKey: Infinity }));
  const keys = new Map<number, number>();
  for (let step = 0; step < 20_000; step++) {
    const it = items[r.nextU32() % items.length]!;
    const op = r.nextU32() % 10;
    if (op === 0) {
      heap.remove(it);
      keys.delete(it.id);
    } else {
      const k = op === 1 ? Infinity : r.nextU32() % 100_000;
      heap.update(it, k);
      if (k === Infinity) keys.delete(it.id);
      else keys.set(it.id, k);
    }
    const min = keys.size === 0 ? undefined : Math.min(...keys.values());
    assert.equal(heap.peekKey(), min);
    assert.equal(heap.size, keys.size);
  }
});

function timersFixture(): { heap: DeadlineHeap<PeerTimers<string>>; t: PeerTimers<string>; jit: number[] } {
  const heap = new DeadlineHeap<PeerTimers<string>>();
  const jit = [100, 200, 300, 333];
  let i = 0;
  const t = new PeerTimers<string>('p', heap, () => jit[i++ % jit.length]!);
  return { heap, t, jit };
}

test('hooks: arming rules of dataSent, dataReceived, authenticated send/receive, handshake and session', () => {
  const { heap, t } = timersFixture();
  t.dataSent(0);
  assert.equal(t.newHandshake, Infinity, 'nothing is armed while the peer is not running');
  t.start();
  t.dataSent(1000);
  assert.equal(t.newHandshake, 1000 + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + 100);
  t.dataSent(2000);
  assert.equal(t.newHandshake, 1000 + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + 100, 'not re-armed while pending');
  t.anyAuthenticatedPacketReceived();
  assert.equal(t.newHandshake, Infinity);

  t.dataReceived(3000);
  assert.equal(t.sendKeepalive, 3000 + KEEPALIVE_TIMEOUT_MS);
  assert.equal(t.needAnotherKeepalive, false);
  t.dataReceived(4000);
  assert.equal(t.sendKeepalive, 3000 + KEEPALIVE_TIMEOUT_MS);
  assert.equal(t.needAnotherKeepalive, true);
  t.anyAuthenticatedPacketSent();
  assert.equal(t.sendKeepalive, Infinity);

  t.handshakeInitiated(5000);
  assert.equal(t.retransmitHandshake, 5000 + REKEY_TIMEOUT_MS + 200);
  t.handshakeAttempts = 7;
  t.sentLastMinuteHandshake = true;
  t.handshakeComplete();
  assert.equal(t.retransmitHandshake, Infinity);
  assert.equal(t.handshakeAttempts, 0);
  assert.equal(t.sentLastMinuteHandshake, false);

  t.sessionDerived(6000);
  assert.equal(t.zeroKeyMaterial, 6000 + ZERO_KEY_MATERIAL_MS);
  t.armZeroKeyMaterialIfIdle(7000);
  assert.equal(t.zeroKeyMaterial, 6000 + ZERO_KEY_MATERIAL_MS, 'give-up does not push a pending erasure');

  t.anyAuthenticatedPacketTraversal(8000);
  assert.equal(t.persistentKeepalive, Infinity, 'no persistent keepalive configured');
  t.setPersistentKeepalive(25_000);
  t.anyAuthenticatedPacketTraversal(8000);
  assert.equal(t.persistentKeepalive, 33_000);
  assert.equal(heap.peekKey(), t.earliest());
  t.setPersistentKeepalive(0);
  assert.equal(t.persistentKeepalive, Infinity);

  t.stop();
  assert.equal(t.earliest(), Infinity);
  assert.equal(heap.size, 0);
});

const A_IP = '10.0.0.1';
const B_IP = '10.0.0.2';

function connected(seed: number): { net: MemoryNet; a: NetNode; b: NetNode } {
  const { net, a, b } = twoPairedNodes(seed);
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(0)));
  net.run(50);
  assert.equal(b.delivered.length, 1);
  return { net, a, b };
}

const keepalives = (n: NetNode, after: number): number[] =>
  n.sent.filter((d) => d.data[0] === 4 && d.data.length === 32 && d.sentAt > after).map((d) => d.sentAt);

test('timeline: passive keepalive 10 s after received data, and another one if more data came meanwhile', () => {
  const { net, a, b } = connected(61);
  net.run(30_000); // the setup packet's own passive keepalive is done
  const t0 = net.now;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(5_000);
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(2)));
  net.run(30_000);
  const ka = keepalives(b, t0);
  assert.equal(ka.length, 2, `keepalives at ${ka.map((x) => x - t0)}`);
  assert.ok(Math.abs(ka[0]! - (t0 + 5 + KEEPALIVE_TIMEOUT_MS)) <= 5);
  assert.equal(ka[1]! - ka[0]!, KEEPALIVE_TIMEOUT_MS);
});

test('timeline: data sent, nothing heard → new handshake after KEEPALIVE + REKEY_TIMEOUT + jitter', () => {
  const { net, a, b } = connected(62);
  net.run(60_000); // let the setup keepalive exchange settle
  net.filter = (d) => (d.from.port === b.endpoint.port ? { drop: true } : undefined);
  const before = a.sentOfType(1).length;
  const t0 = net.now;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(14_999);
  assert.equal(a.sentOfType(1).length, before);
  net.run(REKEY_TIMEOUT_JITTER_MAX_MS + 5);
  const init = a.sentOfType(1).slice(before);
  assert.equal(init.length, 1);
  const dt = init[0]!.sentAt - t0;
  assert.ok(dt >= KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS && dt < 15_000 + REKEY_TIMEOUT_JITTER_MAX_MS, `${dt}`);
});

test('timeline: at most one initiation per REKEY_TIMEOUT however many packets wait', () => {
  const net = new MemoryNet(63);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b);
  a.device.setUp(true);
  b.online = false;
  for (let i = 0; i < 40; i++) {
    a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(i)));
    net.run(250);
  }
  const inits = a.sentOfType(1);
  assert.equal(inits.length, 2, '10 s of packets → the first initiation and one retransmit');
  assert.ok(inits[1]!.sentAt - inits[0]!.sentAt >= REKEY_TIMEOUT_MS);
});

test('timeline: only the initiator rekeys on time (REKEY_AFTER_TIME); the responder never does', () => {
  const { net, a, b } = connected(64);
  // Only B (the responder) sends data; A answers with keepalives only.
  const aInits = a.sentOfType(1).length;
  const t0 = net.now;
  net.every(1_000, t0 + REKEY_AFTER_TIME_MS + 20_000, () => b.device.sendPacket(ipv4Packet(B_IP, A_IP, seqPayload(1))));
  net.run(REKEY_AFTER_TIME_MS + 20_000);
  assert.equal(b.sentOfType(1).length, 0, 'responder does not rekey after REKEY_AFTER_TIME');
  // A sends passive keepalives; as initiator of current it rekeys once current is older than 120 s.
  const newInits = a.sentOfType(1).slice(aInits);
  assert.equal(newInits.length, 1);
  assert.ok(newInits[0]!.sentAt - t0 > REKEY_AFTER_TIME_MS - 100);
  assert.equal(a.eventsOf('session.confirmed').length, 2);
});

test('timeline: initiator that only receives rekeys at REJECT − KEEPALIVE − REKEY_TIMEOUT (165 s)', () => {
  const { net, a, b } = connected(65);
  const aInits = a.sentOfType(1).length;
  const t0 = a.device.inspectPeer(b.publicKey)!.keypairs.current!.birth;
  net.runUntil(t0 + 164_000);
  b.device.sendPacket(ipv4Packet(B_IP, A_IP, seqPayload(1)));
  net.run(50);
  assert.equal(a.sentOfType(1).length, aInits, 'not yet at 164 s');
  net.runUntil(t0 + 166_000);
  b.device.sendPacket(ipv4Packet(B_IP, A_IP, seqPayload(2)));
  net.run(6); // just the delivery
  const inits = a.sentOfType(1).slice(aInits);
  assert.equal(inits.length, 1, 'rekey triggered by receiving');
  assert.ok(inits[0]!.sentAt - t0 > REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS);
});

test('peer.silent: a persistent-keepalive peer that stops talking is reported once', () => {
  const net = new MemoryNet(66);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 }, { silenceTimeoutMs: 30_000 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  // B's keepalive interval is the shorter one, so B speaks at least every 5 s
  // (an equal interval on both sides lets A's keepalives keep resetting B's timer).
  pair(a, b, { pkaA: 25, pkaB: 5 });
  a.device.setUp(true);
  b.device.setUp(true);
  net.run(60_000);
  assert.equal(a.eventsOf('peer.silent').length, 0, 'keepalives keep it quiet');
  b.online = false;
  net.run(60_000);
  const s = a.eventsOf('peer.silent');
  assert.equal(s.length, 1);
  assert.ok(s[0]!.silentForMs >= 30_000 && s[0]!.silentForMs < 31_000);
});
