// Our short-message ChaCha20 (src/crypto/chacha20.ts): RFC 8439 A.1 block
// vectors, A.2 encryption vectors (counters 0, 1 and 42, one of them 375
// bytes long), §2.6 / A.4 one-time key generation, and a cross-check with
// @noble/ciphers over every length 0..300 at several counters, in place too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { loadVectors, h } from './load-vectors.js';
import { chacha20PolyKey, chacha20Xor } from '../../src/crypto/chacha20.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

interface Rfc8439 {
  chacha20Block: { name: string; key: string; nonce: string; counter: number; keystream: string }[];
  chacha20Encrypt: { name: string; key: string; nonce: string; counter: number; plaintext: string; ciphertext: string }[];
  poly1305KeyGen: { name: string; key: string; nonce: string; otk: string }[];
}

const rfc = loadVectors<Rfc8439>('rfc8439.json');

test('RFC 8439 A.1 block function: keystream of zeros XORed', () => {
  assert.equal(rfc.chacha20Block.length, 5);
  for (const v of rfc.chacha20Block) {
    const ks = h(v.keystream);
    const out = new Uint8Array(ks.length);
    chacha20Xor(h(v.key), h(v.nonce), v.counter, new Uint8Array(ks.length), out, ks.length);
    assert.equal(toHex(out), v.keystream, v.name);
  }
});

test('RFC 8439 A.2 encryption, and decryption back, in place as well', () => {
  assert.equal(rfc.chacha20Encrypt.length, 3);
  for (const v of rfc.chacha20Encrypt) {
    const pt = h(v.plaintext);
    const ct = new Uint8Array(pt.length);
    chacha20Xor(h(v.key), h(v.nonce), v.counter, pt, ct, pt.length);
    assert.equal(toHex(ct), v.ciphertext, v.name);
    chacha20Xor(h(v.key), h(v.nonce), v.counter, ct, ct, ct.length);
    assert.deepEqual(ct, pt, v.name);
  }
});

test('RFC 8439 §2.6 / A.4 Poly1305 one-time keys', () => {
  assert.ok(rfc.poly1305KeyGen.length > 0);
  for (const v of rfc.poly1305KeyGen) {
    const otk = new Uint8Array(32);
    chacha20PolyKey(h(v.key), h(v.nonce), otk);
    assert.equal(toHex(otk), v.otk, v.name);
  }
});

test('equals noble chacha20 for lengths 0..300 at counters 0, 1, 7', () => {
  const rnd = new SeededRandom(11);
  for (let len = 0; len <= 300; len++) {
    for (const counter of [0, 1, 7]) {
      const key = rnd.fill(new Uint8Array(32));
      const nonce = rnd.fill(new Uint8Array(12));
      const src = rnd.fill(new Uint8Array(len));
      const ours = new Uint8Array(len);
      chacha20Xor(key, nonce, counter, src, ours, len);
      assert.deepEqual(ours, chacha20(key, nonce, src, new Uint8Array(len), counter), `len ${len} counter ${counter}`);
    }
  }
});

test('only the first len bytes of dst are written', () => {
  const dst = new Uint8Array(40).fill(0xaa);
  chacha20Xor(new Uint8Array(32), new Uint8Array(12), 1, new Uint8Array(40), dst, 33);
  assert.deepEqual(dst.subarray(33), new Uint8Array(7).fill(0xaa));
});
