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

test('replayed initiation is rejected by its timestamp and answered with nothing', () => {
  const { net, a, b } = setup(51);
  connect(net, a, b);
  const init = a.sentOfType(1)[0]!;
  net.run(30_000);
  const bSent = b.sent.length;
  net.inject(a.endpoint, b.endpoint, init.data.slice());
  net.run(100);
  assert.equal(b.device.drops['replayed-timestamp'], 1);
  assert.equal(b.sent.length - bSent, 0, 'no reply to a replayed initiation');
  // The existing session is untouched.
  const p = send(a, 9, A_IP, B_IP);
  net.run(50);
  assert.deepEqual(b.delivered.at(-1), p);
  assert.equal(b.eventsOf('session.confirmed').length, 1);
});

test('replayed and reordered transport packets: delivered once each, duplicates dropped, window honoured', () => {
  const { net, a, b } = setup(52);
  connect(net, a, b);
  let n = 0;
  net.filter = (d) => {
    if (d.data[0] !== 4) return undefined;
    n++;
    if (n % 3 === 0) return { delayMs: 30 }; // reorder
    if (n % 5 === 0) return { duplicate: 2 }; // replay by the network
    return undefined;
  };
  const sent: number[] = [];
  for (let i = 1; i <= 60; i++) {
    send(a, i, A_IP, B_IP);
    sent.push(i);
    net.run(2);
  }
  net.run(200);
  const got = b.delivered.map(payloadSeq);
  assert.deepEqual([...got].sort((x, y) => x - y), sent, 'each packet exactly once');
  assert.notDeepEqual(got, sent, 'some arrived out of order');
  assert.equal(b.device.drops['replayed-counter'], 2 * 8, 'the 16 network duplicates were dropped');
  net.filter = null;

  // A captured packet replayed later is dropped; so is one older than the 8128-counter window.
  const old = a.sentOfType(4).at(-1)!.data.slice();
  net.inject(a.endpoint, b.endpoint, old);
  net.run(20);
  assert.equal(b.device.drops['replayed-counter'], 17);
  let held: Uint8Array | null = null;
  net.filter = (d) => {
    if (d.data[0] === 4 && held === null) {
      held = d.data.slice();
      return { drop: true };
    }
    return undefined;
  };
  for (let i = 0; i < 8200; i++) send(a, 1000 + i, A_IP, B_IP);
  net.run(20);
  net.filter = null;
  const before = b.delivered.length;
  net.inject(a.endpoint, b.endpoint, held!);
  net.run(20);
  assert.equal(b.delivered.length, before, 'too old for the window');
  assert.equal(b.device.drops['replayed-counter'], 18);
});

test('under load: mac2 required, cookie reply sent, the retry with the cookie succeeds', () => {
  const { net, a, b } = setup(53);
  b.device.setHandshakeBacklog(1_000);
  assert.equal(b.device.isUnderLoad(), true);
  const p = send(a, 1, A_IP, B_IP);
  net.run(100);
  assert.equal(b.sentOfType(3).length, 1, 'cookie reply');
  assert.equal(b.sentOfType(2).length, 0, 'no response without mac2');
  assert.equal(b.device.drops['bad-mac2'], 1);
  assert.equal(b.delivered.length, 0);
  assert.equal(a.device.inspectPeer(b.publicKey)!.endpoint?.port, b.endpoint.port, 'cookie reply does not roam');
  net.run(6_000); // retransmission carries mac2
  const inits = a.sentOfType(1);
  assert.equal(inits.length, 2);
  assert.ok(inits[0]!.data.subarray(132).every((x) => x === 0), 'first initiation: mac2 zero');
  assert.ok(inits[1]!.data.subarray(132).some((x) => x !== 0), 'retry: mac2 set from the cookie');
  assert.equal(b.sentOfType(2).length, 1);
  assert.deepEqual(b.delivered, [p]);
  // Sticky for 1 s after the backlog drains.
  b.device.setHandshakeBacklog(0);
  net.run(500);
  assert.equal(b.device.isUnderLoad(), true);
  net.run(600);
  assert.equal(b.device.isUnderLoad(), false);
});

test('under load: without mac2 no DH work is done; with a valid cookie, one source is rate limited', () => {
  const { net, a, b } = setup(54);
  connect(net, a, b);
  b.device.setHandshakeBacklog(1_000);
  // Replays of a valid-mac1 initiation without mac2: each answered with a cookie reply, never decrypted.
  const init = a.sentOfType(1)[0]!.data;
  for (let i = 0; i < 3; i++) net.inject(a.endpoint, b.endpoint, init.slice());
  net.run(20);
  assert.equal(b.device.drops['bad-mac2'], 3);
  assert.equal(b.sentOfType(3).length, 3);
  assert.equal(b.device.drops['replayed-timestamp'], 0, 'no DH work under load without mac2');
  // A learns a cookie from a fresh initiation, then its retry carries mac2.
  const peerA = a.device.inspectPeer(b.publicKey)!;
  peerA.lastSentHandshake = -Infinity;
  a.device.inspectPeer(b.publicKey)!.keypairs.current!.setSendCounter(2n ** 64n - 2n ** 13n - 1n);
  send(a, 1, A_IP, B_IP); // current exhausted → new initiation → cookie reply
  net.run(6_000); // retry with mac2 → processed
  const withMac2 = a.sentOfType(1).at(-1)!.data;
  assert.ok(withMac2.subarray(132).some((x) => x !== 0));
  const processedBefore = b.device.drops['replayed-timestamp'];
  for (let i = 0; i < 10; i++) net.inject(a.endpoint, b.endpoint, withMac2.slice(), 1);
  net.run(20);
  const limited = b.device.drops['rate-limited'];
  const replayed = b.device.drops['replayed-timestamp'] - processedBefore;
  assert.ok(limited >= 1, 'burst beyond the bucket is rate limited');
  assert.ok(replayed >= 1, 'the first few still reach the timestamp check');
  assert.equal(limited + replayed, 10);
});

test('roaming: an authenticated packet from a new address moves the endpoint; cookie replies and garbage do not', () => {
  const { net, a, b } = setup(55);
  connect(net, a, b);
  const old = { ...a.endpoint };
  // A moves to a new address and keeps talking.
  (a as { endpoint: { address: string; port: number } }).endpoint = { address: '198.51.100.7', port: 40000 };
  const p = send(a, 2, A_IP, B_IP);
  net.run(50);
  assert.deepEqual(b.delivered.at(-1), p);
  const ch = b.eventsOf('endpoint.changed');
  assert.equal(ch.length, 1);
  assert.deepEqual(ch[0]!.previous, old);
  assert.deepEqual(ch[0]!.endpoint, a.endpoint);
  const q = send(b, 3, B_IP, A_IP);
  net.run(50);
  assert.deepEqual(a.delivered.at(-1), q, 'replies follow the new endpoint');
  // Unauthenticated input from elsewhere changes nothing.
  const spoof = { address: '203.0.113.9', port: 1234 };
  const t = a.sentOfType(4).at(-1)!.data.slice();
  t[20] ^= 1;
  net.inject(spoof, b.endpoint, t);
  const cookie = new Uint8Array(64);
  cookie[0] = 3;
  cookie.set(a.sentOfType(4).at(-1)!.data.subarray(4, 8), 4);
  net.inject(spoof, b.endpoint, cookie);
  net.run(50);
  assert.equal(b.eventsOf('endpoint.changed').length, 1);
  assert.deepEqual(b.device.peerStatus(a.publicKey)!.endpoint, a.endpoint);
  assert.equal(b.device.drops['transport-decrypt'], 1);
});

test('session.expired when the peer vanishes with no traffic; a later handshake is isFirst again', () => {
  const { net, a, b } = setup(56);
  connect(net, a, b);
  const t0 = a.eventsOf('session.confirmed')[0]!.at;
  b.online = false;
  net.run(REJECT_AFTER_TIME_MS + 1_000);
  const ex = a.eventsOf('session.expired');
  assert.equal(ex.length, 1);
  assert.equal(ex[0]!.at - t0, REJECT_AFTER_TIME_MS);
  assert.equal(ex[0]!.peer.sessionStartWallMs, 0);
  b.online = true;
  const p = send(a, 5, A_IP, B_IP);
  net.run(15_000); // both sides had overdue timers: their first initiations may cross
  assert.deepEqual(b.delivered.at(-1), p);
  const c = a.eventsOf('session.confirmed');
  assert.ok(c.length >= 2);
  assert.equal(c[1]!.isFirst, true);
  assert.ok(c[1]!.at > ex[0]!.at);
  assert.equal(hex(c[1]!.peer.publicKey), hex(b.publicKey));
});

test('initiation flood: a second fresh initiation within 20 ms of the last one is dropped', () => {
  const { net, a, b } = setup(57);
  net.filter = (d) => (d.from.port === b.endpoint.port ? { drop: true } : undefined); // B's answers are lost
  send(a, 1, A_IP, B_IP);
  net.run(19); // > one 16.78 ms TAI64N granule, < the 20 ms flood interval
  a.device.inspectPeer(b.publicKey)!.lastSentHandshake = -Infinity; // let A initiate again at once
  send(a, 2, A_IP, B_IP);
  assert.equal(a.sentOfType(1).length, 2);
  net.run(50);
  assert.equal(b.device.drops['initiation-flood'], 1);
  assert.equal(b.sentOfType(2).length, 1, 'only the first initiation was answered');
});
