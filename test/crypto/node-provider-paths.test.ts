// The node provider picks an implementation by input size (our blake2s.ts
// for the handshake's short inputs, OpenSSL for long ones) and offers its
// own KDF_n (whitepaper §5.4). Every path must give noble's bytes, on both
// sides of the size switch, and the provider KDF must equal the generic one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { kdf1, kdf2, kdf3 } from '../../src/crypto/kdf.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const LENGTHS = [0, 1, 31, 32, 63, 64, 65, 127, 128, 129, 255, 256, 257, 300, 511, 1024, 4097];

test('node blake2s (unkeyed 32, keyed, 16-byte) equals noble below, at and above the short-input switch', () => {
  const rnd = new SeededRandom(21);
  for (const len of LENGTHS) {
    const data = rnd.fill(new Uint8Array(len));
    const key = rnd.fill(new Uint8Array(32));
    assert.equal(toHex(nodeProvider.blake2s(data, 32)), toHex(nobleProvider.blake2s(data, 32)), `unkeyed ${len}`);
    assert.equal(toHex(nodeProvider.blake2s(data, 32, key)), toHex(nobleProvider.blake2s(data, 32, key)), `keyed ${len}`);
    assert.equal(toHex(nodeProvider.blake2s(data, 16, key)), toHex(nobleProvider.blake2s(data, 16, key)), `mac16 ${len}`);
  }
});

test('node HMAC-BLAKE2s equals noble for short and long messages and keys of 0..100 bytes', () => {
  const rnd = new SeededRandom(22);
  for (const kl of [0, 16, 32, 64, 65, 100]) {
    for (const len of LENGTHS) {
      const key = rnd.fill(new Uint8Array(kl));
      const data = rnd.fill(new Uint8Array(len));
      assert.equal(toHex(nodeProvider.hmacBlake2s(key, data)), toHex(nobleProvider.hmacBlake2s(key, data)), `key ${kl} data ${len}`);
    }
  }
});

test('node provider KDF_n equals KDF_n built from noble HMAC; outputs are fresh and inputs untouched', () => {
  assert.equal(typeof nodeProvider.kdf, 'function');
  const rnd = new SeededRandom(23);
  // The generic construction of kdf.ts over noble's HMAC (no provider KDF).
  const generic: CryptoProvider = { ...nobleProvider, kdf: undefined };
  for (const len of [0, 1, 32, 33, 64, 65, 200]) {
    const key = rnd.fill(new Uint8Array(32));
    const input = rnd.fill(new Uint8Array(len));
    const keyHex = toHex(key);
    const inputHex = toHex(input);
    const want = kdf3(generic, key, input).map(toHex);
    assert.deepEqual(kdf3(nobleProvider, key, input).map(toHex), want, 'noble provider KDF');
    const got = kdf3(nodeProvider, key, input);
    assert.deepEqual(got.map(toHex), want, `input ${len}`);
    assert.deepEqual(kdf2(nodeProvider, key, input).map(toHex), want.slice(0, 2));
    assert.equal(toHex(kdf1(nodeProvider, key, input)), want[0]);
    assert.notEqual(got[0]!.buffer, got[1]!.buffer, 'each output is its own array');
    got[0]!.fill(0);
    assert.equal(toHex(kdf1(nodeProvider, key, input)), want[0], 'wiping a returned output does not affect later calls');
    assert.equal(toHex(key), keyHex);
    assert.equal(toHex(input), inputHex);
  }
});

test('node ChaCha20-Poly1305 equals noble below, at and above the short-message switch (128 bytes), with and without AAD and out', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 1) & 0xff);
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i * 3);
  for (const n of [0, 1, 16, 63, 64, 127, 128, 129, 130, 255, 1420]) {
    const pt = Uint8Array.from({ length: n }, (_, i) => (i * 13 + n) & 0xff);
    for (const aad of [undefined, Uint8Array.from([1, 2, 3, 4, 5])]) {
      const a = nodeProvider.chacha20Poly1305Seal(key, nonce, pt, aad);
      const b = nobleProvider.chacha20Poly1305Seal(key, nonce, pt, aad);
      assert.deepEqual(a, b, `seal n=${n}`);
      const into = new Uint8Array(n + 16);
      assert.deepEqual(nodeProvider.chacha20Poly1305Seal(key, nonce, pt, aad, into), b);
      assert.deepEqual(into, b, `seal into out, n=${n}`);
      const opened = nodeProvider.chacha20Poly1305Open(key, nonce, a, aad);
      assert.ok(opened !== null);
      assert.deepEqual(Uint8Array.from(opened), pt, `open n=${n}`);
      const bad = a.slice();
      bad[bad.length - 1]! ^= 1;
      assert.equal(nodeProvider.chacha20Poly1305Open(key, nonce, bad, aad), null, `forged tag refused, n=${n}`);
    }
  }
});
