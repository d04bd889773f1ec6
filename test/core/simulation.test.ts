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
