// RandomPool (src/io/system-ports.ts): the pooled CSPRNG must hand out every
// source byte at most once, in order, wipe what it handed out, and send
// large requests straight to the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomPool, systemRandom } from '../../src/io/system-ports.js';

/** A source that writes a running counter, so every byte it ever produced is identifiable. */
function counterSource(): { fill: (buf: Uint8Array) => void; calls: number[]; produced: () => number } {
  let next = 0;
  const calls: number[] = [];
  return {
    calls,
    produced: () => next,
    fill(buf) {
      calls.push(buf.length);
      // Byte k of the source's output stream is k mod 256.
      for (let i = 0; i < buf.length; i++) buf[i] = (next + i) & 0xff;
      next += buf.length;
    },
  };
}

test('pool: small requests take consecutive source bytes, never the same byte twice, one source call per pool', () => {
  const src = counterSource();
  const pool = new RandomPool(src.fill, 100);
  const got: number[] = [];
  for (let k = 0; k < 10; k++) got.push(...pool.fill(new Uint8Array(32)));
  // 3 requests of 32 fit in 100 bytes; the 4th refills (the 4-byte tail is dropped, never reused).
  assert.deepEqual(src.calls, [100, 100, 100, 100]);
  const expected: number[] = [];
  for (let refill = 0; refill < 4; refill++) for (let i = 0; i < 96; i++) expected.push((refill * 100 + i) & 0xff);
  assert.deepEqual(got, expected.slice(0, 320));
});

test('pool: bytes handed out are wiped from the pool', () => {
  const src = counterSource();
  const pool = new RandomPool(src.fill, 64);
  const a = pool.fill(new Uint8Array(20));
  assert.deepEqual([...a], Array.from({ length: 20 }, (_, i) => i));
  const internal = (pool as unknown as { pool: Uint8Array }).pool;
  assert.ok(internal.subarray(0, 20).every((b) => b === 0), 'handed-out bytes are zeroed');
  assert.equal(internal[20], 20, 'the rest is still unused source output');
});

test('pool: requests over 256 bytes or the pool size go straight to the source', () => {
  const src = counterSource();
  const pool = new RandomPool(src.fill, 64);
  const big = pool.fill(new Uint8Array(300));
  assert.deepEqual(src.calls, [300]);
  assert.equal(big[299], 299 & 0xff);
  const mid = pool.fill(new Uint8Array(65)); // larger than this pool
  assert.deepEqual(src.calls, [300, 65]);
  assert.equal(mid[0], 300 & 0xff);
  assert.deepEqual(pool.fill(new Uint8Array(0)), new Uint8Array(0));
  assert.deepEqual(src.calls, [300, 65], 'an empty request calls nothing');
  assert.equal(pool.fill(new Uint8Array(8))[0], 365 & 0xff, 'the first pooled request fills the pool from where the source is');
  assert.deepEqual(src.calls, [300, 65, 64]);
});

test('systemRandom: distinct 32-byte draws, large fills written throughout', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(Buffer.from(systemRandom.fill(new Uint8Array(32))).toString('hex'));
  assert.equal(seen.size, 2000);
  const buf = systemRandom.fill(new Uint8Array(200_000));
  for (const off of [0, 65536, 131072, 196000]) assert.ok(buf.subarray(off, off + 4000).some((b) => b !== 0), `chunk at ${off}`);
});
