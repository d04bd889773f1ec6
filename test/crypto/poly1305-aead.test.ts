// The pure-TypeScript ChaCha20-Poly1305 (noble ChaCha20 + our Poly1305 with
// 22-bit float limbs) against @noble/ciphers' AEAD on seeded random inputs,
// carry-heavy all-ones keys/data, in-place sealing, and tampered tags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { aeadOpen, aeadSeal } from '../../src/crypto/poly1305-aead.js';

/** xorshift32 bytes: deterministic inputs without Math.random. */
function bytes(n: number, seed: number): Uint8Array {
  let x = seed | 1;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

test('seal/open match noble for many lengths, including all-ones keys and data', () => {
  for (let t = 0; t < 400; t++) {
    const ones = t % 25 === 0;
    const key = ones ? new Uint8Array(32).fill(0xff) : bytes(32, t + 1);
    const nonce = bytes(12, t + 1000);
    const aad = bytes(t % 41, t + 2000);
    const pt = ones ? new Uint8Array((t * 13) % 1600).fill(0xff) : bytes((t * 13) % 1600, t + 3000);
    const sealed = aeadSeal(key, nonce, pt, aad);
    assert.deepEqual(sealed, chacha20poly1305(key, nonce, aad).encrypt(pt), `case ${t}`);
    assert.deepEqual(aeadOpen(key, nonce, sealed, aad), pt);
    const bad = sealed.slice();
    bad[t % bad.length]! ^= 0x40;
    assert.equal(aeadOpen(key, nonce, bad, aad), null, `tampered case ${t}`);
  }
});

test('in-place sealing into the same memory, output buffers, and short input', () => {
  const key = bytes(32, 7);
  const nonce = bytes(12, 8);
  const pt = bytes(1420, 9);
  const buf = new Uint8Array(16 + 1420 + 16);
  buf.set(pt, 16);
  aeadSeal(key, nonce, buf.subarray(16, 16 + 1420), undefined, buf.subarray(16));
  assert.deepEqual(buf.subarray(16), chacha20poly1305(key, nonce).encrypt(pt));
  const out = new Uint8Array(1420);
  assert.equal(aeadOpen(key, nonce, buf.subarray(16), undefined, out), out);
  assert.deepEqual(out, pt);
  assert.equal(aeadOpen(key, nonce, new Uint8Array(15)), null);
  assert.deepEqual(aeadOpen(key, nonce, aeadSeal(key, nonce, new Uint8Array(0))), new Uint8Array(0));
});
