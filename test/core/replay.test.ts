// Tests for src/core/replay.ts. The scripted table and the bulk tests restate
// the facts of the kernel's selftest/counter.c (as ported in wireguard-go's
// replay_test.go); a random oracle test compares against an ideal "set of seen
// counters + window" model, including counters above 2^53.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPLAY_REJECT_AFTER_MESSAGES, REPLAY_WINDOW_SIZE, ReplayFilter } from '../../src/core/replay.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const W = BigInt(REPLAY_WINDOW_SIZE); // 8128
const LIM = W + 1n; // first counter that pushes 0 out of the window
const R = REPLAY_REJECT_AFTER_MESSAGES;

test('constants match the kernel / wireguard-go geometry', () => {
  assert.equal(REPLAY_WINDOW_SIZE, 8128);
  assert.equal(R, 2n ** 64n - 2n ** 13n - 1n);
});

// [step, counter, expected] — one filter, in order.
const SCRIPT: [number, bigint, boolean][] = [
  [1, 0n, true],
  [2, 1n, true],
  [3, 1n, false],
  [4, 9n, true],
  [5, 8n, true],
  [6, 7n, true],
  [7, 7n, false],
  [8, LIM, true],
  [9, LIM - 1n, true],
  [10, LIM - 1n, false],
  [11, LIM - 2n, true],
  [12, 2n, true],
  [13, 2n, false],
  [14, LIM + 16n, true],
  [15, 3n, false],
  [16, LIM + 16n, false],
  [17, LIM * 4n, true],
  [18, LIM * 4n - (LIM - 1n), true],
  [19, 10n, false],
  [20, LIM * 4n - LIM, false],
  [21, LIM * 4n - (LIM + 1n), false],
  [22, LIM * 4n - (LIM - 2n), true],
  [23, LIM * 4n + 1n - LIM, false],
  [24, 0n, false],
  [25, R, false],
  [26, R - 1n, true],
  [27, R, false],
  [28, R - 1n, false],
  [29, R - 2n, true],
  [30, R + 1n, false],
  [31, R + 2n, false],
  [32, R - 2n, false],
  [33, R - 3n, true],
  [34, 0n, false],
];

test('scripted steps around the window edge and REJECT_AFTER_MESSAGES', () => {
  const f = new ReplayFilter();
  assert.equal(SCRIPT.length, 34);
  for (const [step, counter, expected] of SCRIPT) {
    assert.equal(f.validate(counter), expected, `step ${step}: counter ${counter}`);
  }
});

function run(f: ReplayFilter, counters: Iterable<bigint>, expected: boolean, label: string): void {
  for (const c of counters) assert.equal(f.validate(c), expected, `${label}: counter ${c}`);
}
function* range(from: bigint, to: bigint): Generator<bigint> {
  const step = from <= to ? 1n : -1n;
  for (let i = from; step > 0n ? i <= to : i >= to; i += step) yield i;
}

test('bulk 1: 1..W forward, then 0 still fits, once', () => {
  const f = new ReplayFilter();
  run(f, range(1n, W), true, 'fill');
  assert.equal(f.validate(0n), true);
  assert.equal(f.validate(0n), false);
});

test('bulk 2: 2..W+1 forward, then 1 fits and 0 is too old', () => {
  const f = new ReplayFilter();
  run(f, range(2n, W + 1n), true, 'fill');
  assert.equal(f.validate(1n), true);
  assert.equal(f.validate(0n), false);
});

test('bulk 3: W+1 down to 1 all accepted', () => {
  const f = new ReplayFilter();
  run(f, range(W + 1n, 1n), true, 'reverse');
});

test('bulk 4: W+2 down to 2 accepted, then 0 is too old', () => {
  const f = new ReplayFilter();
  run(f, range(W + 2n, 2n), true, 'reverse');
  assert.equal(f.validate(0n), false);
});

test('bulk 5: W down to 1, then W+1 accepted and 0 too old', () => {
  const f = new ReplayFilter();
  run(f, range(W, 1n), true, 'reverse');
  assert.equal(f.validate(W + 1n), true);
  assert.equal(f.validate(0n), false);
});

test('bulk 6: W down to 1, then 0 and W+1 accepted', () => {
  const f = new ReplayFilter();
  run(f, range(W, 1n), true, 'reverse');
  assert.equal(f.validate(0n), true);
  assert.equal(f.validate(W + 1n), true);
});

test('reset forgets everything', () => {
  const f = new ReplayFilter();
  assert.equal(f.validate(100_000n), true);
  assert.equal(f.validate(5n), false);
  f.reset();
  assert.equal(f.validate(5n), true);
  assert.equal(f.validate(100_000n), true);
  assert.equal(f.validate(100_000n), false);
});

test('a jump of more than the whole ring clears every block', () => {
  const f = new ReplayFilter();
  for (let i = 0n; i < 200n; i++) assert.equal(f.validate(i), true);
  const far = 1_000_000n;
  assert.equal(f.validate(far), true);
  // Counters in the window below `far` share ring slots with the old ones; all must be fresh.
  for (let i = far - W; i < far; i += 37n) assert.equal(f.validate(i), true, `counter ${i}`);
});

test('negative counters and a custom limit are rejected', () => {
  const f = new ReplayFilter(100n);
  assert.equal(f.validate(-1n), false);
  assert.equal(f.validate(99n), true);
  assert.equal(f.validate(100n), false);
});

/** Ideal model: every counter remembered forever, window measured from the highest accepted. */
class Oracle {
  private seen = new Set<bigint>();
  private max = 0n;
  validate(c: bigint): boolean {
    if (c >= R || this.seen.has(c)) return false;
    if (c <= this.max && this.max - c > W) return false;
    this.seen.add(c);
    if (c > this.max) this.max = c;
    return true;
  }
}

// The last case starts close enough to the limit that the walk runs into it midway.
for (const [label, base, minAccepted] of [
  ['small counters', 0n, 10_000],
  ['counters above 2^53', 2n ** 53n - 5000n, 10_000],
  ['counters running into REJECT_AFTER_MESSAGES', R - 30_000_000n, 1_000],
] as const) {
  test(`random reordering matches the ideal model (${label})`, () => {
    const rng = new SeededRandom(label.length);
    const f = new ReplayFilter();
    const o = new Oracle();
    let next = base;
    let accepted = 0;
    for (let i = 0; i < 50_000; i++) {
      const r = rng.nextU32();
      let c: bigint;
      const kind = r % 10;
      if (kind < 5) c = next++; // in order
      else if (kind < 8) c = next - BigInt(rng.nextU32() % 9000); // late, sometimes too late
      else if (kind < 9) c = next + BigInt(rng.nextU32() % 20_000); // jump ahead
      else c = next - BigInt(rng.nextU32() % 64); // likely duplicate
      if (c < 0n) c = 0n;
      if (kind === 8) next = c + 1n;
      const want = o.validate(c);
      assert.equal(f.validate(c), want, `iteration ${i}: counter ${c}`);
      if (want) accepted++;
    }
    assert.ok(accepted > minAccepted && accepted < 50_000, `accepted ${accepted}`);
  });
}

// validateHalves is the receive path's entry (the header's u32 halves, no
// bigint); it must judge every counter exactly as validate() does, near 0,
// across the 2^32 boundary, above 2^53 and at the limit, for the default
// limit and a small one.
for (const limit of [R, 5000n]) {
  test(`validateHalves agrees with validate (limit ${limit === R ? 'REJECT_AFTER_MESSAGES' : limit})`, () => {
    const rng = new SeededRandom(7);
    const viaBigint = new ReplayFilter(limit);
    const viaHalves = new ReplayFilter(limit);
    const bases = [0n, 0xffff_ff00n, 2n ** 53n - 100n, R - 9000n, limit - 3n];
    let checked = 0;
    for (const base of bases) {
      for (let i = 0; i < 3000; i++) {
        const jitter = BigInt(rng.nextU32() % 9000) - 4000n;
        let c = base + BigInt(i) + jitter;
        if (c < 0n) c = 0n;
        if (c >= 2n ** 64n) c = 2n ** 64n - 1n;
        const expected = viaBigint.validate(c);
        const got = viaHalves.validateHalves(Number(c >> 32n), Number(c & 0xffff_ffffn));
        assert.equal(got, expected, `counter ${c}`);
        checked++;
      }
    }
    assert.equal(checked, bases.length * 3000);
  });
}
