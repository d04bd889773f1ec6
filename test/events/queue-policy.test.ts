// Queue policies: the bound (drop the oldest, one log line per burst with a
// count), a journal that fails (one clear log line, delivery continues from
// memory), an unusable state directory, and a reload that keeps queued events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventsConfig, type EventsConfig } from '../../src/events/config.js';
import { Outbox } from '../../src/events/outbox.js';
import type { Journal, Scheduler } from '../../src/events/ports.js';
import { EventIdGenerator } from '../../src/events/event-id.js';
import { createHttpTransport } from '../../src/io/http-client.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { systemClock, systemRandom } from '../../src/io/system-ports.js';
import { created, updated } from './fixtures.js';
import { Receiver, memoryLogger, waitFor } from './receiver.js';

function config(yaml: string): EventsConfig {
  const r = parseEventsConfig(yaml, 'test.yaml');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

test('queue.max_events: the oldest pending events are dropped, counted, and logged once per burst', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  rx.respond = () => ({ status: 200, hold: released });
  const state = await mkdtemp(join(tmpdir(), 'tswg-bound-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const logger = memoryLogger();
  const p = await createEventPipeline({
    ifname: 'wg0',
    stateDir: state,
    logger,
    config: config(`queue: { max_events: 5 }\nwebhooks:\n  - { name: e, url: "${rx.url()}", max_in_flight: 1 }\n`),
  });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  const ids: string[] = [];
  p.events.on('event', (ev) => ids.push(ev.tswg.eventId));
  p.handle(created(1, Date.now()));
  await waitFor(() => rx.requests.length === 1, 5000, 'first request in flight');
  for (let i = 0; i < 19; i++) p.handle(updated(1, Date.now(), [`n${i}`]));
  assert.equal(p.stats().queued, 5);
  assert.equal(p.stats().droppedQueueFull, 15);
  await waitFor(() => logger.lines.some((l) => l.includes('queue full')), 5000, 'the burst log line');
  assert.deepEqual(
    logger.lines.filter((l) => l.includes('queue full')),
    ['warn: event queue full (queue.max_events=5): dropped the 15 oldest pending event(s)'],
  );
  release();
  await waitFor(() => p.stats().queued === 0 && p.stats().endpoints['e']!.inFlight === 0, 10_000, 'drain');
  const delivered = rx.requests.map((r) => String(r.headers['webhook-id']));
  assert.deepEqual(delivered, [ids[0], ...ids.slice(-5)], 'the one in flight, then the 5 newest, in order');
  assert.equal(p.stats().endpoints['e']!.dropped, 14, 'the in-flight event could not be recalled and was delivered');
});

test('a journal that starts failing: one clear log line, delivery continues from memory', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  const logger = memoryLogger();
  let writes = 0;
  const failing: Journal = {
    appendEvent: () => (++writes > 2 ? Promise.reject(new Error('ENOSPC: no space left on device')) : Promise.resolve()),
    appendAck: () => Promise.resolve(),
    appendDiscard: () => Promise.resolve(),
    appendConnection: () => Promise.resolve(),
    compact: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  const scheduler: Scheduler = {
    setTimer(ms, fn) {
      const h = setTimeout(fn, ms);
      return () => clearTimeout(h);
    },
  };
  const cfg = config(`webhooks:\n  - { name: e, url: "${rx.url()}" }\n`);
  const outbox = new Outbox(cfg, {
    clock: systemClock,
    random: systemRandom,
    scheduler,
    logger,
    journal: failing,
    transportFor: (e) => createHttpTransport({ tls: e.tls, connections: e.maxInFlight }),
    state: () => ({ sequences: {}, connected: {} }),
  });
  t.after(() => outbox.close());
  const ids = new EventIdGenerator(systemClock, systemRandom);
  for (let i = 0; i < 6; i++) {
    const id = ids.next();
    outbox.enqueue({ id, key: 'k', envelope: { event: 'update', entity: 'peer', identifier: 'k', payload: {} as never, tswg: { eventId: id } as never } }, i + 1);
  }
  await waitFor(() => outbox.stats().queued === 0, 5000, 'all six delivered');
  assert.equal(rx.requests.length, 6);
  assert.equal(outbox.stats().storage, 'memory');
  const errs = logger.lines.filter((l) => l.includes('disk error'));
  assert.equal(errs.length, 1);
  assert.match(errs[0]!, /ENOSPC.*continuing without persistence/);
});

test('an unusable state directory: logged, memory only, events still delivered', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  const base = await mkdtemp(join(tmpdir(), 'tswg-nodir-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  await writeFile(join(base, 'file'), 'x');
  const logger = memoryLogger();
  const p = await createEventPipeline({
    ifname: 'wg0',
    stateDir: join(base, 'file', 'sub'),
    logger,
    config: config(`webhooks:\n  - { name: e, url: "${rx.url()}" }\n`),
  });
  t.after(() => p.close({ shutdown: false }));
  assert.equal(p.stats().storage, 'memory');
  assert.ok(logger.lines.some((l) => /event journal in .* unavailable .*ENOTDIR/.test(l)), logger.lines.join('\n'));
  p.handle(created(1, Date.now()));
  await waitFor(() => rx.requests.length === 1, 5000, 'delivery');
});

test('reload keeps queued events and applies the new settings to them', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  rx.respond = (r) => ({ status: r.headers['x-version'] === '2' ? 200 : 503 });
  const state = await mkdtemp(join(tmpdir(), 'tswg-reload-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const yaml = (v: number) =>
    `webhooks:\n  - name: e\n    url: ${rx.url()}\n    headers: { X-Version: "${v}" }\n    retry: { initial_interval: 20ms, max_interval: 50ms }\n`;
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: state, logger: memoryLogger(), config: config(yaml(1)) });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  for (let n = 1; n <= 4; n++) p.handle(created(n, Date.now()));
  await waitFor(() => p.stats().endpoints['e']!.retried >= 4, 5000, 'failures with the old settings');
  assert.equal(p.stats().queued, 4);
  p.reload(config(yaml(2)));
  await waitFor(() => p.stats().queued === 0, 5000, 'delivery with the new settings');
  assert.equal(p.stats().endpoints['e']!.delivered, 4, 'counters survive the reload');
  assert.equal(rx.requests.filter((r) => r.headers['x-version'] === '2').length, 4);
});
