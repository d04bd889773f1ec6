// Key material is wiped when it is no longer needed (whitepaper §6.3
// "zero key material"; wireguard-go/kernel zero their keypairs). We keep
// references to the live arrays (Device.inspectPeer, @internal for tests)
// and check they are all-zero after: the 3 × REJECT_AFTER_TIME expiry
// ('keys.zeroed'), keypair rotation, peer removal, interface down, and the
// end of a handshake (ephemeral, chaining key, hash).
// Caveat (documented in docs/reliability.md): this is best effort. JS has no
// way to pin or zero memory the engine copied — garbage-collected copies,
// intermediate buffers inside crypto libraries or OpenSSL, strings made from
// keys (hex/base64 in UAPI replies) — so only the arrays the core owns are
// checked; they are the ones an attacker reading a heap snapshot would find
// long after use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNet, pair, ipv4Packet, seqPayload, type NetNode } from '../helpers/memory-net.js';
import type { Keypair } from '../../src/core/keypair.js';
import { isAllZero } from '../../src/util/bytes.js';
import { REJECT_AFTER_TIME_MS, REKEY_AFTER_TIME_MS } from '../../src/wire/constants.js';

function connected(seed: number): { net: MemoryNet; a: NetNode; b: NetNode } {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b, { psk: net.random.fill(new Uint8Array(32)) });
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(100);
  b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(2)));
  net.run(100);
  assert.ok(a.device.inspectPeer(b.publicKey)!.isConnected && b.device.inspectPeer(a.publicKey)!.isConnected);
  return { net, a, b };
}

/** Every key array in a node's keypair slots, with a label. */
function keyArrays(n: NetNode, other: NetNode): [string, Uint8Array][] {
  const kps = n.device.inspectPeer(other.publicKey)!.keypairs;
  const out: [string, Uint8Array][] = [];
  for (const slot of ['previous', 'current', 'next'] as const) {
    const kp: Keypair | null = kps[slot];
    if (kp) out.push([`${n.name}.${slot}.send`, kp.sendKey], [`${n.name}.${slot}.receive`, kp.receiveKey]);
  }
  return out;
}

function assertWiped(arrays: readonly [string, Uint8Array][]): void {
  assert.ok(arrays.length > 0);
  for (const [label, a] of arrays) assert.ok(isAllZero(a), `${label} is zeroed`);
}

function assertLive(arrays: readonly [string, Uint8Array][]): void {
  for (const [label, a] of arrays) assert.ok(!isAllZero(a), `${label} holds a key`);
}

test('keys.zeroed: 3 × REJECT_AFTER_TIME after the last session every keypair array is zero and the slots are empty', () => {
  const { net, a, b } = connected(21);
  const held = [...keyArrays(a, b), ...keyArrays(b, a)];
  assertLive(held);
  net.run(REJECT_AFTER_TIME_MS + 1000);
  assert.equal(a.eventsOf('session.expired').length, 1, 'the session expired first');
  assertLive(held); // expired but not yet erased
  net.run(2 * REJECT_AFTER_TIME_MS + 1000);
  assert.equal(a.eventsOf('keys.zeroed').length, 1);
  assert.equal(b.eventsOf('keys.zeroed').length, 1);
  assertWiped(held);
  for (const n of [a, b]) {
    const peer = n.device.inspectPeer((n === a ? b : a).publicKey)!;
    assert.equal(peer.keypairs.previous ?? peer.keypairs.current ?? peer.keypairs.next, null);
    assert.equal(peer.handshake.chainingKey, null);
  }
});

test('rotation: a keypair that falls out of previous/current/next is wiped; the live ones are not', () => {
  const { net, a, b } = connected(22);
  const first = keyArrays(a, b).filter(([l]) => l.startsWith('a.current'));
  let n = 10;
  // Two rekeys (one every REKEY_AFTER_TIME while A sends): the first keypair goes previous, then away.
  net.every(1000, net.now + 2 * REKEY_AFTER_TIME_MS + 20_000, () => {
    a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(n++)));
    b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(n++)));
  });
  net.run(2 * REKEY_AFTER_TIME_MS + 25_000);
  assert.ok(a.eventsOf('session.confirmed').length >= 3, 'two rekeys happened');
  assertWiped(first);
  assertLive(keyArrays(a, b));
});

test('peer removal and interface down wipe the keypairs at once', () => {
  const { a, b } = connected(23);
  const ofA = keyArrays(a, b);
  const ofB = keyArrays(b, a);
  assert.equal(a.device.apply({ peers: [{ publicKey: b.publicKey, remove: true }] }), null);
  assertWiped(ofA);
  b.device.setUp(false);
  assertWiped(ofB);
});

test('a completed handshake leaves no ephemeral private key, chaining key or hash behind', () => {
  const net = new MemoryNet(24);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  const hs = a.device.inspectPeer(b.publicKey)!.handshake;
  assert.equal(hs.state, 'initiation-created');
  const eph = hs.ephemeralPrivate!;
  const ck = hs.chainingKey!;
  const h = hs.hash!;
  assert.ok(!isAllZero(eph) && !isAllZero(ck) && !isAllZero(h));
  net.run(100);
  assert.equal(a.eventsOf('session.confirmed').length, 1);
  assert.ok(isAllZero(eph), 'ephemeral private key wiped');
  assert.ok(isAllZero(ck), 'chaining key wiped');
  assert.ok(isAllZero(h), 'hash wiped');
  assert.equal(hs.ephemeralPrivate, null);
});
