// Keypair (transport seal/open, counters at the 2^60 / 2^64−2^13−1 limits,
// padding) and Keypairs (previous/current/next rotation, whitepaper §5.4.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keypair, layoutAnchor, paddedLength, transportCounter } from '../../src/core/keypair.js';
import { Keypairs } from '../../src/core/keypairs.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { selectProvider } from '../../src/crypto/select.js';
import { transportNonce } from '../../src/crypto/aead-nonce.js';
import { REJECT_AFTER_MESSAGES, REKEY_AFTER_MESSAGES } from '../../src/wire/constants.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rnd = new SeededRandom(99);
const k1 = rnd.fill(new Uint8Array(32));
const k2 = rnd.fill(new Uint8Array(32));

function pairOfKeypairs(): [Keypair, Keypair] {
  const a = new Keypair({ sendKey: k1.slice(), receiveKey: k2.slice(), isInitiator: true, localIndex: 11, remoteIndex: 22 }, 0);
  const b = new Keypair({ sendKey: k2.slice(), receiveKey: k1.slice(), isInitiator: false, localIndex: 22, remoteIndex: 11 }, 0);
  return [a, b];
}

test('paddedLength: multiple of 16, capped at the MTU (wireguard-go calculatePaddingSize cases)', () => {
  const cases: [number, number, number][] = [
    [0, 1420, 0],
    [1, 1420, 16],
    [16, 1420, 16],
    [17, 1420, 32],
    [1419, 1420, 1420],
    [1420, 1420, 1420],
    [1410, 1420, 1420],
    [1405, 1420, 1408],
    [1421, 1420, 1421 + 15], // longer than the MTU: pad from len mod mtu (1 → 16)
    [100, 0, 112], // MTU unknown: no cap
    [30, 20, 36], // 30 mod 20 = 10 → 16, so +6
  ];
  for (const [len, mtu, want] of cases) assert.equal(paddedLength(len, mtu), want, `${len}/${mtu}`);
});

for (const p of [nobleProvider, selectProvider('node')]) {
  test(`seal/open round trip, header layout and nonce (${p.name})`, () => {
    const [a, b] = pairOfKeypairs();
    const pkt = Uint8Array.from({ length: 37 }, (_, i) => i);
    for (let i = 0; i < 3; i++) {
      const d = a.seal(p, pkt, 1420)!;
      assert.equal(d.length, 16 + 48 + 16);
      assert.deepEqual(Array.from(d.subarray(0, 8)), [4, 0, 0, 0, 22, 0, 0, 0]);
      assert.equal(transportCounter(d), BigInt(i));
      // Independent check of the ciphertext with the agreed nonce helper.
      const padded = new Uint8Array(48);
      padded.set(pkt);
      assert.deepEqual(d.subarray(16), p.chacha20Poly1305Seal(k1, transportNonce(BigInt(i)), padded));
      const plain = b.open(p, d)!;
      assert.deepEqual(plain.subarray(0, 37), pkt);
      assert.ok(plain.subarray(37).every((x) => x === 0));
      assert.equal(b.replay.validate(transportCounter(d)), true);
    }
    const keepalive = a.seal(p, new Uint8Array(0), 1420)!;
    assert.equal(keepalive.length, 32);
    assert.equal(b.open(p, keepalive)!.length, 0);
    const bad = keepalive.slice();
    bad[20] ^= 1;
    assert.equal(b.open(p, bad), null);
    assert.equal(a.open(p, keepalive), null, 'own direction key does not open');
  });
}

test('send counter: REKEY_AFTER_MESSAGES flag, REJECT_AFTER_MESSAGES exhaustion, 32-bit carry', () => {
  const p = nobleProvider;
  const [a, b] = pairOfKeypairs();
  a.setSendCounter(0xffff_ffffn);
  const d1 = a.seal(p, new Uint8Array(0), 1420)!;
  assert.equal(transportCounter(d1), 0xffff_ffffn);
  assert.equal(a.sendCounter, 0x1_0000_0000n);
  const d2 = a.seal(p, new Uint8Array(0), 1420)!;
  assert.equal(transportCounter(d2), 0x1_0000_0000n);
  assert.notEqual(b.open(p, d2), null);

  a.setSendCounter(REKEY_AFTER_MESSAGES);
  assert.equal(a.needsRekeyByMessages, false);
  a.seal(p, new Uint8Array(0), 1420);
  assert.equal(a.needsRekeyByMessages, true);

  a.setSendCounter(REJECT_AFTER_MESSAGES - 1n);
  assert.equal(a.isSendExhausted, false);
  const last = a.seal(p, new Uint8Array(0), 1420)!;
  assert.equal(transportCounter(last), REJECT_AFTER_MESSAGES - 1n);
  assert.equal(a.isSendExhausted, true);
  assert.equal(a.seal(p, new Uint8Array(0), 1420), null);
  // The receiver still accepts the last legal counter after decryption.
  assert.notEqual(b.open(p, last), null);
  assert.equal(b.replay.validate(transportCounter(last)), true);
});

test('wipe erases keys and blocks sending', () => {
  const [a] = pairOfKeypairs();
  a.wipe();
  assert.ok(a.sendKey.every((x) => x === 0));
  assert.ok(a.receiveKey.every((x) => x === 0));
  assert.equal(a.seal(nobleProvider, new Uint8Array(1), 1420), null);
});

const idx = (k: Keypair | null): number | undefined => k?.localIndex;

function kp(id: number): Keypair {
  return new Keypair({ sendKey: k1.slice(), receiveKey: k2.slice(), isInitiator: true, localIndex: id, remoteIndex: id }, id);
}

test('Keypairs: initiator installs as current; previous keeps the old current', () => {
  const released: number[] = [];
  const s = new Keypairs((k) => released.push(k.localIndex));
  s.installAsInitiator(kp(1));
  assert.equal(s.current?.localIndex, 1);
  s.installAsInitiator(kp(2));
  assert.equal(s.current?.localIndex, 2);
  assert.equal(s.previous?.localIndex, 1);
  s.installAsInitiator(kp(3));
  assert.deepEqual(released, [1]);
  assert.equal(s.previous?.localIndex, 2);
});

test('Keypairs: responder waits in next; confirm rotates; an unconfirmed next becomes previous if we initiate', () => {
  const released: number[] = [];
  const s = new Keypairs((k) => released.push(k.localIndex));
  s.installAsInitiator(kp(1));
  s.installAsInitiator(kp(2)); // previous 1, current 2
  const n = kp(3);
  s.installAsResponder(n);
  assert.equal(s.current?.localIndex, 2, 'responder must not send on the new keypair yet');
  assert.equal(s.next, n);
  assert.equal(s.previous, null);
  assert.deepEqual(released, [1]);
  assert.equal(s.confirm(kp(99)), false);
  assert.equal(s.confirm(n), true);
  assert.equal(s.current, n);
  assert.equal(idx(s.previous), 2);
  assert.equal(s.next, null);
  // Responder install replaces a pending next.
  s.installAsResponder(kp(4));
  s.installAsResponder(kp(5));
  assert.deepEqual(released, [1, 2, 4]);
  // Initiator install while next is pending: previous ← next, old current released.
  s.installAsInitiator(kp(6));
  assert.equal(idx(s.previous), 5);
  assert.equal(s.current?.localIndex, 6);
  assert.deepEqual(released, [1, 2, 4, 3]);
  s.clear();
  assert.deepEqual(released.sort((x, y) => x - y), [1, 2, 3, 4, 5, 6]);
  assert.equal(s.current, null);
});

test('the keypair kept for V8 layout holds no key material and cannot seal', () => {
  // It lives for the whole process (keypair.ts, settleLayout): it must not be
  // a usable session or keep anything secret.
  assert.equal(layoutAnchor.length, 1);
  const kp = layoutAnchor[0]!;
  assert.ok(kp.sendKey.every((b) => b === 0));
  assert.ok(kp.receiveKey.every((b) => b === 0));
  assert.equal(kp.isSendExhausted, true);
  assert.equal(kp.seal(nobleProvider, new Uint8Array(20), 1420), null);
});
