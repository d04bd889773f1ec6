// WireGuard handshake (whitepaper §5.4.2–§5.4.5) between two identities:
// derived constants, transcript agreement, key cross-match, PSK handling,
// tampering, low-order ephemerals and the all-or-nothing state rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { generatePrivateKey, generatePresharedKey, publicKeyOf } from '../../src/crypto/keys.js';
import { transportNonce } from '../../src/crypto/aead-nonce.js';
import { tai64n } from '../../src/crypto/tai64n.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { CONSTRUCTION, IDENTIFIER } from '../../src/wire/constants.js';
import { SymmetricState } from '../../src/core/noise.js';
import {
  Handshake,
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  decryptInitiation,
  initialChainingKey,
  initialHash,
  peerHandshakeKeys,
  type LocalIdentity,
  type PeerHandshakeKeys,
} from '../../src/core/handshake.js';
import { deriveSession } from '../../src/core/session-keys.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const WALL = Date.UTC(2026, 0, 1, 12, 0, 0);
const ZERO_PSK: Uint8Array = new Uint8Array(32);

// Curve25519 points of small order (all-zero, 1, the two order-8 points, and
// non-canonical encodings p-1, p, p+1): X25519 with any of them yields zero.
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => fromHex(h)!);

function identity(p: CryptoProvider, rng: SeededRandom): LocalIdentity {
  const privateKey = generatePrivateKey(rng);
  return { privateKey, publicKey: publicKeyOf(p, privateKey) };
}

function peerKeys(p: CryptoProvider, local: LocalIdentity, remote: LocalIdentity, psk = ZERO_PSK): PeerHandshakeKeys {
  return peerHandshakeKeys(p, local, remote.publicKey, psk === ZERO_PSK ? null : psk);
}

function snapshot(hs: Handshake): unknown {
  return {
    state: hs.state,
    localIndex: hs.localIndex,
    remoteIndex: hs.remoteIndex,
    lastTimestamp: hs.lastTimestamp && toHex(hs.lastTimestamp),
    at: hs.lastInitiationConsumedAt,
    ck: hs.chainingKey && toHex(hs.chainingKey),
    h: hs.hash && toHex(hs.hash),
    e: hs.ephemeralPrivate && toHex(hs.ephemeralPrivate),
    re: hs.remoteEphemeral && toHex(hs.remoteEphemeral),
  };
}

interface Pair {
  p: CryptoProvider;
  rng: SeededRandom;
  a: LocalIdentity;
  b: LocalIdentity;
  aPeer: PeerHandshakeKeys; // A's view of B
  bPeer: PeerHandshakeKeys; // B's view of A
}

function setup(p: CryptoProvider, seed: number, psk = ZERO_PSK, bPsk = psk): Pair {
  const rng = new SeededRandom(seed);
  const a = identity(p, rng);
  const b = identity(p, rng);
  return { p, rng, a, b, aPeer: peerKeys(p, a, b, psk), bPeer: peerKeys(p, b, a, bPsk) };
}

test('derived constants: C0 = HASH(CONSTRUCTION), H0 = HASH(C0 ‖ IDENTIFIER)', () => {
  for (const p of [nobleProvider, nodeProvider]) {
    // Known values (protocol-checklist §1; also the decimal constants in rustyguard's noise module).
    assert.equal(toHex(initialChainingKey(p)), '60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36');
    assert.equal(toHex(initialHash(p)), '2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3');
    // Same thing through the generic Noise InitializeSymmetric + MixHash(prologue).
    const st = SymmetricState.initialize(p, CONSTRUCTION, IDENTIFIER);
    assert.deepEqual(st.ck, initialChainingKey(p));
    assert.deepEqual(st.h, initialHash(p));
    assert.equal(CONSTRUCTION.length, 37);
    assert.equal(IDENTIFIER.length, 34);
  }
});

function fullHandshake(t: Pair): { hsA: Handshake; hsB: Handshake } {
  const { p, rng, a, b, aPeer, bPeer } = t;
  const hsA = new Handshake();
  const hsB = new Handshake();
  const init = createInitiation(p, a, aPeer, hsA, 0x11223344, WALL, rng);
  assert.ok(init);
  assert.equal(init.length, 148);
  assert.equal(hsA.state, 'initiation-created');
  assert.equal(hsA.localIndex, 0x11223344);
  assert.deepEqual(init.subarray(0, 8), Uint8Array.of(1, 0, 0, 0, 0x44, 0x33, 0x22, 0x11));
  assert.deepEqual(init.subarray(116), new Uint8Array(32), 'mac1/mac2 left zero');

  const d = decryptInitiation(p, b, init, (rs) => (toHex(rs) === toHex(a.publicKey) ? bPeer : undefined));
  assert.ok(d);
  assert.deepEqual(d.remoteStatic, a.publicKey);
  assert.equal(d.peer, bPeer);
  assert.equal(d.remoteIndex, 0x11223344);
  assert.deepEqual(d.timestamp, tai64n(WALL));
  assert.deepEqual(d.remoteEphemeral, init.subarray(8, 40));
  // After message 1 both sides hold the same C and H.
  assert.deepEqual(d.chainingKey, hsA.chainingKey);
  assert.deepEqual(d.hash, hsA.hash);
  assert.equal(hsB.state, 'none', 'decryptInitiation touches no Handshake');

  commitInitiation(hsB, d, 5000);
  assert.equal(hsB.state, 'initiation-consumed');
  assert.equal(hsB.lastInitiationConsumedAt, 5000);
  assert.deepEqual(hsB.lastTimestamp, tai64n(WALL));

  const resp = createResponse(p, b, bPeer, hsB, 0x55667788, rng);
  assert.ok(resp);
  assert.equal(resp.length, 92);
  assert.equal(hsB.state, 'response-created');
  assert.deepEqual(resp.subarray(0, 12), Uint8Array.of(2, 0, 0, 0, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11));
  assert.deepEqual(resp.subarray(60), new Uint8Array(32));

  assert.ok(consumeResponse(p, a, aPeer, hsA, resp));
  assert.equal(hsA.state, 'response-consumed');
  assert.equal(hsA.remoteIndex, 0x55667788);
  // After message 2 both sides again agree on C and H.
  assert.deepEqual(hsA.chainingKey, hsB.chainingKey);
  assert.deepEqual(hsA.hash, hsB.hash);
  return { hsA, hsB };
}

for (const p of [nobleProvider, nodeProvider]) {
  test(`handshake between two identities derives cross-matching keys (${p.name})`, () => {
    for (const psk of [ZERO_PSK, generatePresharedKey(new SeededRandom(99))]) {
      const t = setup(p, 7, psk);
      const { hsA, hsB } = fullHandshake(t);
      const ka = deriveSession(p, hsA);
      const kb = deriveSession(p, hsB);
      assert.ok(ka && kb);
      assert.equal(ka.isInitiator, true);
      assert.equal(kb.isInitiator, false);
      assert.deepEqual(ka.sendKey, kb.receiveKey);
      assert.deepEqual(ka.receiveKey, kb.sendKey);
      assert.notDeepEqual(ka.sendKey, ka.receiveKey);
      assert.equal(ka.localIndex, 0x11223344);
      assert.equal(ka.remoteIndex, 0x55667788);
      assert.equal(kb.localIndex, 0x55667788);
      assert.equal(kb.remoteIndex, 0x11223344);
      // Handshakes are reset and wiped.
      for (const hs of [hsA, hsB]) {
        assert.equal(hs.state, 'none');
        assert.equal(hs.chainingKey, null);
        assert.equal(hs.hash, null);
        assert.equal(hs.ephemeralPrivate, null);
      }
      assert.notEqual(hsB.lastTimestamp, null, 'lastTimestamp survives');
      // Seal with one side, open with the other, both directions.
      const msg = Uint8Array.from('ping over wireguard', (c) => c.charCodeAt(0));
      const n = transportNonce(3n);
      const c1 = p.chacha20Poly1305Seal(ka.sendKey, n, msg);
      assert.deepEqual(p.chacha20Poly1305Open(kb.receiveKey, n, c1), msg);
      const c2 = p.chacha20Poly1305Seal(kb.sendKey, n, msg);
      assert.deepEqual(p.chacha20Poly1305Open(ka.receiveKey, n, c2), msg);
      assert.equal(p.chacha20Poly1305Open(ka.receiveKey, n, c1), null);
    }
  });

  test(`PSK changes the keys and a wrong PSK fails consumeResponse without changing state (${p.name})`, () => {
    const withPsk = setup(p, 11, generatePresharedKey(new SeededRandom(5)));
    const without = setup(p, 11);
    const k1 = deriveSession(p, fullHandshake(withPsk).hsA)!;
    const k2 = deriveSession(p, fullHandshake(without).hsA)!;
    assert.notDeepEqual(k1.sendKey, k2.sendKey);

    const t = setup(p, 12, generatePresharedKey(new SeededRandom(1)), generatePresharedKey(new SeededRandom(2)));
    const hsA = new Handshake();
    const hsB = new Handshake();
    const init = createInitiation(p, t.a, t.aPeer, hsA, 1, WALL, t.rng)!;
    const d = decryptInitiation(p, t.b, init, () => t.bPeer)!; // message 1 does not use the PSK
    assert.ok(d);
    commitInitiation(hsB, d, 0);
    const resp = createResponse(p, t.b, t.bPeer, hsB, 2, t.rng)!;
    const before = snapshot(hsA);
    assert.equal(consumeResponse(p, t.a, t.aPeer, hsA, resp), false);
    assert.deepEqual(snapshot(hsA), before);
    assert.equal(deriveSession(p, hsA), null);
  });
}

test('tampered messages are rejected and leave state untouched', () => {
  const p = nobleProvider;
  const t = setup(p, 21);
  const hsA = new Handshake();
  const init = createInitiation(p, t.a, t.aPeer, hsA, 77, WALL, t.rng)!;
  const lookup = (): PeerHandshakeKeys => t.bPeer;
  // Every byte covered by the Noise transcript (ephemeral, static, timestamp), and the header.
  for (const i of [0, 1, 2, 3, ...Array.from({ length: 108 }, (_, k) => 8 + k)]) {
    const m = init.slice();
    m[i]! ^= 0x40;
    assert.equal(decryptInitiation(p, t.b, m, lookup), null, `initiation byte ${i}`);
  }
  assert.equal(decryptInitiation(p, t.b, init.subarray(0, 147), lookup), null);
  assert.equal(decryptInitiation(p, t.b, init, () => undefined), null, 'unknown peer');
  assert.equal(decryptInitiation(p, t.b, init, () => ({ ...t.bPeer, staticStatic: null })), null, 'unusable peer');
  // Wrong responder identity.
  assert.equal(decryptInitiation(p, t.a, init, lookup), null);

  const hsB = new Handshake();
  commitInitiation(hsB, decryptInitiation(p, t.b, init, lookup)!, 0);
  const resp = createResponse(p, t.b, t.bPeer, hsB, 88, t.rng)!;
  const before = snapshot(hsA);
  for (let i = 0; i < 60; i++) {
    if (i >= 4 && i < 8) continue; // sender index is not part of the transcript (only mac1 covers it)
    const m = resp.slice();
    m[i]! ^= 0x01;
    assert.equal(consumeResponse(p, t.a, t.aPeer, hsA, m), false, `response byte ${i}`);
    assert.deepEqual(snapshot(hsA), before);
  }
  assert.ok(consumeResponse(p, t.a, t.aPeer, hsA, resp));
  // A second consume in the wrong state fails.
  assert.equal(consumeResponse(p, t.a, t.aPeer, hsA, resp), false);
});

test('low-order ephemerals and static keys are rejected (zero DH)', () => {
  const p = nobleProvider;
  const t = setup(p, 31);
  for (const point of LOW_ORDER) {
    assert.equal(p.x25519(t.b.privateKey, point), null, `x25519 with ${toHex(point)}`);
    const hsA = new Handshake();
    const init = createInitiation(p, t.a, t.aPeer, hsA, 5, WALL, t.rng)!;
    const bad = init.slice();
    bad.set(point, 8);
    assert.equal(decryptInitiation(p, t.b, bad, () => t.bPeer), null, `initiation ephemeral ${toHex(point)}`);

    const hsB = new Handshake();
    commitInitiation(hsB, decryptInitiation(p, t.b, init, () => t.bPeer)!, 0);
    const resp = createResponse(p, t.b, t.bPeer, hsB, 6, t.rng)!;
    const badResp = resp.slice();
    badResp.set(point, 12);
    const before = snapshot(hsA);
    assert.equal(consumeResponse(p, t.a, t.aPeer, hsA, badResp), false, `response ephemeral ${toHex(point)}`);
    assert.deepEqual(snapshot(hsA), before);

    // A responder that stored a low-order remote ephemeral cannot create a response.
    const hsC = new Handshake();
    const d = decryptInitiation(p, t.b, init, () => t.bPeer)!;
    commitInitiation(hsC, { ...d, remoteEphemeral: point }, 0);
    const beforeC = snapshot(hsC);
    assert.equal(createResponse(p, t.b, t.bPeer, hsC, 9, t.rng), null);
    assert.deepEqual(snapshot(hsC), beforeC);

    // A peer whose static key is low-order is unusable for initiations.
    const hsD = new Handshake();
    const lowPeer = peerHandshakeKeys(p, t.a, point, null);
    assert.equal(lowPeer.staticStatic, null);
    assert.deepEqual(lowPeer.presharedKey, ZERO_PSK);
    assert.equal(createInitiation(p, t.a, lowPeer, hsD, 1, WALL, t.rng), null);
    assert.equal(hsD.state, 'none');
  }
});

test('state rules: wrong state or receiver index fails; createInitiation replaces an old one', () => {
  const p = nobleProvider;
  const t = setup(p, 41);
  const hs = new Handshake();
  assert.equal(createResponse(p, t.b, t.bPeer, hs, 1, t.rng), null);
  assert.equal(deriveSession(p, hs), null);
  const first = createInitiation(p, t.a, t.aPeer, hs, 100, WALL, t.rng)!;
  const second = createInitiation(p, t.a, t.aPeer, hs, 200, WALL + 1000, t.rng)!;
  assert.equal(hs.localIndex, 200);
  const hsB = new Handshake();
  commitInitiation(hsB, decryptInitiation(p, t.b, first, () => t.bPeer)!, 0);
  const respToFirst = createResponse(p, t.b, t.bPeer, hsB, 300, t.rng)!;
  assert.equal(consumeResponse(p, t.a, t.aPeer, hs, respToFirst), false, 'receiver index 100 no longer ours');
  const hsB2 = new Handshake();
  commitInitiation(hsB2, decryptInitiation(p, t.b, second, () => t.bPeer)!, 0);
  const resp = createResponse(p, t.b, t.bPeer, hsB2, 301, t.rng)!;
  assert.ok(consumeResponse(p, t.a, t.aPeer, hs, resp));
  hs.clear();
  assert.equal(hs.state, 'none');
  assert.equal(hs.localIndex, 0);
});
