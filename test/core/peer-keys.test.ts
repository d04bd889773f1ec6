// A peer's static-static DH (whitepaper §5.4.2) is computed on first use,
// not when the peer is configured: loading peers costs no X25519, the value
// is the same DH(S_priv, S_remote) the handshake needs, it follows private
// key changes, and a low-order remote key still gives null (unusable peer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleProvider } from '../../src/crypto/noble.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { fromHex, isAllZero } from '../../src/util/bytes.js';
import type { LocalIdentity } from '../../src/core/handshake.js';
import { PeerKeys } from '../../src/core/peer-keys.js';
import { MemoryNet, ipv4Packet, pair, seqPayload } from '../helpers/memory-net.js';
import { SeededRandom } from '../helpers/seeded-random.js';

/** noble with a count of X25519 calls (DH only; public-key derivation is not counted). */
function counting(): { p: CryptoProvider; calls: () => number } {
  let n = 0;
  const p: CryptoProvider = {
    ...nobleProvider,
    x25519: (priv, pub) => {
      n++;
      return nobleProvider.x25519(priv, pub);
    },
  };
  return { p, calls: () => n };
}

function identity(p: CryptoProvider, rnd: SeededRandom): LocalIdentity {
  const privateKey = generatePrivateKey(rnd);
  return { privateKey, publicKey: publicKeyOf(p, privateKey) };
}

test('PeerKeys: no DH until first use, then DH(S_priv, S_remote) once; null without an identity', () => {
  const { p, calls } = counting();
  const rnd = new SeededRandom(1);
  const remote = identity(p, rnd);
  const source: { crypto: CryptoProvider; local: LocalIdentity | null } = { crypto: p, local: null };
  const keys = new PeerKeys(source, remote.publicKey, new Uint8Array(32));
  assert.equal(calls(), 0);
  assert.equal(keys.staticStatic, null, 'no private key: unusable');
  assert.equal(calls(), 0);
  source.local = identity(p, rnd);
  const ss = keys.staticStatic;
  assert.deepEqual(ss, nobleProvider.x25519(source.local.privateKey, remote.publicKey));
  assert.deepEqual(ss, nobleProvider.x25519(remote.privateKey, source.local.publicKey), 'both sides agree');
  assert.equal(keys.staticStatic, ss, 'cached');
  assert.equal(calls(), 1);
});

test('PeerKeys: a new identity recomputes and wipes the old value; invalidate() forces a recompute', () => {
  const { p, calls } = counting();
  const rnd = new SeededRandom(2);
  const remote = identity(p, rnd);
  const source: { crypto: CryptoProvider; local: LocalIdentity | null } = { crypto: p, local: identity(p, rnd) };
  const keys = new PeerKeys(source, remote.publicKey, new Uint8Array(32));
  const first = keys.staticStatic!;
  const firstCopy = first.slice();
  source.local = identity(p, rnd);
  const second = keys.staticStatic!;
  assert.deepEqual(second, nobleProvider.x25519(source.local.privateKey, remote.publicKey));
  assert.notDeepEqual(second, firstCopy);
  assert.ok(isAllZero(first), 'the value for the old private key is wiped');
  keys.invalidate();
  assert.ok(isAllZero(second), 'invalidate wipes');
  assert.deepEqual(keys.staticStatic, nobleProvider.x25519(source.local.privateKey, remote.publicKey));
  assert.equal(calls(), 3);
});

test('PeerKeys: a low-order remote key gives null at first use', () => {
  const { p } = counting();
  const rnd = new SeededRandom(3);
  const low = fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')!;
  const keys = new PeerKeys({ crypto: p, local: identity(p, rnd) }, low, new Uint8Array(32));
  assert.equal(keys.staticStatic, null);
  assert.equal(keys.staticStatic, null);
});

test('Device: configuring 200 peers does no X25519; the first handshake with a peer does, and completes', () => {
  const { p, calls } = counting();
  const net = new MemoryNet(7, p);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  const rnd = new SeededRandom(9);
  const before = calls();
  const err = a.device.apply({
    peers: Array.from({ length: 200 }, (_, k) => ({
      publicKey: publicKeyOf(p, generatePrivateKey(rnd)),
      allowedIps: [{ ip: Uint8Array.of(10, 50, k >> 8, k & 0xff), cidr: 32, add: true }],
    })),
  });
  assert.equal(err, null);
  pair(a, b);
  assert.equal(calls(), before, 'apply computed no DH');
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(1000);
  assert.equal(a.eventsOf('session.confirmed').length + b.eventsOf('session.confirmed').length, 2);
  assert.equal(b.delivered.length, 1, 'the staged packet arrived');
  assert.ok(calls() > before);
});

test('Device: after a private key change the peer uses DH with the new key', () => {
  const { p } = counting();
  const net = new MemoryNet(8, p);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b);
  const peer = a.device.inspectPeer(b.publicKey)!;
  assert.deepEqual(peer.keys.staticStatic, nobleProvider.x25519(a.privateKey, b.publicKey));
  const fresh = generatePrivateKey(net.random);
  assert.equal(a.device.apply({ privateKey: fresh, peers: [] }), null);
  assert.deepEqual(peer.keys.staticStatic, nobleProvider.x25519(fresh, b.publicKey));
});
