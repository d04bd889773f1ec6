// The written-out compression function (src/crypto/blake2s-compress.ts)
// against a plain loop form of RFC 7693 §3.2 kept here as the reference,
// and the committed file against its generator. The digests themselves are
// checked against the RFC/KAT/kernel vectors in blake2s-fast.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compress } from '../../src/crypto/blake2s-compress.js';
import { IV } from '../../src/crypto/blake2s.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// The generator's SIGMA (RFC 7693 §2.7; the RFC/KAT vectors in
// blake2s-fast.test.ts check the table) and its output text.
const generator = (await import(pathToFileURL(`${ROOT}scripts/gen-blake2s-compress.mjs`).href)) as {
  SIGMA: number[][];
  generate: () => string;
};
const SIGMA = generator.SIGMA;

/** F(h, m, t, f) exactly as RFC 7693 §3.2 states it (32-bit words, rotations 16/12/8/7). */
function referenceCompress(h: Uint32Array, m: Uint32Array, t: number, last: boolean): void {
  const v = new Uint32Array(16);
  v.set(h, 0);
  v.set(IV, 8);
  v[12] ^= t;
  if (last) v[14] = ~v[14]!;
  const rotr = (x: number, n: number) => ((x >>> n) | (x << (32 - n))) >>> 0;
  const g = (a: number, b: number, c: number, d: number, x: number, y: number) => {
    v[a] = v[a]! + v[b]! + x;
    v[d] = rotr(v[d]! ^ v[a]!, 16);
    v[c] = v[c]! + v[d]!;
    v[b] = rotr(v[b]! ^ v[c]!, 12);
    v[a] = v[a]! + v[b]! + y;
    v[d] = rotr(v[d]! ^ v[a]!, 8);
    v[c] = v[c]! + v[d]!;
    v[b] = rotr(v[b]! ^ v[c]!, 7);
  };
  for (const s of SIGMA) {
    g(0, 4, 8, 12, m[s[0]!]!, m[s[1]!]!);
    g(1, 5, 9, 13, m[s[2]!]!, m[s[3]!]!);
    g(2, 6, 10, 14, m[s[4]!]!, m[s[5]!]!);
    g(3, 7, 11, 15, m[s[6]!]!, m[s[7]!]!);
    g(0, 5, 10, 15, m[s[8]!]!, m[s[9]!]!);
    g(1, 6, 11, 12, m[s[10]!]!, m[s[11]!]!);
    g(2, 7, 8, 13, m[s[12]!]!, m[s[13]!]!);
    g(3, 4, 9, 14, m[s[14]!]!, m[s[15]!]!);
  }
  for (let i = 0; i < 8; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 8]!;
}

test('the written-out F matches the loop form of RFC 7693 §3.2 on random states, blocks, counters and flags', () => {
  const rng = new SeededRandom(7693);
  for (let i = 0; i < 2000; i++) {
    const h = new Uint32Array(rng.fill(new Uint8Array(32)).buffer);
    const m = new Uint32Array(rng.fill(new Uint8Array(64)).buffer);
    // Counters the handshake uses (≤ a few blocks) and arbitrary 32-bit ones.
    const t = i % 2 === 0 ? (i % 5) * 64 + (i % 64) : new Uint32Array(rng.fill(new Uint8Array(4)).buffer)[0]!;
    const last = i % 3 === 0;
    const want = h.slice();
    referenceCompress(want, m, t, last);
    const got = h.slice();
    compress(got, m, t, last);
    assert.deepEqual(got, want, `block ${i}`);
  }
});

test('src/crypto/blake2s-compress.ts is what its generator writes', () => {
  assert.equal(readFileSync(`${ROOT}src/crypto/blake2s-compress.ts`, 'utf8'), generator.generate());
});
