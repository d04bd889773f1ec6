// The worker_threads crypto lever's measuring tool (bench/worker-seal-run.ts):
// its worker must seal exactly what the inline path seals, in order, and both
// paths must report rates. Nothing here asserts anything about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { inlineRate, workerMatchesInline, workerRate } from '../../bench/worker-seal-run.js';

const RUN = fileURLToPath(new URL('../../bench/worker-seal-run.js', import.meta.url));

for (const p of [nodeProvider, nobleProvider]) {
  test(`${p.name}: the worker seals the same bytes as the inline path`, async () => {
    assert.equal(await workerMatchesInline(p), true);
  });
}

test('both paths report positive packet rates, per wall-clock and per CPU-second', async () => {
  for (const r of [inlineRate(nodeProvider, 0.05), await workerRate(nodeProvider, 0.05)]) {
    assert.ok(Number.isFinite(r.packetsPerSecond) && r.packetsPerSecond > 0, `${r.mode}: ${r.packetsPerSecond}`);
    assert.ok(Number.isFinite(r.packetsPerCpuSecond) && r.packetsPerCpuSecond > 0, `${r.mode}: ${r.packetsPerCpuSecond}`);
  }
});

test('bad arguments exit 2 with usage', () => {
  for (const args of [['0'], ['x'], ['1', 'openssl'], ['61']]) {
    const r = spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${args.join(' ')} → ${r.status}`);
    assert.match(r.stderr, /usage:/);
  }
});
