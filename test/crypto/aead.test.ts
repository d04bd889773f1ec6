// ChaCha20-Poly1305 (RFC 8439) and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha)
// on both providers: RFC vectors, the RFC building blocks (block function,
// encryption, Poly1305, one-time key generation) checked against noble and
// OpenSSL's raw chacha20, Wycheproof XChaCha cases, tamper rejection, the
// `out`/in-place contract, and a node-vs-noble cross-check on random inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { chacha20, hchacha } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { toHex } from '../../src/util/bytes.js';

interface AeadVec { name?: string; tcId?: number; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }
interface Rfc8439 {
  aead: AeadVec[];
  chacha20Block: { name: string; key: string; nonce: string; counter: number; keystream: string }[];
  chacha20Encrypt: { name: string; key: string; nonce: string; counter: number; plaintext: string; ciphertext: string }[];
  poly1305: { name: string; key: string; message: string; tag: string }[];
  poly1305KeyGen: { name: string; key: string; nonce: string; otk: string }[];
}
interface XChaCha {
  hchacha20: { key: string; nonce: string; subkey: string }[];
  aead: AeadVec[];
}

const rfc = loadVectors<Rfc8439>('rfc8439.json');
const xc = loadVectors<XChaCha>('xchacha20poly1305.json');

/** OpenSSL's raw ChaCha20 takes a 16-byte IV = LE32 block counter ‖ 96-bit nonce. */
function opensslChacha(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const iv = new Uint8Array(16);
  new DataView(iv.buffer).setUint32(0, counter, true);
  iv.set(nonce, 4);
  return new Uint8Array(createCipheriv('chacha20', key, iv).update(data));
}

for (const p of PROVIDERS) {
  test(`${p.name}: RFC 8439 §2.8.2 and A.5 AEAD seal and open`, () => {
    assert.equal(rfc.aead.length, 2);
    for (const v of rfc.aead) {
      const sealed = p.chacha20Poly1305Seal(h(v.key), h(v.nonce), h(v.plaintext), h(v.aad));
      assert.equal(toHex(sealed), v.ciphertext + v.tag, v.name);
      const opened = p.chacha20Poly1305Open(h(v.key), h(v.nonce), h(v.ciphertext + v.tag), h(v.aad));
      assert.equal(toHex(opened!), v.plaintext, v.name);
    }
  });

  test(`${p.name}: AEAD open rejects any flipped bit in ciphertext, tag, AAD or nonce`, () => {
    const v = rfc.aead[0]!;
    const box = h(v.ciphertext + v.tag);
    for (const i of [0, 57, box.length - 17, box.length - 16, box.length - 1]) {
      const bad = Uint8Array.from(box);
      bad[i]! ^= 0x01;
      assert.equal(p.chacha20Poly1305Open(h(v.key), h(v.nonce), bad, h(v.aad)), null, `byte ${i}`);
    }
    const aad = h(v.aad);
    aad[0]! ^= 0x80;
    assert.equal(p.chacha20Poly1305Open(h(v.key), h(v.nonce), box, aad), null);
    const nonce = h(v.nonce);
    nonce[11]! ^= 1;
    assert.equal(p.chacha20Poly1305Open(h(v.key), nonce, box, h(v.aad)), null);
    assert.equal(p.chacha20Poly1305Open(h(v.key), h(v.nonce), box.subarray(0, 15), h(v.aad)), null, 'shorter than a tag');
  });

  test(`${p.name}: empty plaintext and missing AAD`, () => {
    const key = new Uint8Array(32).fill(7);
    const nonce = new Uint8Array(12);
    const sealed = p.chacha20Poly1305Seal(key, nonce, new Uint8Array(0));
    assert.equal(sealed.length, 16);
    assert.deepEqual(p.chacha20Poly1305Open(key, nonce, sealed), new Uint8Array(0));
    assert.equal(toHex(sealed), toHex(p.chacha20Poly1305Seal(key, nonce, new Uint8Array(0), new Uint8Array(0))));
  });

  test(`${p.name}: 'out' buffer and in-place operation`, () => {
    const v = rfc.aead[1]!;
    const pt = h(v.plaintext);
    const buf = new Uint8Array(pt.length + 16);
    buf.set(pt);
    const sealed = p.chacha20Poly1305Seal(h(v.key), h(v.nonce), buf.subarray(0, pt.length), h(v.aad), buf);
    assert.equal(sealed.buffer, buf.buffer, 'result written into out');
    assert.equal(toHex(buf), v.ciphertext + v.tag);
    const opened = p.chacha20Poly1305Open(h(v.key), h(v.nonce), buf, h(v.aad), buf.subarray(0, pt.length));
    assert.equal(opened!.buffer, buf.buffer);
    assert.equal(toHex(opened!), v.plaintext);
    assert.throws(() => p.chacha20Poly1305Seal(h(v.key), h(v.nonce), pt, undefined, new Uint8Array(pt.length)), RangeError);
    assert.throws(() => p.chacha20Poly1305Seal(h(v.key), new Uint8Array(8), pt), RangeError);
    assert.throws(() => p.chacha20Poly1305Seal(new Uint8Array(16), h(v.nonce), pt), RangeError);
  });

  test(`${p.name}: XChaCha20-Poly1305 (${xc.aead.length} vectors) seal, open and tamper`, () => {
    assert.equal(xc.aead.length, 27);
    for (const v of xc.aead) {
      const sealed = p.xchacha20Poly1305Seal(h(v.key), h(v.nonce), h(v.plaintext), h(v.aad));
      assert.equal(toHex(sealed), v.ciphertext + v.tag, `tcId ${v.tcId}`);
      assert.equal(toHex(p.xchacha20Poly1305Open(h(v.key), h(v.nonce), sealed, h(v.aad))!), v.plaintext);
      const bad = Uint8Array.from(sealed);
      bad[bad.length - 1]! ^= 0x40;
      assert.equal(p.xchacha20Poly1305Open(h(v.key), h(v.nonce), bad, h(v.aad)), null);
    }
    assert.throws(() => p.xchacha20Poly1305Seal(new Uint8Array(32), new Uint8Array(12), new Uint8Array(1)), RangeError);
  });
}

test('RFC 8439 A.1 block function: noble and OpenSSL raw ChaCha20', () => {
  assert.equal(rfc.chacha20Block.length, 5);
  for (const v of rfc.chacha20Block) {
    const zeros = new Uint8Array(64);
    assert.equal(toHex(chacha20(h(v.key), h(v.nonce), zeros, undefined, v.counter)), v.keystream, v.name);
    assert.equal(toHex(opensslChacha(h(v.key), h(v.nonce), v.counter, zeros)), v.keystream, v.name);
  }
});

test('RFC 8439 A.2 encryption: noble and OpenSSL raw ChaCha20', () => {
  assert.equal(rfc.chacha20Encrypt.length, 3);
  for (const v of rfc.chacha20Encrypt) {
    assert.equal(toHex(chacha20(h(v.key), h(v.nonce), h(v.plaintext), undefined, v.counter)), v.ciphertext, v.name);
    assert.equal(toHex(opensslChacha(h(v.key), h(v.nonce), v.counter, h(v.plaintext))), v.ciphertext, v.name);
  }
});

test('RFC 8439 A.3 Poly1305 (noble, the MAC inside both AEAD paths of the noble provider)', () => {
  assert.equal(rfc.poly1305.length, 11);
  for (const v of rfc.poly1305) assert.equal(toHex(poly1305(h(v.message), h(v.key))), v.tag, v.name);
});

test('RFC 8439 A.4 / §2.6 Poly1305 one-time key = first 32 bytes of block 0', () => {
  assert.equal(rfc.poly1305KeyGen.length, 5);
  for (const v of rfc.poly1305KeyGen) {
    assert.equal(toHex(chacha20(h(v.key), h(v.nonce), new Uint8Array(32), undefined, 0)), v.otk, v.name);
    assert.equal(toHex(opensslChacha(h(v.key), h(v.nonce), 0, new Uint8Array(32))), v.otk, v.name);
  }
});

test('draft-irtf-cfrg-xchacha §2.2.1 HChaCha20 (noble, used by both providers for XChaCha)', () => {
  for (const v of xc.hchacha20) {
    const words = (b: Uint8Array) => new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
    const out = new Uint32Array(8);
    hchacha(sigma, words(h(v.key)), words(h(v.nonce)), out);
    assert.equal(toHex(new Uint8Array(out.buffer)), v.subkey);
  }
});

test('node and noble AEADs agree on random inputs (all lengths 0..300, random AAD)', () => {
  for (let len = 0; len <= 300; len++) {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const pt = randomBytes(len);
    const aad = len % 3 === 0 ? undefined : randomBytes(len % 40);
    const a = nodeProvider.chacha20Poly1305Seal(key, nonce, pt, aad);
    const b = nobleProvider.chacha20Poly1305Seal(key, nonce, pt, aad);
    assert.equal(toHex(a), toHex(b), `length ${len}`);
    assert.equal(toHex(nobleProvider.chacha20Poly1305Open(key, nonce, a, aad)!), toHex(pt));
    assert.equal(toHex(nodeProvider.chacha20Poly1305Open(key, nonce, b, aad)!), toHex(pt));
  }
});
