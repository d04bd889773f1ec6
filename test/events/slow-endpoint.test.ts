// Isolation: 1,000 events across 100 peers, two endpoints. One endpoint
// holds every response until the test releases it; the other receives all
// 1,000 meanwhile. Both see each peer's events in sequence order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventsConfig } from '../../src/events/config.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { created, updated } from './fixtures.js';
import { Receiver, memoryLogger, waitFor, type Received } from './receiver.js';

function assertPerPeerOrder(reqs: readonly Received[], what: string): void {
  const last = new Map<string, number>();
  for (const r of reqs) {
    const seq = Number(r.json.tswg.sequence);
    const prev = last.get(r.json.identifier) ?? 0;
    assert.equal(seq, prev + 1, `${what}: peer ${r.json.identifier} got sequence ${seq} after ${prev}`);
    last.set(r.json.identifier, seq);
  }
  assert.equal(last.size, 100);
  for (const v of last.values()) assert.equal(v, 10);
}

test('1,000 events / 100 peers: a stalled endpoint does not hold back the other; per-peer order on both', async (t) => {
  const fast = await Receiver.http();
  const slow = await Receiver.http();
  t.after(() => fast.close());
  t.after(() => slow.close());
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  slow.respond = () => ({ status: 200, hold: released });

  const state = await mkdtemp(join(tmpdir(), 'tswg-slow-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const r = parseEventsConfig(
    `webhooks:\n  - { name: fast, url: "${fast.url()}", max_in_flight: 16 }\n  - { name: slow, url: "${slow.url()}", max_in_flight: 8, timeout: 60s }\n`,
    'test.yaml',
  );
  assert.ok(r.ok);
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: state, config: r.config, logger: memoryLogger() });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));

  const now = Date.now();
  for (let round = 0; round < 10; round++) {
    for (let n = 1; n <= 100; n++) p.handle(round === 0 ? created(n, now) : updated(n, now, [`round${round}`]));
  }
  await waitFor(() => p.stats().endpoints['fast']!.delivered === 1000, 60_000, 'the fast endpoint to receive everything');
  assert.equal(fast.requests.length, 1000);
  assert.ok(slow.requests.length <= 8, `the stalled endpoint has at most max_in_flight requests open (${slow.requests.length})`);
  assert.equal(p.stats().endpoints['slow']!.delivered, 0);
  assert.equal(p.stats().endpoints['slow']!.queued, 1000);
  assertPerPeerOrder(fast.requests, 'fast');

  release();
  await waitFor(() => p.stats().endpoints['slow']!.delivered === 1000, 60_000, 'the slow endpoint to catch up');
  assert.equal(slow.requests.length, 1000);
  assertPerPeerOrder(slow.requests, 'slow');
  await waitFor(() => p.stats().queued === 0, 10_000, 'the outbox to empty');
});
