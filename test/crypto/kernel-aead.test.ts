// Linux kernel chacha20poly1305 selftest tables (lib/crypto, converted by
// scripts/vectors/kernel-selftest-to-json.py) on both providers. The 8-byte
// nonces are the kernel's 64-bit counter in little-endian, so building the
// nonce with transportNonce(counter) checks WireGuard's transport nonce layout
// (whitepaper §5.4.6) against an independent implementation's outputs; the
// 12-byte ones are RFC 8439 §2.8 nonces used as is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { transportNonce } from '../../src/crypto/aead-nonce.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { toHex } from '../../src/util/bytes.js';

interface Common { name: string; key: string; nonce: string; nonceLength: number; aad: string }
interface Enc extends Common { plaintext: string; output: string }
interface Dec extends Common { input: string; output: string; mustFail: boolean }
interface Counts {
  encrypt: number; encryptNonce8: number; encryptNonce12: number;
  decrypt: number; decryptMustFail: number; xchachaEncrypt: number; xchachaDecrypt: number;
}
const kv = loadVectors<{ counts: Counts; encrypt: Enc[]; decrypt: Dec[]; xchachaEncrypt: Enc[]; xchachaDecrypt: Dec[] }>(
  'kernel-chacha20poly1305.json',
);

const enc8 = kv.encrypt.filter((v) => v.nonceLength === 8);
const enc12 = kv.encrypt.filter((v) => v.nonceLength === 12);

function counterOf(nonce8: string): bigint {
  const b = h(nonce8);
  assert.equal(b.length, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** The same bytes with one bit flipped at `index` (from the end when negative). */
function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const c = Uint8Array.from(bytes);
  const i = index < 0 ? c.length + index : index;
  c[i]! ^= 0x01;
  return c;
}

/** Seals in place like WireGuard's transport path (and the kernel's sg test): plaintext and output share memory. */
function sealInPlace(p: CryptoProvider, key: Uint8Array, nonce: Uint8Array, pt: Uint8Array, aad: Uint8Array): Uint8Array {
  const buf = new Uint8Array(pt.length + 16);
  buf.set(pt);
  const r = p.chacha20Poly1305Seal(key, nonce, buf.subarray(0, pt.length), aad, buf);
  assert.equal(r.buffer, buf.buffer);
  return buf;
}

test('kernel chacha20poly1305 file: every table present in full, counts as the converter recorded', () => {
  assert.equal(kv.encrypt.length, kv.counts.encrypt);
  assert.equal(enc8.length, kv.counts.encryptNonce8);
  assert.equal(enc12.length, kv.counts.encryptNonce12);
  assert.equal(kv.decrypt.length, kv.counts.decrypt);
  assert.equal(kv.decrypt.filter((v) => v.mustFail).length, kv.counts.decryptMustFail);
  assert.equal(kv.xchachaEncrypt.length, kv.counts.xchachaEncrypt);
  assert.equal(kv.xchachaDecrypt.length, kv.counts.xchachaDecrypt);
  // the kernel 6.1 tables: 118 encryption (69 with 8-byte, 49 with 12-byte nonces),
  // 13 decryption (dec013 flagged as failing), 1 + 1 XChaCha
  assert.deepEqual([kv.encrypt.length, enc8.length, enc12.length], [118, 69, 49]);
  assert.deepEqual([kv.decrypt.length, kv.counts.decryptMustFail], [13, 1]);
  assert.deepEqual([kv.xchachaEncrypt.length, kv.xchachaDecrypt.length], [1, 1]);
  assert.match(kv.source, /linux-source-6\.1 version \S+/);
  for (const v of [...kv.encrypt, ...kv.decrypt, ...kv.xchachaEncrypt, ...kv.xchachaDecrypt]) {
    assert.equal(h(v.nonce).length, v.nonceLength, v.name);
    assert.equal(h(v.key).length, 32, v.name);
  }
  assert.ok(kv.decrypt.every((v) => v.nonceLength === 8));
  assert.ok([...kv.xchachaEncrypt, ...kv.xchachaDecrypt].every((v) => v.nonceLength === 24));
  assert.ok(kv.encrypt.reduce((n, v) => n + v.plaintext.length / 2, 0) > 10_000, 'not a trivially small file');
});

for (const p of PROVIDERS) {
  test(`${p.name}: kernel enc vectors with 8-byte nonces via transportNonce (${enc8.length})`, () => {
    let ran = 0;
    for (const v of enc8) {
      const nonce = transportNonce(counterOf(v.nonce));
      assert.equal(toHex(nonce), '00000000' + v.nonce, v.name);
      const key = h(v.key);
      const aad = h(v.aad);
      const sealed = p.chacha20Poly1305Seal(key, nonce, h(v.plaintext), aad);
      assert.equal(toHex(sealed), v.output, v.name);
      assert.equal(toHex(sealInPlace(p, key, nonce, h(v.plaintext), aad)), v.output, `${v.name} in place`);
      assert.equal(toHex(p.chacha20Poly1305Open(key, nonce, h(v.output), aad)!), v.plaintext, v.name);
      // a different counter must not open it (nonce binding), nor a flipped tag bit
      const other = transportNonce(counterOf(v.nonce) ^ 1n);
      assert.equal(p.chacha20Poly1305Open(key, other, h(v.output), aad), null, v.name);
      assert.equal(p.chacha20Poly1305Open(key, nonce, flipped(h(v.output), -1), aad), null, v.name);
      ran++;
    }
    assert.equal(ran, kv.counts.encryptNonce8);
  });

  test(`${p.name}: kernel enc vectors with 12-byte nonces (${enc12.length})`, () => {
    let ran = 0;
    for (const v of enc12) {
      const key = h(v.key);
      const nonce = h(v.nonce);
      const aad = h(v.aad);
      assert.equal(toHex(p.chacha20Poly1305Seal(key, nonce, h(v.plaintext), aad)), v.output, v.name);
      assert.equal(toHex(p.chacha20Poly1305Open(key, nonce, h(v.output), aad)!), v.plaintext, v.name);
      assert.equal(p.chacha20Poly1305Open(key, flipped(nonce, 0), h(v.output), aad), null, v.name);
      ran++;
    }
    assert.equal(ran, kv.counts.encryptNonce12);
  });

  test(`${p.name}: kernel dec vectors (${kv.decrypt.length}; those marked failing give null)`, () => {
    let failed = 0;
    for (const v of kv.decrypt) {
      const key = h(v.key);
      const nonce = transportNonce(counterOf(v.nonce));
      const aad = h(v.aad);
      const opened = p.chacha20Poly1305Open(key, nonce, h(v.input), aad);
      if (v.mustFail) {
        failed++;
        assert.equal(opened, null, `${v.name} must fail`);
        continue;
      }
      assert.ok(opened !== null, `${v.name} should open`);
      assert.equal(toHex(opened), v.output, v.name);
      // and sealing the plaintext gives back the same box
      assert.equal(toHex(p.chacha20Poly1305Seal(key, nonce, h(v.output), aad)), v.input, v.name);
    }
    assert.equal(failed, kv.counts.decryptMustFail);
    assert.ok(failed > 0, 'the failing vector ran');
  });

  test(`${p.name}: kernel XChaCha20-Poly1305 enc/dec vectors`, () => {
    for (const v of kv.xchachaEncrypt) {
      const [key, nonce, aad] = [h(v.key), h(v.nonce), h(v.aad)];
      assert.equal(toHex(p.xchacha20Poly1305Seal(key, nonce, h(v.plaintext), aad)), v.output, v.name);
      assert.equal(toHex(p.xchacha20Poly1305Open(key, nonce, h(v.output), aad)!), v.plaintext, v.name);
      assert.equal(p.xchacha20Poly1305Open(key, flipped(nonce, 23), h(v.output), aad), null, v.name);
    }
    let ran = 0;
    for (const v of kv.xchachaDecrypt) {
      const opened = p.xchacha20Poly1305Open(h(v.key), h(v.nonce), h(v.input), h(v.aad));
      if (v.mustFail) assert.equal(opened, null, `${v.name} must fail`);
      else assert.equal(toHex(opened!), v.output, v.name);
      ran++;
    }
    assert.equal(ran, kv.counts.xchachaDecrypt);
  });
}
