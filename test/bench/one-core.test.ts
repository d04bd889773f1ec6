import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fastestCpu, oneCorePrefix, pickOneCore, probeCpu } from '../../bench/one-core.js';

function allowedList(prefix: string[]): string | undefined {
  const r = spawnSync(prefix[0]!, [...prefix.slice(1), 'cat', '/proc/self/status'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(r.stdout)?.[1];
}

test('oneCorePrefix confines a child to exactly one CPU: the last one by default, or the one asked for', (t) => {
  const n = availableParallelism();
  const prefix = oneCorePrefix();
  if (n < 2) {
    assert.equal(prefix, null, 'with one CPU there is nothing to pin to');
    return;
  }
  assert.notEqual(prefix, null, 'taskset (util-linux, Essential in Debian) should be present');
  assert.equal(allowedList(prefix!), String(n - 1));
  assert.equal(allowedList(oneCorePrefix(0)!), '0');
  assert.throws(() => oneCorePrefix(n), RangeError);
  assert.throws(() => oneCorePrefix(-1), RangeError);
  t.diagnostic(`default child ran on CPU list ${String(n - 1)}`);
});

test('fastestCpu takes the highest probe rate, skips failed probes, and keeps the later CPU on a tie', () => {
  assert.equal(fastestCpu([33_500, 23_500]), 0, 'the faster vCPU wins');
  assert.equal(fastestCpu([23_500, 33_500]), 1);
  assert.equal(fastestCpu([20_000, 30_000, 25_000]), 1);
  assert.equal(fastestCpu([30_000, 30_000]), 1, 'alike cores keep the last CPU (CPU 0 takes most interrupts)');
  assert.equal(fastestCpu([null, 20_000]), 1);
  assert.equal(fastestCpu([20_000, null]), 0, 'a failed probe is never chosen over one that ran');
  assert.equal(fastestCpu([null, null]), 1, 'no rate at all: the last CPU');
  assert.equal(fastestCpu([Number.NaN, 10]), 1);
});

test('probeCpu measures X25519 on the CPU it is given, and pickOneCore pins to the fastest of its probes', (t) => {
  const n = availableParallelism();
  if (oneCorePrefix() === null) {
    assert.equal(pickOneCore(0.02).prefix, null);
    return;
  }
  const rate = probeCpu(n - 1, 0.05);
  assert.ok(rate !== null && rate > 100, `a probe should report a plausible X25519 rate, got ${rate}`);
  const pick = pickOneCore(0.05);
  assert.equal(pick.rates.length, n, 'one probe per CPU');
  assert.ok(pick.rates.every((r) => r !== null && r > 100), `every probe should run: ${pick.rates.join(', ')}`);
  assert.equal(pick.cpu, fastestCpu(pick.rates));
  assert.equal(allowedList(pick.prefix!), String(pick.cpu));
  t.diagnostic(`probes ${pick.rates.map((r) => Math.round(r!)).join(', ')} → CPU ${pick.cpu}`);
});
