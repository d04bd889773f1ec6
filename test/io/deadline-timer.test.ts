// DeadlineTimer: one setTimeout at the earliest deadline; a later deadline
// keeps the armed timer (it fires early and the callback re-arms), an
// earlier one replaces it, undefined disarms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineTimer } from '../../src/io/deadline-timer.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('fires once the armed deadline has passed', async () => {
  let fired = 0;
  const t = new DeadlineTimer(() => performance.now(), () => fired++);
  t.arm(performance.now() + 20);
  assert.equal(fired, 0);
  await sleep(80);
  assert.equal(fired, 1);
});

test('an earlier deadline replaces the armed one', async () => {
  const firedAt: number[] = [];
  const t0 = performance.now();
  const t = new DeadlineTimer(() => performance.now(), () => firedAt.push(performance.now() - t0));
  t.arm(t0 + 5000);
  t.arm(t0 + 20);
  await sleep(100);
  assert.equal(firedAt.length, 1);
  assert.ok(firedAt[0]! < 1000, `fired at the earlier deadline (${firedAt[0]} ms)`);
  t.cancel();
});

test('a later deadline keeps the armed timer; the callback re-arms at the real one', async () => {
  // A hand-driven clock: each wake-up moves it to the deadline that was armed
  // first, so the count of wake-ups does not depend on the box's load.
  let now = 0;
  const wakes: number[] = [];
  let done = false;
  const t = new DeadlineTimer(
    () => now,
    () => {
      now = wakes.length === 0 ? 20 : 120;
      wakes.push(now);
      // What the daemon does: run what is due, re-arm at the next deadline.
      if (now >= 120) done = true;
      else t.arm(120);
    },
  );
  t.arm(20);
  t.arm(120); // pushed later by "traffic": the 20 ms timer stays armed
  for (let i = 0; i < 100 && !done; i++) await sleep(20);
  assert.ok(done, 'the real deadline was reached');
  assert.deepEqual(wakes, [20, 120], 'one early wake-up, then the deadline');
});

test('undefined disarms', async () => {
  let fired = 0;
  const t = new DeadlineTimer(() => performance.now(), () => fired++);
  t.arm(performance.now() + 20);
  t.arm(undefined);
  await sleep(60);
  assert.equal(fired, 0);
});

test('pushing the deadline later on every packet creates no new timers', () => {
  const real = globalThis.setTimeout;
  let created = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    created++;
    return real(...args);
  }) as typeof setTimeout;
  try {
    const t = new DeadlineTimer(() => 0, () => undefined);
    for (let d = 10_000; d < 10_100; d++) t.arm(d);
    assert.equal(created, 1, 'one setTimeout for 100 later deadlines');
    t.arm(5_000);
    assert.equal(created, 2, 'an earlier deadline re-arms');
    t.cancel();
  } finally {
    globalThis.setTimeout = real;
  }
});
