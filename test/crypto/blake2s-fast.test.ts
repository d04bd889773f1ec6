// The allocation-free BLAKE2s / HMAC-BLAKE2s / KDF of src/crypto/blake2s.ts
// against the same vectors the providers pass (RFC 7693 Appendix B, the
// keyed KAT, the kernel selftest table, MAC16, wireguard-go's KDF vectors),
// plus cross-checks with noble over every length around the block boundary,
// the empty-message HMAC (the key block is then the final block) and
// streaming in pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadVectors, h } from './load-vectors.js';
import { Blake2s, HmacBlake2s, blake2s, hmacBlake2s, kdf } from '../../src/crypto/blake2s.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { kdf1, kdf2, kdf3 } from '../../src/crypto/kdf.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

interface Kat { key: string; vectors: { len: number; hash: string }[] }
interface Rfc7693 { vectors: { message: string; outLen: number; key: string; digest: string }[] }
interface KernelB2s { vectors: { inputLength: number; key: string; outLen: number; hash: string }[] }
interface Mac16 { vectors: { key: string; message: string; mac16: string }[] }
interface Kdf { vectors: { key: string; input: string; t0: string; t1: string; t2: string }[] }

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

test('RFC 7693 Appendix B, keyed KAT (256), kernel table (256), MAC16', () => {
  for (const v of loadVectors<Rfc7693>('rfc7693.json').vectors) {
    const key = h(v.key);
    assert.equal(toHex(blake2s(h(v.message), v.outLen, key.length > 0 ? key : undefined)), v.digest);
  }
  const kat = loadVectors<Kat>('blake2s-kat.json');
  assert.equal(kat.vectors.length, 256);
  for (const v of kat.vectors) assert.equal(toHex(blake2s(seq(v.len), 32, h(kat.key))), v.hash, `kat ${v.len}`);
  const kernel = loadVectors<KernelB2s>('kernel-blake2s.json');
  assert.equal(kernel.vectors.length, 256);
  for (const v of kernel.vectors) {
    const key = h(v.key);
    assert.equal(toHex(blake2s(seq(v.inputLength), v.outLen, key.length > 0 ? key : undefined)), v.hash);
  }
  for (const v of loadVectors<Mac16>('blake2s-mac16.json').vectors) assert.equal(toHex(blake2s(h(v.message), 16, h(v.key))), v.mac16);
});

test('wireguard-go KDF vectors: kdf(key, input, n) = T1..Tn, and equal to kdf.ts on noble', () => {
  const vs = loadVectors<Kdf>('wireguard-go-kdf.json').vectors;
  assert.ok(vs.length > 0);
  for (const v of vs) {
    const [t0, t1, t2] = kdf(h(v.key), h(v.input), 3);
    assert.deepEqual([toHex(t0!), toHex(t1!), toHex(t2!)], [v.t0, v.t1, v.t2]);
    assert.equal(toHex(kdf(h(v.key), h(v.input), 1)[0]!), v.t0);
    assert.deepEqual(kdf(h(v.key), h(v.input), 2), kdf2(nobleProvider, h(v.key), h(v.input)));
  }
  const rnd = new SeededRandom(5);
  for (let len = 0; len < 70; len++) {
    const key = rnd.fill(new Uint8Array(32));
    const input = rnd.fill(new Uint8Array(len));
    assert.deepEqual(kdf(key, input, 1)[0], kdf1(nobleProvider, key, input), `input ${len}`);
    assert.deepEqual(kdf(key, input, 3), kdf3(nobleProvider, key, input), `input ${len}`);
  }
});

test('cross-check with noble: lengths 0..200 around the 64-byte block, keys 0..32, every digest length', () => {
  const rnd = new SeededRandom(6);
  for (let len = 0; len <= 200; len++) {
    const data = rnd.fill(new Uint8Array(len));
    for (const kl of [0, 1, 31, 32]) {
      const key = kl > 0 ? rnd.fill(new Uint8Array(kl)) : undefined;
      const outLen = 1 + (len % 32);
      assert.equal(toHex(blake2s(data, outLen, key)), toHex(nobleProvider.blake2s(data, outLen, key)), `len ${len} key ${kl}`);
    }
  }
});

test('HMAC-BLAKE2s: empty and long messages, keys up to and over one block, reuse after setKey', () => {
  const rnd = new SeededRandom(7);
  const reused = new HmacBlake2s();
  for (const kl of [0, 1, 32, 64, 65, 100]) {
    for (const len of [0, 1, 32, 33, 63, 64, 65, 129]) {
      const key = rnd.fill(new Uint8Array(kl));
      const data = rnd.fill(new Uint8Array(len));
      const want = toHex(nobleProvider.hmacBlake2s(key, data));
      assert.equal(toHex(hmacBlake2s(key, data)), want, `key ${kl} data ${len}`);
      assert.equal(toHex(reused.setKey(key).macInto(data, new Uint8Array(32))), want);
    }
  }
});

test('streaming in pieces equals one shot; bad parameters throw RangeError', () => {
  const data = seq(300);
  const st = new Blake2s(32);
  for (const cut of [0, 1, 63, 64, 65, 128, 299]) {
    st.reset().update(data.subarray(0, cut)).update(data.subarray(cut));
    assert.equal(toHex(st.digestInto(new Uint8Array(32))), toHex(blake2s(data, 32)), `cut ${cut}`);
  }
  assert.throws(() => blake2s(data, 0), RangeError);
  assert.throws(() => blake2s(data, 33), RangeError);
  assert.throws(() => blake2s(data, 16, new Uint8Array(33)), RangeError);
});
