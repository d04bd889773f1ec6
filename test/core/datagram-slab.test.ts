// DatagramSlab hands out zeroed, non-overlapping, 8-byte-aligned regions
// (the transport padding of whitepaper §5.4.6 relies on zeroed bytes) and
// gives large requests their own buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatagramSlab } from '../../src/core/datagram-slab.js';

test('regions are zeroed, aligned and never overlap, across slab boundaries', () => {
  const slab = new DatagramSlab();
  const taken: Uint8Array[] = [];
  for (let i = 0; i < 600; i++) {
    const n = 32 + ((i * 97) % 1450);
    const v = slab.take(n);
    assert.equal(v.length, n);
    assert.equal(v.byteOffset % 8, 0);
    assert.ok(v.every((b) => b === 0), 'fresh region is zeroed');
    v.fill(0xa5); // a later region must not see these bytes
    taken.push(v);
  }
  // Regions sharing a buffer must be disjoint.
  const byBuf = new Map<ArrayBufferLike, Array<[number, number]>>();
  for (const v of taken) {
    const list = byBuf.get(v.buffer) ?? [];
    list.push([v.byteOffset, v.byteOffset + v.length]);
    byBuf.set(v.buffer, list);
  }
  assert.ok(byBuf.size > 1, '600 datagrams of up to 1.5 KB span more than one slab');
  for (const list of byBuf.values()) {
    list.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < list.length; i++) assert.ok(list[i]![0] >= list[i - 1]![1], 'disjoint');
  }
});

test('large datagrams get their own buffer', () => {
  const slab = new DatagramSlab();
  const small = slab.take(100);
  const big = slab.take(40_000);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 40_000);
  assert.notEqual(big.buffer, small.buffer);
  assert.ok(big.every((b) => b === 0));
});

test('zero-length requests are valid and harmless', () => {
  const slab = new DatagramSlab();
  const a = slab.take(0);
  const b = slab.take(16);
  assert.equal(a.length, 0);
  assert.equal(b.length, 16);
});
