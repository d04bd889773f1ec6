// Kernel (zinc) ChaCha20-Poly1305 selftest vectors on both providers. Their
// 8-byte nonces are the 64-bit counter in little-endian, so building the nonce
// with transportNonce(counter) checks WireGuard's transport nonce layout
// (whitepaper §5.4.6) against an independent implementation's outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { transportNonce } from '../../src/crypto/aead-nonce.js';
import { toHex } from '../../src/util/bytes.js';

interface Vec { name: string; key: string; nonce: string; aad: string; plaintext: string; output: string }
const kv = loadVectors<{ encrypt: Vec[]; xchacha: Vec[] }>('kernel-chacha20poly1305.json');

function counterOf(nonce8: string): bigint {
  return new DataView(h(nonce8).buffer).getBigUint64(0, true);
}

for (const p of PROVIDERS) {
  test(`${p.name}: kernel enc vectors with 8-byte nonces via transportNonce (${kv.encrypt.length})`, () => {
    assert.equal(kv.encrypt.length, 9);
    for (const v of kv.encrypt) {
      assert.equal(v.nonce.length, 16, v.name);
      const nonce = transportNonce(counterOf(v.nonce));
      assert.equal(toHex(nonce), '00000000' + v.nonce, v.name);
      const sealed = p.chacha20Poly1305Seal(h(v.key), nonce, h(v.plaintext), h(v.aad));
      assert.equal(toHex(sealed), v.output, v.name);
      const opened = p.chacha20Poly1305Open(h(v.key), nonce, h(v.output), h(v.aad));
      assert.equal(toHex(opened!), v.plaintext, v.name);
      // a different counter must not open it (nonce binding)
      const other = transportNonce(counterOf(v.nonce) ^ 1n);
      assert.equal(p.chacha20Poly1305Open(h(v.key), other, h(v.output), h(v.aad)), null, v.name);
    }
  });

  test(`${p.name}: kernel XChaCha20-Poly1305 enc/dec vector`, () => {
    for (const v of kv.xchacha) {
      assert.equal(toHex(p.xchacha20Poly1305Seal(h(v.key), h(v.nonce), h(v.plaintext), h(v.aad))), v.output);
      assert.equal(toHex(p.xchacha20Poly1305Open(h(v.key), h(v.nonce), h(v.output), h(v.aad))!), v.plaintext);
    }
  });
}
