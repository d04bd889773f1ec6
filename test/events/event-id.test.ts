// Event ids: ULID layout, strictly increasing within a millisecond and
// across a restart (observe), and retry timing helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventIdGenerator, decodeTime } from '../../src/events/event-id.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../../src/events/backoff.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SeededRandom } from '../helpers/seeded-random.js';

test('ids carry the wall time, are unique and sort in creation order', () => {
  const clock = new FakeClock();
  const g = new EventIdGenerator(clock, new SeededRandom(5));
  const ids: string[] = [];
  for (let i = 0; i < 2000; i++) {
    ids.push(g.next());
    if (i % 100 === 0) clock.advance(1);
  }
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(decodeTime(ids[0]!), clock.wallNow() - 20);
  assert.ok(!ids.some((id) => id.includes('.')), 'Standard Webhooks ids may not contain "."');
});

test('after observe(), ids from a new run sort after the old ones even if the clock went back', () => {
  const old = new EventIdGenerator(new FakeClock(Date.UTC(2026, 0, 2)), new SeededRandom(1));
  const last = old.next();
  const g = new EventIdGenerator(new FakeClock(Date.UTC(2026, 0, 1)), new SeededRandom(1));
  g.observe(last);
  const next = g.next();
  assert.ok(next > last, `${next} > ${last}`);
});

test('backoff: full jitter below the exponential cap; Retry-After seconds and dates; retryable statuses', () => {
  const r = new SeededRandom(9);
  const retry = { initialMs: 100, maxMs: 1000, maxAttempts: 0 };
  for (let a = 1; a <= 10; a++) {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(a, retry, r);
      assert.ok(d >= 0 && d < Math.min(1000, 100 * 2 ** (a - 1)), `attempt ${a}: ${d}`);
    }
  }
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  assert.equal(parseRetryAfter('7', now), 7000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now), 30_000);
  assert.equal(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), null);
  assert.equal(parseRetryAfter('2027', now), 2_027_000);
  assert.equal(parseRetryAfter(null, now), null);
  assert.deepEqual([500, 502, 408, 429, 301, 400, 401, 404, 422].map(isRetryableStatus), [true, true, true, true, true, false, false, false, false]);
});
