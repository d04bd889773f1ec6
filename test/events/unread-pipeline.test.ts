// A pipeline nobody reads (no webhook endpoint, no journal, no subscriber)
// skips the per-peer configuration facts of peers it does not track, so a
// bulk `wg setconf` builds no events; connection facts still drive the
// tracker, and as soon as anyone subscribes every event is built again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEventsConfig } from '../../src/events/config.js';
import type { PortalEnvelope } from '../../src/events/portal-event.js';
import { PortalEventEmitter } from '../../src/events/emitter.js';
import { createEventPipeline } from '../../src/runtime/webhooks.js';
import { confirmed, created, expired, peerId, removed, updated } from './fixtures.js';
import { memoryLogger } from './receiver.js';

test('emitter: hasSubscribers follows on/off and streams', async () => {
  const e = new PortalEventEmitter();
  assert.equal(e.hasSubscribers(), false);
  const fn = (): void => undefined;
  e.on('connect', fn);
  assert.equal(e.hasSubscribers(), true);
  e.off('connect', fn);
  assert.equal(e.hasSubscribers(), false);
  const s = e.stream();
  assert.equal(e.hasSubscribers(), true);
  await s.return?.();
  assert.equal(e.hasSubscribers(), false);
});

test('no consumer: peer.created/updated of unknown peers are skipped, connection state is still tracked', async (t) => {
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: null, config: defaultEventsConfig(), logger: memoryLogger() });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  for (let n = 1; n <= 50; n++) p.handle(created(n, 1000 + n));
  p.handle(updated(3, 2000));
  // Peer 7 connects while nobody listens: the tracker knows it from then on.
  p.handle(confirmed(7, 3000, true));
  assert.equal(p.stats().connectedPeers, 1);

  const seen: PortalEnvelope[] = [];
  p.events.on('event', (ev) => seen.push(ev));
  p.handle(updated(7, 4000, ['endpoint']));
  p.handle(created(60, 4100));
  p.handle(expired(7, 5000));
  p.handle(removed(60, 6000));
  const kinds = seen.map((ev) => `${ev.event}/${ev.identifier}`);
  assert.deepEqual(kinds.slice(0, 2), [`update/${peerId(7)}`, `create/${peerId(60)}`]);
  assert.ok(kinds.includes(`delete/${peerId(60)}`), kinds.join(' '));
  // Peer 60 was created while subscribed: its sequence starts at 1 (create) and continues.
  const seq60 = seen.filter((ev) => ev.identifier === peerId(60)).map((ev) => ev.tswg.sequence);
  assert.deepEqual(seq60, [1, 2]);
});

test('with a subscriber from the start every create is built, in order', async (t) => {
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: null, config: defaultEventsConfig(), logger: memoryLogger() });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  const seen: string[] = [];
  p.events.on('create', (ev) => seen.push(ev.identifier));
  for (let n = 1; n <= 20; n++) p.handle(created(n, 1000 + n));
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => peerId(i + 1)));
});

test('no consumer: removing a tracked (connected) peer still drops it; removing an unknown one is a no-op', async (t) => {
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: null, config: defaultEventsConfig(), logger: memoryLogger() });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  p.handle(confirmed(4, 1000, true));
  p.handle(confirmed(5, 1000, true));
  assert.equal(p.stats().connectedPeers, 2);
  p.handle(removed(4, 2000));
  p.handle(removed(99, 2000));
  assert.equal(p.stats().connectedPeers, 1);
  // A subscriber arriving now sees peer 5's disconnect at shutdown, and nothing about 4 or 99.
  const seen: string[] = [];
  p.events.on('event', (ev) => seen.push(`${ev.event}/${ev.identifier}`));
  await p.close({ flushTimeoutMs: 0 });
  assert.deepEqual(seen, [`disconnect/${peerId(5)}`]);
});

test('a peer created while nobody listened still gets its delete once a subscriber is there', async (t) => {
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: null, config: defaultEventsConfig(), logger: memoryLogger() });
  t.after(() => p.close({ shutdown: false, flushTimeoutMs: 0 }));
  p.handle(created(3, 1000));
  const seen: PortalEnvelope[] = [];
  p.events.on('event', (ev) => seen.push(ev));
  p.handle(removed(3, 2000));
  assert.deepEqual(
    seen.map((ev) => `${ev.event}/${ev.entity}/${ev.identifier}`),
    [`delete/peer/${peerId(3)}`],
  );
});
