// BLAKE2s (RFC 7693) on both providers: RFC Appendix B, the 256-entry keyed
// KAT, the kernel selftest table (every digest length 1..32, unkeyed and
// keyed with 1..32-byte keys), and MAC = keyed BLAKE2s with a 16-byte digest length in the parameter
// block (whitepaper §5.4), which must differ from a truncated 32-byte digest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { hash, mac } from '../../src/crypto/kdf.js';
import { toHex } from '../../src/util/bytes.js';

interface Kat { key: string; vectors: { len: number; hash: string }[] }
interface Rfc7693 { vectors: { message: string; outLen: number; key: string; digest: string }[] }
interface KernelB2s {
  counts: { vectors: number; unkeyed: number; keyed: number };
  vectors: { inputLength: number; key: string; outLen: number; hash: string }[];
}
interface Mac16 { vectors: { key: string; message: string; mac16: string; keyed32: string }[] }

const kat = loadVectors<Kat>('blake2s-kat.json');
const rfc = loadVectors<Rfc7693>('rfc7693.json');
const mac16 = loadVectors<Mac16>('blake2s-mac16.json');
const kernel = loadVectors<KernelB2s>('kernel-blake2s.json');

const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);

for (const p of PROVIDERS) {
  test(`${p.name}: RFC 7693 Appendix B BLAKE2s-256("abc")`, () => {
    for (const v of rfc.vectors) {
      assert.equal(toHex(p.blake2s(h(v.message), v.outLen)), v.digest);
      assert.equal(toHex(hash(p, h(v.message))), v.digest);
      assert.equal(toHex(hash(p, h(v.message).subarray(0, 1), h(v.message).subarray(1))), v.digest, 'HASH of parts');
    }
  });

  test(`${p.name}: BLAKE2 keyed KAT, all ${kat.vectors.length} entries`, () => {
    assert.equal(kat.vectors.length, 256);
    const key = h(kat.key);
    for (const v of kat.vectors) assert.equal(toHex(p.blake2s(seq(v.len), 32, key)), v.hash, `len ${v.len}`);
  });

  test(`${p.name}: kernel blake2s selftest table (${kernel.vectors.length}: unkeyed and keyed)`, () => {
    assert.equal(kernel.vectors.length, kernel.counts.vectors);
    assert.equal(kernel.vectors.length, 256);
    let unkeyed = 0;
    let keyed = 0;
    const lengths = new Set<number>();
    for (const v of kernel.vectors) {
      const key = h(v.key);
      const got = key.length === 0 ? p.blake2s(seq(v.inputLength), v.outLen) : p.blake2s(seq(v.inputLength), v.outLen, key);
      assert.equal(got.length, v.outLen);
      assert.equal(toHex(got), v.hash, `entry ${v.inputLength}`);
      if (key.length === 0) unkeyed++;
      else keyed++;
      lengths.add(v.outLen);
    }
    assert.deepEqual([unkeyed, keyed], [kernel.counts.unkeyed, kernel.counts.keyed]);
    assert.ok(unkeyed > 0 && keyed > 0);
    assert.equal(lengths.size, 32, 'every digest length 1..32');
  });

  test(`${p.name}: MAC is a true 16-byte keyed BLAKE2s, not a truncated 32-byte digest`, () => {
    assert.equal(mac16.vectors.length, 5);
    for (const v of mac16.vectors) {
      const m = mac(p, h(v.key), h(v.message));
      assert.equal(m.length, 16);
      assert.equal(toHex(m), v.mac16);
      const full = p.blake2s(h(v.message), 32, h(v.key));
      assert.equal(toHex(full), v.keyed32);
      assert.notEqual(toHex(m), toHex(full.subarray(0, 16)), 'must differ from truncation');
    }
  });

  test(`${p.name}: BLAKE2s parameter checks and empty key = unkeyed`, () => {
    const data = seq(10);
    assert.equal(toHex(p.blake2s(data, 32, new Uint8Array(0))), toHex(p.blake2s(data, 32)));
    assert.equal(p.blake2s(data, 1).length, 1);
    assert.throws(() => p.blake2s(data, 0), RangeError);
    assert.throws(() => p.blake2s(data, 33), RangeError);
    assert.throws(() => p.blake2s(data, 16, new Uint8Array(33)), RangeError);
  });
}
