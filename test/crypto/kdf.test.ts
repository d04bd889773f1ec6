// KDF1/KDF2/KDF3 and HMAC-BLAKE2s (whitepaper §5.4) against wireguard-go's
// device/kdf_test.go vectors, on both providers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { hmac, kdf1, kdf2, kdf3 } from '../../src/crypto/kdf.js';
import { toHex } from '../../src/util/bytes.js';

interface KdfVectors { vectors: { key: string; input: string; t0: string; t1: string; t2: string }[] }
const kdf = loadVectors<KdfVectors>('wireguard-go-kdf.json');

for (const p of PROVIDERS) {
  test(`${p.name}: wireguard-go KDF3 vectors (${kdf.vectors.length})`, () => {
    assert.equal(kdf.vectors.length, 3);
    for (const v of kdf.vectors) {
      const [a, b, c] = kdf3(p, h(v.key), h(v.input));
      assert.deepEqual([toHex(a), toHex(b), toHex(c)], [v.t0, v.t1, v.t2]);
    }
  });

  test(`${p.name}: KDF2 and KDF1 are prefixes of KDF3`, () => {
    for (const v of kdf.vectors) {
      const [a, b] = kdf2(p, h(v.key), h(v.input));
      assert.deepEqual([toHex(a), toHex(b)], [v.t0, v.t1]);
      assert.equal(toHex(kdf1(p, h(v.key), h(v.input))), v.t0);
    }
  });

  test(`${p.name}: KDF steps are HMAC(PRK, T_prev ‖ i) with PRK = HMAC(key, input)`, () => {
    const v = kdf.vectors[0]!;
    const prk = hmac(p, h(v.key), h(v.input));
    const t1 = hmac(p, prk, Uint8Array.of(1));
    const t2 = hmac(p, prk, Uint8Array.from([...t1, 2]));
    assert.equal(toHex(t1), v.t0);
    assert.equal(toHex(t2), v.t1);
  });
}

test('KDF does not modify its inputs', () => {
  const [p] = PROVIDERS;
  const key = h(kdf.vectors[0]!.key);
  const input = h(kdf.vectors[0]!.input);
  kdf3(p!, key, input);
  assert.equal(toHex(key), kdf.vectors[0]!.key);
  assert.equal(toHex(input), kdf.vectors[0]!.input);
});
