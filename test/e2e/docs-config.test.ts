// Every YAML configuration shown in docs/events.md is valid for the real
// parser, and means what the docs say it means.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/impl.js';
import { parseEventsConfig } from '../../src/events/config.js';

const blocks = [...readFileSync(join(REPO_ROOT, 'docs', 'events.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('the YAML examples in docs/events.md parse', () => {
  assert.equal(blocks.length, 2);
  const [seed, full] = blocks.map((b, i) => {
    const r = parseEventsConfig(b, `docs-block-${i}.yaml`);
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    return r.config;
  });
  assert.equal(seed!.endpoints.length, 1);
  assert.equal(seed!.endpoints[0]!.authorization, 'Basic dXNlcm5hbWU6cGFzc3dvcmQ=');
  assert.equal(seed!.endpoints[0]!.timeoutMs, 10_000);
  const e = full!.endpoints[0]!;
  assert.equal(e.name, 'portal');
  assert.deepEqual(e.events, ['connect', 'disconnect']);
  assert.deepEqual(e.entities, ['peer']);
  assert.deepEqual(e.headers, { 'X-Source': 'tswg' });
  assert.deepEqual(e.retry, { initialMs: 1000, maxMs: 300_000, maxAttempts: 0 });
  assert.equal(e.tls.insecure, false);
  assert.equal(full!.disconnectGraceMs, 15_000);
  assert.equal(full!.queue.maxEvents, 100_000);
  assert.equal(full!.peerNames.size, 2);
  assert.deepEqual(full!.probe, { intervalMs: 30_000, timeoutMs: 5000 });
});
