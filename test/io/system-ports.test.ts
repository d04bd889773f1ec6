// The real Clock and Random (src/io/system-ports.ts) and the native loader's helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock, systemRandom } from '../../src/io/system-ports.js';
import { errnoName, loadNative } from '../../src/io/native.js';

test('clock: monotonic time never goes back; wall time is the epoch clock', () => {
  let prev = systemClock.now();
  for (let i = 0; i < 1000; i++) {
    const now = systemClock.now();
    assert.ok(now >= prev);
    prev = now;
  }
  const before = Date.now();
  const wall = systemClock.wallNow();
  assert.ok(wall >= before && wall <= Date.now());
});

test('random fills buffers larger than one getRandomValues call', () => {
  const buf = new Uint8Array(200_000);
  assert.equal(systemRandom.fill(buf), buf);
  // Every 64 KiB chunk, including the tail, was written (all-zero 4 KiB runs are practically impossible).
  for (const off of [0, 65536, 131072, 196000]) assert.ok(buf.subarray(off, off + 4000).some((b) => b !== 0), `chunk at ${off}`);
  const a = systemRandom.fill(new Uint8Array(32));
  const b = systemRandom.fill(new Uint8Array(32));
  assert.notDeepEqual(a, b);
  assert.deepEqual(systemRandom.fill(new Uint8Array(0)), new Uint8Array(0));
});

test('native addon loads (built by npm ci) and names errnos', () => {
  const native = loadNative();
  for (const fn of ['openTun', 'startReader', 'writeTun', 'setSockMark', 'startLinkWatch']) {
    assert.equal(typeof (native as unknown as Record<string, unknown>)[fn], 'function', fn);
  }
  assert.equal(errnoName(77), 'EBADFD');
  assert.equal(errnoName(-1), 'EOF');
  assert.throws(() => native.writeTun(-1, 'x' as unknown as Uint8Array), { name: 'TypeError', message: /packet must be a Uint8Array/ });
  assert.equal(native.writeTun(-1, new Uint8Array(1)), -9, 'EBADF comes back as -errno, not an exception');
  assert.throws(() => native.stopReader({} as never), /handle must be a value returned by the addon/);
});
