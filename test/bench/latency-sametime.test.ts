// The same-minutes latency comparison (bench/latency-sametime-run.ts): its
// summary on known replies, and, as root, both tunnels pinged at once with
// the --spin busy loops started and gone again. Nothing about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { pingAtOnce, replyStats, SAMETIME_TOOLS, SLOW_MS } from '../../bench/latency-sametime-run.js';
import { pidAlive } from '../helpers/proc.js';
import { requireRoot } from '../helpers/root.js';

test('replyStats: mean, nearest-rank quantiles, max and slow replies', () => {
  const times = [0.5, 0.7, 0.6, 2.0, 0.4, 0.9, 0.8, 0.55, 0.65, 5.0];
  const s = replyStats(times)!;
  assert.equal(s.replies, 10);
  assert.ok(Math.abs(s.meanMs - 1.21) < 1e-9, String(s.meanMs));
  assert.equal(s.p50Ms, 0.65); // 5th of 10 sorted
  assert.equal(s.p90Ms, 2.0); // 9th of 10
  assert.equal(s.p99Ms, 5.0);
  assert.equal(s.maxMs, 5.0);
  assert.equal(s.slow, times.filter((t) => t > SLOW_MS).length);
  assert.equal(s.slow, 2);
  assert.equal(replyStats([]), null);
});

test('both tunnels pinged at once, with a busy loop per CPU that is gone afterwards', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t, SAMETIME_TOOLS)) return;
  const pings = 40;
  const r = await pingAtOnce(pings, true);
  for (const impl of ['tswg', 'wireguard-go'] as const) {
    const times = r.times.get(impl) ?? [];
    assert.ok(times.length >= pings * 0.9, `${impl}: ${times.length} of ${pings} replies`);
    for (const v of times) assert.ok(v > 0 && v < 1000, `${impl}: reply ${v} ms`);
  }
  assert.equal(r.spinnerPids.length, availableParallelism());
  for (const pid of r.spinnerPids) assert.equal(pidAlive(pid), false, `spinner ${pid} still running`);
});
