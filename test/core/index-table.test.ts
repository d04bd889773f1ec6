// Index table: random, non-zero, collision-free allocation; set/free semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexTable } from '../../src/core/index-table.js';
import type { Random } from '../../src/util/ports.js';
import { SeededRandom } from '../helpers/seeded-random.js';

test('allocation is unique and non-zero with a SeededRandom', () => {
  const table = new IndexTable<number>(new SeededRandom(3));
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const idx = table.allocate(i);
    assert.ok(Number.isInteger(idx) && idx > 0 && idx <= 0xffffffff);
    assert.ok(!seen.has(idx));
    seen.add(idx);
    assert.equal(table.get(idx), i);
  }
  assert.equal(table.size, 5000);
  // Same seed, same indices (deterministic under test).
  const again = new IndexTable<number>(new SeededRandom(3));
  assert.equal(again.allocate(0), [...seen][0]);
});

test('collisions and zero are retried', () => {
  // A Random that repeats 0, then 5, then 5 again, then 6.
  const script = [0, 5, 5, 6];
  let k = 0;
  const rnd: Random = {
    fill(buf: Uint8Array) {
      const v = script[Math.min(k++, script.length - 1)]!;
      buf.fill(0);
      buf[0] = v;
      return buf;
    },
  };
  const table = new IndexTable<string>(rnd);
  assert.equal(table.allocate('a'), 5);
  assert.equal(table.allocate('b'), 6);
  assert.equal(table.get(5), 'a');
  assert.equal(table.get(6), 'b');
});

test('set re-points live entries only; free releases', () => {
  const table = new IndexTable<string>(new SeededRandom(9));
  const idx = table.allocate('handshake');
  table.set(idx, 'keypair');
  assert.equal(table.get(idx), 'keypair');
  table.free(idx);
  assert.equal(table.get(idx), undefined);
  assert.equal(table.size, 0);
  table.set(idx, 'stale');
  assert.equal(table.get(idx), undefined, 'set does not resurrect a freed index');
  table.free(idx);
  table.free(0);
  assert.equal(table.size, 0);
});
