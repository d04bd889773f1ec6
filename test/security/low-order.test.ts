// Low-order and zero X25519 public keys (whitepaper §5.4: an all-zero DH
// result is an error; RFC 7748 §6.1). The points are the kernel curve25519
// selftest's failing public keys (vectors/kernel-curve25519.json: 0, 1, the
// two order-8 points, p−1, p, p+1, each also with bit 255 set) — a superset
// of libsodium's blocklist. Each is tried as a peer's static key (config and
// claimed in an initiation) and as the ephemeral of an initiation and of a
// response, through Device.receiveDatagram. The messages are crafted with
// the zero DH result an unchecked implementation would compute (craft.ts),
// and a control built the same way with a real key is accepted, so the
// rejection can only come from the zero-result check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MemoryNet, pair, ipv4Packet, seqPayload, type NetNode } from '../helpers/memory-net.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { generatePrivateKey } from '../../src/crypto/keys.js';
import { tai64n } from '../../src/crypto/tai64n.js';
import { decryptInitiation, peerHandshakeKeys } from '../../src/core/handshake.js';
import { craftInitiation, craftResponse, ZERO32 } from './craft.js';
import { deviceFingerprint } from '../fuzz/device-state.js';

interface KernelVectors {
  vectors: { public: string; valid: boolean }[];
}
const kernel = JSON.parse(readFileSync(new URL('../../../vectors/kernel-curve25519.json', import.meta.url), 'utf8')) as KernelVectors;
const LOW_ORDER = [...new Set(kernel.vectors.filter((v) => !v.valid).map((v) => v.public))];

// libsodium's blocklist (crypto_scalarmult/curve25519 has_small_order): must all be among the kernel points.
const LIBSODIUM = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];

function setup(seed: number): { net: MemoryNet; a: NetNode; b: NetNode; psk: Uint8Array } {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  const psk = net.random.fill(new Uint8Array(32));
  pair(a, b, { psk });
  a.device.setUp(true);
  b.device.setUp(true);
  net.filter = () => ({ drop: true }); // every message in these tests is delivered by hand
  return { net, a, b, psk };
}

test('the low-order point list: 14 points, libsodium blocklist included, every one gives a null DH', () => {
  assert.equal(LOW_ORDER.length, 14);
  for (const h of LIBSODIUM) assert.ok(LOW_ORDER.includes(h), h);
  const net = new MemoryNet(1);
  for (const h of LOW_ORDER) assert.equal(net.crypto.x25519(generatePrivateKey(net.random), fromHex(h)!), null, h);
});

test('low-order ephemeral in an initiation: dropped as handshake-decrypt, no reply, no state change; a real ephemeral is accepted', () => {
  const { net, a, b } = setup(11);
  const p = net.crypto;
  const peers = [b.device.inspectPeer(a.publicKey)!];
  const ss = p.x25519(a.privateKey, b.publicKey)!;
  for (const [i, h] of LOW_ORDER.entries()) {
    net.clock.advance(100);
    const msg = craftInitiation(p, {
      responderPublic: b.publicKey,
      claimedStatic: a.publicKey,
      ephemeralPublic: fromHex(h)!,
      es: ZERO32, // DH(S_r, low-order) as an unchecked responder would compute it
      ss,
      timestamp: tai64n(net.clock.wallNow()),
      senderIndex: 1000 + i,
    });
    const before = deviceFingerprint(b.device, peers);
    const drops = b.device.drops['handshake-decrypt'];
    b.device.receiveDatagram(msg, a.endpoint);
    assert.equal(b.device.drops['handshake-decrypt'], drops + 1, h);
    assert.equal(b.sent.length, 0, `no response to ${h}`);
    assert.equal(deviceFingerprint(b.device, peers), before, h);
  }
  // Control: the same construction with a real ephemeral and its real DH is a valid initiation.
  net.clock.advance(100);
  const ePriv = generatePrivateKey(net.random);
  const control = craftInitiation(p, {
    responderPublic: b.publicKey,
    claimedStatic: a.publicKey,
    ephemeralPublic: p.x25519PublicKey(ePriv),
    es: p.x25519(ePriv, b.publicKey)!,
    ss,
    timestamp: tai64n(net.clock.wallNow()),
    senderIndex: 999,
  });
  b.device.receiveDatagram(control, a.endpoint);
  assert.equal(b.sent.length, 1);
  assert.equal(b.sent[0]!.data[0], 2, 'B answered the control initiation with a response');
});

test('low-order static key: a configured peer with one never initiates, and an initiation claiming one is dropped as unknown-peer', () => {
  const { net, a, b } = setup(12);
  const p = net.crypto;
  for (const [i, h] of LOW_ORDER.entries()) {
    const low = fromHex(h)!;
    const tunnel = Uint8Array.of(10, 9, i, 1);
    assert.equal(b.device.apply({ peers: [{ publicKey: low, endpoint: { address: '192.0.2.77', port: 7 }, allowedIps: [{ ip: tunnel, cidr: 32, add: true }] }] }), null);
    const peer = b.device.inspectPeer(low)!;
    assert.equal(peer.keys.staticStatic, null, `DH(S_priv, ${h}) is refused`);
    // Data for it: staged, but no initiation goes out (nothing to send to a low-order key).
    b.device.sendPacket(ipv4Packet('10.0.0.2', `10.9.${i}.1`, seqPayload(i)));
    assert.equal(b.sent.length, 0, `nothing transmitted to ${h}`);
    assert.equal(b.events.filter((e) => e.type === 'handshake.initiated').length, 0);
    // An initiation whose encrypted static is that key, built with ss = 0 as an unchecked responder would.
    net.clock.advance(100);
    const ePriv = generatePrivateKey(net.random);
    const msg = craftInitiation(p, {
      responderPublic: b.publicKey,
      claimedStatic: low,
      ephemeralPublic: p.x25519PublicKey(ePriv),
      es: p.x25519(ePriv, b.publicKey)!,
      ss: ZERO32,
      timestamp: tai64n(net.clock.wallNow()),
      senderIndex: 2000 + i,
    });
    const before = deviceFingerprint(b.device, [peer]);
    const drops = b.device.drops['unknown-peer'];
    b.device.receiveDatagram(msg, { address: '192.0.2.77', port: 7 });
    assert.equal(b.device.drops['unknown-peer'], drops + 1, h);
    assert.equal(b.sent.length, 0);
    assert.equal(deviceFingerprint(b.device, [peer]), before);
    assert.equal(peer.handshake.state, 'none');
  }
  void a;
});

test('low-order ephemeral in a response: dropped as handshake-decrypt, the initiator keeps waiting; a real ephemeral completes the handshake', () => {
  const { net, a, b, psk } = setup(13);
  const p = net.crypto;
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  const init = a.sent.find((d) => d.data[0] === 1)!.data;
  const bId = { privateKey: b.privateKey, publicKey: b.publicKey };
  const d = decryptInitiation(p, bId, init, (rs) => peerHandshakeKeys(p, bId, rs, psk))!;
  assert.ok(d, 'B can read A’s initiation');
  const peerB = a.device.inspectPeer(b.publicKey)!;
  const receiverIndex = d.remoteIndex;
  for (const [i, h] of LOW_ORDER.entries()) {
    const msg = craftResponse(p, {
      initiatorPublic: a.publicKey,
      ck: d.chainingKey,
      h: d.hash,
      ephemeralPublic: fromHex(h)!,
      ee: ZERO32, // DH(E_i, low-order) and DH(S_i, low-order) as an unchecked initiator would compute them
      se: ZERO32,
      psk,
      senderIndex: 3000 + i,
      receiverIndex,
    });
    const before = deviceFingerprint(a.device, [peerB]);
    const drops = a.device.drops['handshake-decrypt'];
    a.sent.length = 0;
    a.device.receiveDatagram(msg, b.endpoint);
    assert.equal(a.device.drops['handshake-decrypt'], drops + 1, `${h} (index ${toHex(msg.subarray(8, 12))})`);
    assert.equal(a.sent.length, 0);
    assert.equal(deviceFingerprint(a.device, [peerB]), before);
    assert.equal(peerB.handshake.state, 'initiation-created');
  }
  const ePriv = generatePrivateKey(net.random);
  const control = craftResponse(p, {
    initiatorPublic: a.publicKey,
    ck: d.chainingKey,
    h: d.hash,
    ephemeralPublic: p.x25519PublicKey(ePriv),
    ee: p.x25519(ePriv, d.remoteEphemeral)!,
    se: p.x25519(ePriv, a.publicKey)!,
    psk,
    senderIndex: 4000,
    receiverIndex,
  });
  a.device.receiveDatagram(control, b.endpoint);
  assert.equal(a.events.filter((e) => e.type === 'session.confirmed').length, 1, 'the control response completes the handshake');
});
