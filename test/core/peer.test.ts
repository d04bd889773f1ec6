// Per-peer behaviour: the staged queue (bound, drop-oldest, flush on key
// confirmation, discard on give-up), counter exhaustion mid-flush, the
// responder's no-send-before-confirmation rule, and secret-free status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StagedQueue } from '../../src/core/staged-queue.js';
import { REJECT_AFTER_MESSAGES, MAX_STAGED_PACKETS } from '../../src/wire/constants.js';
import { twoPairedNodes, ipv4Packet, seqPayload, payloadSeq, hex } from '../helpers/memory-net.js';

test('StagedQueue: FIFO, bounded, drops the oldest when full, unshift puts back at the front', () => {
  const q = new StagedQueue(3);
  const p = (n: number): Uint8Array => new Uint8Array([n]);
  assert.equal(q.push(p(1)), false);
  q.push(p(2));
  q.push(p(3));
  assert.equal(q.push(p(4)), true, 'full: oldest dropped');
  assert.equal(q.length, 3);
  assert.equal(q.shift()![0], 2);
  assert.equal(q.unshift(p(9)), true);
  assert.deepEqual([q.shift()![0], q.shift()![0], q.shift()![0]], [9, 3, 4]);
  assert.equal(q.shift(), undefined);
  q.push(p(5));
  q.clear();
  assert.equal(q.length, 0);
});

const A_IP = '10.0.0.1';
const B_IP = '10.0.0.2';

const nodes = twoPairedNodes;

test('staged packets: 128 kept (oldest dropped and counted), all flushed in order on key confirmation', () => {
  const { net, a, b } = nodes(71);
  b.online = false;
  const n = MAX_STAGED_PACKETS + 5;
  for (let i = 0; i < n; i++) a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(i)));
  assert.equal(a.device.drops['staged-overflow'], 5);
  b.online = true;
  net.run(6_000); // the first initiation was lost; the retransmission completes
  assert.deepEqual(
    b.delivered.map(payloadSeq),
    Array.from({ length: MAX_STAGED_PACKETS }, (_, i) => i + 5),
  );
});

test('staged packets are discarded at the give-up point', () => {
  const { net, a, b } = nodes(72);
  b.online = false;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(120_000);
  assert.equal(a.eventsOf('handshake.gave-up').length, 1);
  assert.equal(a.device.inspectPeer(b.publicKey)!.staged.length, 0);
  b.online = true;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(2)));
  net.run(100);
  assert.deepEqual(b.delivered.map(payloadSeq), [2], 'the old staged packet is gone');
});

test('send counter exhaustion mid-stream: remaining packets are staged, a handshake runs, nothing is lost', () => {
  const { net, a, b } = nodes(73);
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(0)));
  net.run(6_000); // past REKEY_TIMEOUT, so a new initiation is not rate limited
  const cur = a.device.inspectPeer(b.publicKey)!.keypairs.current!;
  cur.setSendCounter(REJECT_AFTER_MESSAGES - 1n);
  const before = a.sentOfType(1).length;
  for (let i = 1; i <= 3; i++) a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(i)));
  assert.equal(a.sentOfType(1).length, before + 1, 'exhaustion starts a handshake at once');
  net.run(100);
  assert.deepEqual(b.delivered.map(payloadSeq), [0, 1, 2, 3]);
  assert.notEqual(a.device.inspectPeer(b.publicKey)!.keypairs.current, cur);
});

test('responder never sends on an unconfirmed keypair; confirmation arrives with the first transport packet', () => {
  const { net, a, b } = nodes(74);
  // Drop A's confirming keepalive/data so B stays unconfirmed.
  net.filter = (d) => (d.from.port === a.endpoint.port && d.data[0] === 4 ? { drop: true } : undefined);
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(50);
  const pb = b.device.inspectPeer(a.publicKey)!;
  assert.notEqual(pb.keypairs.next, null);
  assert.equal(pb.keypairs.current, null);
  assert.equal(b.eventsOf('session.confirmed').length, 0);
  // B has data for A: it must stage it (no current), not encrypt under `next`.
  b.device.sendPacket(ipv4Packet(B_IP, A_IP, seqPayload(2)));
  assert.equal(b.sentOfType(4).length, 0);
  assert.equal(pb.staged.length, 1);
  net.filter = null;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(3)));
  net.run(50);
  assert.equal(b.eventsOf('session.confirmed').length, 1);
  assert.equal(pb.keypairs.next, null);
  assert.deepEqual(a.delivered.map(payloadSeq), [2], 'staged packet flushed on confirmation');
});

test('peer status never carries secrets', () => {
  const { net, a, b } = nodes(75);
  const psk = new Uint8Array(32).fill(0x5a);
  a.device.apply({ peers: [{ publicKey: b.publicKey, presharedKey: psk }] });
  b.device.apply({ peers: [{ publicKey: a.publicKey, presharedKey: psk }] });
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(50);
  assert.equal(b.delivered.length, 1, 'PSK handshake works');
  const all = JSON.stringify([a.events, b.events, a.device.peerStatus(b.publicKey)], (_k, v) =>
    v instanceof Uint8Array ? hex(v) : v,
  );
  for (const secret of [psk, a.privateKey, b.privateKey]) assert.equal(all.includes(hex(secret)), false);
  const kp = a.device.inspectPeer(b.publicKey)!.keypairs.current!;
  assert.equal(all.includes(hex(kp.sendKey)), false);
});

test('preshared keys: peers without one share nothing observable; set, clear and re-set each behave on their own', () => {
  const { net, a, b } = nodes(77);
  const psk = new Uint8Array(32).fill(0x33);
  // A third peer on a that never gets a PSK: its Q must stay all zero whatever happens to b's.
  const other = new Uint8Array(32).fill(0x42);
  a.device.apply({ peers: [{ publicKey: other }] });
  a.device.apply({ peers: [{ publicKey: b.publicKey, presharedKey: psk }] });
  a.device.apply({ peers: [{ publicKey: b.publicKey, presharedKey: null }] });
  const pb = a.device.inspectPeer(b.publicKey)!;
  const po = a.device.inspectPeer(other)!;
  assert.equal(pb.hasPresharedKey, false);
  assert.ok(pb.keys.presharedKey.every((x) => x === 0));
  assert.ok(po.keys.presharedKey.every((x) => x === 0));
  assert.equal(a.device.snapshot().peers.find((p) => hex(p.publicKey) === hex(other))!.presharedKey, null);
  // No PSK on either side: the handshake works; then the same PSK on both: it still works.
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(50);
  assert.equal(b.delivered.length, 1);
  a.device.apply({ peers: [{ publicKey: b.publicKey, presharedKey: psk }] });
  b.device.apply({ peers: [{ publicKey: a.publicKey, presharedKey: psk }] });
  assert.ok(po.keys.presharedKey.every((x) => x === 0), 'setting b’s PSK leaves the other peer’s Q alone');
  assert.equal(hex(a.device.snapshot().peers.find((p) => hex(p.publicKey) === hex(b.publicKey))!.presharedKey!), hex(psk));
});

test('a configured peer that never handshakes can be stopped, re-keyed and removed (lazy per-peer state)', () => {
  const { a, b } = nodes(78);
  const lonely = new Uint8Array(32).fill(0x24);
  a.device.apply({ peers: [{ publicKey: lonely, allowedIps: [{ ip: new Uint8Array([10, 9, 0, 1]), cidr: 32, add: true }] }] });
  a.device.setUp(false);
  a.device.setUp(true);
  a.device.apply({ privateKey: new Uint8Array(32).fill(0x61), peers: [] }); // expires current keypairs of every peer
  const p = a.device.inspectPeer(lonely)!;
  assert.equal(p.keypairs.current, null);
  assert.equal(p.handshake.state, 'none');
  assert.equal(p.staged.length, 0);
  a.device.apply({ peers: [{ publicKey: lonely, remove: true }] });
  assert.equal(a.device.inspectPeer(lonely), undefined);
  assert.ok(a.device.inspectPeer(b.publicKey));
});

test('peerId is toHex of the key (the device map key), for any 32 bytes and other lengths', async () => {
  const { peerId } = await import('../../src/core/peer.js');
  const { toHex } = await import('../../src/util/bytes.js');
  for (let seed = 0; seed < 64; seed++) {
    const k = Uint8Array.from({ length: 32 }, (_, i) => (seed * 97 + i * 31 + (seed >> 2)) & 0xff);
    assert.equal(peerId(k), toHex(k));
  }
  assert.equal(peerId(new Uint8Array(32).fill(255)), 'f'.repeat(64));
  assert.equal(peerId(Uint8Array.of(1, 2)), '0102');
});

test('timers made on first use behave as if made at start: retransmission, persistent keepalive on and off, down/up', () => {
  const { net, a, b } = nodes(79);
  // Already up and configured by nodes(); nothing has been sent yet. Lose b for a while.
  b.online = false;
  a.device.sendPacket(ipv4Packet(A_IP, B_IP, seqPayload(1)));
  net.run(100);
  assert.equal(a.sentOfType(1).length, 1, 'first initiation');
  net.run(5_400); // REKEY_TIMEOUT (5 s) + jitter: the retransmission timer was running
  assert.equal(a.sentOfType(1).length, 2, 'retransmitted');
  b.online = true;
  net.run(6_000);
  assert.deepEqual(b.delivered.map(payloadSeq), [1]);

  // Persistent keepalive turned on for a peer whose timers do not exist yet (b's view of a after down/up).
  b.device.setUp(false);
  b.device.setUp(true);
  const before = b.sent.length;
  b.device.apply({ peers: [{ publicKey: a.publicKey, persistentKeepalive: 1 }] });
  net.run(3_500);
  assert.ok(b.sent.length - before >= 3, `keepalives every second (${b.sent.length - before} datagrams)`);
  b.device.apply({ peers: [{ publicKey: a.publicKey, persistentKeepalive: 0 }] });
  net.run(200);
  const off = b.sent.length;
  net.run(5_000);
  assert.equal(b.sent.length, off, 'nothing more once it is off');
});
