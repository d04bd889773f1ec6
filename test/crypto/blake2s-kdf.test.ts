// The word-level KDF_n of src/crypto/blake2s-kdf.ts: wireguard-go's KDF
// vectors, and equality with the generic KDF over noble's HMAC for every
// input length 0..70 (empty = Split, ≤ 64 = one block, > 64 = the general
// path) and for non-32-byte keys, n = 1, 2, 3; repeated calls do not leak
// state into each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadVectors, h } from './load-vectors.js';
import { kdf } from '../../src/crypto/blake2s-kdf.js';
import { kdfFromHmac } from '../../src/crypto/kdf.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

interface Kdf { vectors: { key: string; input: string; t0: string; t1: string; t2: string }[] }

const reference = (key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] =>
  kdfFromHmac((k, d) => nobleProvider.hmacBlake2s(k, d), key, input, n);

test('wireguard-go KDF vectors', () => {
  const vs = loadVectors<Kdf>('wireguard-go-kdf.json').vectors;
  assert.ok(vs.length > 0);
  for (const v of vs) {
    assert.deepEqual(kdf(h(v.key), h(v.input), 3).map(toHex), [v.t0, v.t1, v.t2]);
    assert.deepEqual(kdf(h(v.key), h(v.input), 2).map(toHex), [v.t0, v.t1]);
    assert.deepEqual(kdf(h(v.key), h(v.input), 1).map(toHex), [v.t0]);
  }
});

test('equals the generic KDF over noble HMAC: inputs 0..70 bytes, keys of 32 and other lengths, n = 1..3', () => {
  const rnd = new SeededRandom(21);
  for (let len = 0; len <= 70; len++) {
    for (const kl of [32, 16, 0]) {
      const key = rnd.fill(new Uint8Array(kl));
      const input = rnd.fill(new Uint8Array(len));
      for (const n of [1, 2, 3] as const) {
        const got = kdf(key, input, n);
        assert.equal(got.length, n);
        assert.deepEqual(got, reference(key, input, n), `key ${kl} input ${len} n ${n}`);
      }
    }
  }
});

test('outputs are fresh arrays and the inputs are not modified', () => {
  const key = new Uint8Array(32).fill(7);
  const input = new Uint8Array(32).fill(9);
  const [a, b] = kdf(key, input, 2);
  assert.notEqual(a!.buffer, b!.buffer);
  assert.deepEqual(key, new Uint8Array(32).fill(7));
  assert.deepEqual(input, new Uint8Array(32).fill(9));
  assert.deepEqual(kdf(key, input, 2), [a, b]);
});

test('hashPair(a, b) = BLAKE2s-256(a ‖ b) on both providers, for every split of 0..140 bytes', async () => {
  const { hashPair } = await import('../../src/crypto/blake2s-kdf.js');
  const { nodeProvider } = await import('../../src/crypto/node.js');
  const rnd = new SeededRandom(22);
  for (let n = 0; n <= 140; n++) {
    const all = rnd.fill(new Uint8Array(n));
    const want = toHex(nobleProvider.blake2s(all, 32));
    for (const cut of new Set([0, 1, Math.floor(n / 2), 32, n - 1, n].filter((c) => c >= 0 && c <= n))) {
      const a = all.slice(0, cut);
      const b = all.slice(cut);
      assert.equal(toHex(hashPair(a, b)), want, `n ${n} cut ${cut}`);
      assert.equal(toHex(nodeProvider.hashPair!(a, b)), want);
      assert.equal(toHex(nobleProvider.hashPair!(a, b)), want);
      assert.deepEqual([...a, ...b], [...all], 'inputs untouched');
    }
  }
});

test('kdfInto / hashInto write the same bytes in place on both providers, the key or a part as an output too', async () => {
  const { kdfInto, hashInto, hash } = await import('../../src/crypto/kdf.js');
  const { nodeProvider } = await import('../../src/crypto/node.js');
  const rnd = new SeededRandom(23);
  for (const p of [nodeProvider, nobleProvider]) {
    for (const len of [0, 1, 32, 64, 65]) {
      const key = rnd.fill(new Uint8Array(32));
      const input = rnd.fill(new Uint8Array(len));
      for (const n of [1, 2, 3] as const) {
        const want = reference(key, input, n);
        const ck = key.slice();
        const outs = [ck, ...Array.from({ length: n - 1 }, () => new Uint8Array(32))];
        kdfInto(p, ck, input, outs);
        assert.deepEqual(outs, want, `${p.name} input ${len} n ${n}`);
      }
      const h = rnd.fill(new Uint8Array(32));
      const want = hash(nobleProvider, h, input);
      hashInto(p, h, input, h);
      assert.deepEqual(h, want, `${p.name} hash ${len}`);
    }
  }
});
