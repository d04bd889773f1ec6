// Two (or more) Devices over the in-memory network: handshakes, loss and
// retransmission, long-running traffic with rekeys, keepalives, give-up and
// key erasure, replay handling, the under-load cookie path, and events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNet, pair, ipv4Packet, seqPayload, payloadSeq, hex, type NetNode } from '../helpers/memory-net.js';
import {
  MAX_TIMER_HANDSHAKES,
  REKEY_TIMEOUT_MS,
  REKEY_TIMEOUT_JITTER_MAX_MS,
  REJECT_AFTER_TIME_MS,
} from '../../src/wire/constants.js';

const A_IP = '10.0.0.1';
const B_IP = '10.0.0.2';

function setup(seed = 7, opts: Parameters<typeof pair>[2] = {}): { net: MemoryNet; a: NetNode; b: NetNode } {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b, opts);
  a.device.setUp(true);
  b.device.setUp(true);
  return { net, a, b };
}

function send(from: NetNode, seq: number, src: string, dst: string): Uint8Array {
  const p = ipv4Packet(src, dst, seqPayload(seq));
  from.device.sendPacket(p);
  return p;
}

test('handshake A→B: first packet is staged, delivered after the handshake; data flows both ways', () => {
  const { net, a, b } = setup();
  const p1 = send(a, 1, A_IP, B_IP);
  assert.equal(a.sentOfType(1).length, 1, 'one initiation');
  net.run(100);
  assert.equal(b.sentOfType(2).length, 1, 'one response');
  assert.equal(b.delivered.length, 1);
  assert.deepEqual(b.delivered[0], p1);
  const p2 = send(b, 2, B_IP, A_IP);
  net.run(100);
  assert.deepEqual(a.delivered[0], p2);
  const ca = a.eventsOf('session.confirmed');
  const cb = b.eventsOf('session.confirmed');
  assert.equal(ca.length, 1);
  assert.equal(ca[0]!.isInitiator, true);
  assert.equal(ca[0]!.isFirst, true);
  assert.equal(cb.length, 1);
  assert.equal(cb[0]!.isInitiator, false);
  assert.ok(a.device.peerStatus(b.publicKey)!.lastHandshakeWallMs > 0);
  assert.ok(b.device.peerStatus(a.publicKey)!.lastHandshakeWallMs > 0);
});

test('handshake B→A works the same way', () => {
  const { net, a, b } = setup(8);
  const p = send(b, 1, B_IP, A_IP);
  net.run(100);
  assert.deepEqual(a.delivered, [p]);
  assert.equal(b.sentOfType(1).length, 1);
  assert.equal(a.sentOfType(2).length, 1);
  assert.equal(b.eventsOf('session.confirmed')[0]!.isInitiator, true);
  assert.equal(a.eventsOf('session.confirmed')[0]!.isInitiator, false);
});

/** Establishes a session A→B and returns the time it completed. */
function connect(net: MemoryNet, a: NetNode, b: NetNode): void {
  send(a, 0, A_IP, B_IP);
  net.run(50);
  assert.equal(b.delivered.length, 1, 'setup packet delivered');
  b.delivered.length = 0;
}

test('simultaneous initiation: both sides converge on a working session and staged packets arrive', () => {
  const { net, a, b } = setup(11);
  const pa = send(a, 1, A_IP, B_IP);
  const pb = send(b, 2, B_IP, A_IP);
  assert.equal(a.sentOfType(1).length, 1);
  assert.equal(b.sentOfType(1).length, 1);
  net.run(20_000);
  assert.deepEqual(b.delivered, [pa]);
  assert.deepEqual(a.delivered, [pb]);
  // After convergence, traffic flows both ways at once without a new handshake.
  const hsBefore = a.sentOfType(1).length + b.sentOfType(1).length;
  const qa = send(a, 3, A_IP, B_IP);
  const qb = send(b, 4, B_IP, A_IP);
  net.run(50);
  assert.deepEqual(b.delivered.at(-1), qa);
  assert.deepEqual(a.delivered.at(-1), qb);
  assert.equal(a.sentOfType(1).length + b.sentOfType(1).length, hsBefore);
  assert.equal(a.device.drops['transport-decrypt'] + b.device.drops['transport-decrypt'], 0);
});

test('lost initiation is recovered by the retransmit timer (REKEY_TIMEOUT + 0..333 ms jitter)', () => {
  const { net, a, b } = setup(12);
  let dropped = 0;
  net.filter = (d) => (d.data[0] === 1 && dropped++ === 0 ? { drop: true } : undefined);
  const p = send(a, 1, A_IP, B_IP);
  net.run(4_900);
  assert.equal(b.delivered.length, 0);
  assert.equal(a.sentOfType(1).length, 1);
  net.run(1_000);
  const inits = a.sentOfType(1);
  assert.equal(inits.length, 2);
  const gap = inits[1]!.sentAt - inits[0]!.sentAt;
  assert.ok(gap >= REKEY_TIMEOUT_MS && gap < REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS, `gap ${gap}`);
  assert.deepEqual(b.delivered, [p]);
  const initiated = a.eventsOf('handshake.initiated');
  assert.deepEqual(initiated.map((e) => e.isRetry), [false, true]);
});

test('lost response is recovered: the initiator retries and the responder answers again', () => {
  const { net, a, b } = setup(13);
  let dropped = 0;
  net.filter = (d) => (d.data[0] === 2 && dropped++ === 0 ? { drop: true } : undefined);
  const p = send(a, 1, A_IP, B_IP);
  net.run(6_000);
  assert.equal(a.sentOfType(1).length, 2);
  assert.equal(b.sentOfType(2).length, 2);
  assert.deepEqual(b.delivered, [p]);
  assert.equal(a.eventsOf('session.confirmed').length, 1);
  assert.equal(b.eventsOf('session.confirmed').length, 1);
});

test('30 simulated minutes of two-way traffic: rekeys every ~2 min, nothing lost, nothing misdecrypted', () => {
  const { net, a, b } = setup(21);
  connect(net, a, b); // start from an established session (crossing first initiations are tested above)
  const sentAB: Uint8Array[] = [];
  const sentBA: Uint8Array[] = [];
  let seq = 0;
  const end = net.now + 30 * 60_000;
  net.every(100, end, () => {
    sentAB.push(send(a, seq++, A_IP, B_IP));
    sentBA.push(send(b, seq++, B_IP, A_IP));
  });
  net.runUntil(end + 1_000);
  assert.ok(sentAB.length >= 17_999, `sent ${sentAB.length}`);
  assert.equal(b.delivered.length, sentAB.length, 'A→B: every packet delivered');
  assert.equal(a.delivered.length, sentBA.length, 'B→A: every packet delivered');
  for (let i = 0; i < sentAB.length; i++) assert.deepEqual(b.delivered[i], sentAB[i]);
  for (let i = 0; i < sentBA.length; i++) assert.deepEqual(a.delivered[i], sentBA[i]);
  // Rekeying: about every REKEY_AFTER_TIME (120 s) → 14..16 handshakes in 30 minutes.
  const confirmedA = a.eventsOf('session.confirmed');
  const confirmedB = b.eventsOf('session.confirmed');
  assert.ok(confirmedA.length >= 14 && confirmedA.length <= 17, `A confirmations ${confirmedA.length}`);
  assert.equal(confirmedB.length, confirmedA.length);
  for (let i = 1; i < confirmedA.length; i++) {
    const gap = confirmedA[i]!.at - confirmedA[i - 1]!.at;
    assert.ok(gap > 115_000 && gap < 135_000, `rekey gap ${gap}`);
  }
  assert.equal(confirmedA.filter((e) => e.isFirst).length, 1, 'exactly one isFirst on A');
  assert.equal(confirmedB.filter((e) => e.isFirst).length, 1, 'exactly one isFirst on B');
  for (const n of [a, b]) {
    assert.equal(n.eventsOf('session.expired').length, 0);
    assert.equal(n.eventsOf('handshake.gave-up').length, 0);
    const total = Object.values(n.device.drops).reduce((s, v) => s + v, 0);
    assert.equal(total, 0, `${n.name} drops ${JSON.stringify(n.device.drops)}`);
  }
  // Every data packet B received was sent by A in order: payload identity end to end.
  assert.deepEqual(b.delivered.map(payloadSeq), sentAB.map(payloadSeq));
});

test('idle tunnel with persistent keepalive stays up for 10 minutes', () => {
  const { net, a, b } = setup(31, { pkaA: 25 });
  net.run(100); // setUp with PKA sends a keepalive → handshake at once
  assert.equal(a.eventsOf('session.confirmed').length, 1);
  for (let t = 0; t < 600; t += 5) {
    net.run(5_000);
    assert.ok(a.device.peerStatus(b.publicKey)!.sessionStartWallMs > 0, `A connected at ${t}s`);
    assert.ok(b.device.peerStatus(a.publicKey)!.sessionStartWallMs > 0, `B connected at ${t}s`);
  }
  const keepalives = a.sentOfType(4).filter((d) => d.data.length === 32);
  assert.ok(keepalives.length >= 20, `keepalives ${keepalives.length}`);
  for (let i = 1; i < keepalives.length; i++) {
    assert.ok(keepalives[i]!.sentAt - keepalives[i - 1]!.sentAt <= 25_000, 'keepalive interval ≤ 25 s');
  }
  for (const n of [a, b]) {
    assert.equal(n.eventsOf('session.confirmed').filter((e) => e.isFirst).length, 1);
    assert.equal(n.eventsOf('session.expired').length, 0);
    assert.equal(n.eventsOf('handshake.gave-up').length, 0);
  }
});

test('peer vanishes: 20 initiations, give-up, session expiry at 180 s and keys zeroed at 540 s', () => {
  const { net, a, b } = setup(41);
  connect(net, a, b);
  const confirmed = a.eventsOf('session.confirmed')[0]!;
  const initsBefore = a.sentOfType(1).length;
  b.online = false;
  send(a, 1, A_IP, B_IP); // unanswered data → newHandshake after 15 s + jitter
  net.run(700_000);
  const inits = a.sentOfType(1).slice(initsBefore);
  assert.equal(inits.length, MAX_TIMER_HANDSHAKES + 2, 'one initiation plus 19 retries');
  for (let i = 1; i < inits.length; i++) {
    const gap = inits[i]!.sentAt - inits[i - 1]!.sentAt;
    assert.ok(gap >= REKEY_TIMEOUT_MS && gap < REKEY_TIMEOUT_MS + REKEY_TIMEOUT_JITTER_MAX_MS, `gap ${gap}`);
  }
  const gaveUp = a.eventsOf('handshake.gave-up');
  assert.equal(gaveUp.length, 1);
  assert.equal(gaveUp[0]!.attempts, MAX_TIMER_HANDSHAKES + 2);
  const expired = a.eventsOf('session.expired');
  assert.equal(expired.length, 1);
  assert.equal(expired[0]!.at - confirmed.at, REJECT_AFTER_TIME_MS);
  const zeroed = a.eventsOf('keys.zeroed');
  assert.equal(zeroed.length, 1);
  assert.equal(zeroed[0]!.at - confirmed.at, 3 * REJECT_AFTER_TIME_MS);
  const peer = a.device.inspectPeer(b.publicKey)!;
  assert.equal(peer.keypairs.current, null);
  assert.equal(peer.keypairs.previous, null);
  assert.equal(peer.keypairs.next, null);
  // Nothing at all is sent after the give-up point.
  const gaveUpMono = inits.at(-1)!.sentAt;
  assert.equal(a.sent.filter((d) => d.sentAt > gaveUpMono).length, 0);
  assert.equal(a.device.nextDeadline(), undefined, 'no timers left');
});
