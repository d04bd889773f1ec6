// Connection tracker under a fake clock: connect on key confirmation, no
// events for rekeys or flaps within the grace, one disconnect with a reason
// after it, and the local causes (remove, interface delete, shutdown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionTracker } from '../../src/events/connection-tracker.js';
import { EventIdGenerator } from '../../src/events/event-id.js';
import type { PortalEvent } from '../../src/events/portal-event.js';
import type { DeviceEvent } from '../../src/core/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { FakeScheduler } from './fake-scheduler.js';
import { IFACE, confirmed, created, expired, gaveUp, peer, peerId, removed, roamed, silent } from './fixtures.js';

const GRACE = 15_000;

function setup(graceMs = GRACE) {
  const clock = new FakeClock();
  const sched = new FakeScheduler(clock);
  const out: PortalEvent[] = [];
  const tracker = new ConnectionTracker({
    ifname: 'wg0',
    clock,
    scheduler: sched,
    ids: new EventIdGenerator(clock, new SeededRandom(7)),
    graceMs,
    peerName: (k) => (k === peerId(1) ? 'alice' : undefined),
    onEvent: (e) => out.push(e),
  });
  const feed = (f: (at: number) => DeviceEvent) => tracker.handle(f(clock.wallNow()));
  const names = () => out.map((e) => `${e.envelope.event}:${e.envelope.entity}`);
  return { clock, sched, out, tracker, feed, names };
}

test('first key confirmation emits one connect with reason handshake; rekeys emit nothing for 30 minutes', () => {
  const { sched, out, feed } = setup();
  feed((at) => created(1, at));
  feed((at) => confirmed(1, at, true));
  // 30 simulated minutes: a rekey every 120 s + keepalive jitter, handshake initiations and roaming in between.
  for (let i = 0; i < 15; i++) {
    sched.advance(121_000);
    feed((at) => ({ type: 'handshake.initiated', at, peer: peer(1), isRetry: false }));
    feed((at) => confirmed(1, at, false));
    if (i === 7) feed((at) => roamed(1, at, { address: '2001:db8::7', port: 4000 }));
  }
  sched.advance(60_000);
  const kinds = out.map((e) => e.envelope.event);
  assert.deepEqual(kinds, ['create', 'connect']);
  assert.equal(out[1]!.envelope.tswg.reason, 'handshake');
  assert.equal(out[1]!.envelope.tswg.peerName, 'alice');
});

test('flapping within the grace emits nothing; the peer stays connected', () => {
  const { sched, out, feed, tracker } = setup();
  feed((at) => confirmed(1, at, true));
  assert.equal(out.length, 1);
  for (let i = 0; i < 5; i++) {
    feed((at) => expired(1, at));
    sched.advance(GRACE - 1000);
    feed((at) => confirmed(1, at, true));
    sched.advance(30_000);
  }
  sched.advance(10 * GRACE);
  assert.deepEqual(out.map((e) => e.envelope.event), ['connect']);
  assert.deepEqual(tracker.connectedPeers(), [peerId(1)]);
});

test('loss emits exactly one disconnect after the grace, with the reason and the loss time', () => {
  const { clock, sched, out, feed } = setup();
  const start = clock.wallNow();
  feed((at) => confirmed(1, at, true));
  sched.advance(200_000);
  const lostAt = clock.wallNow();
  feed((at) => expired(1, at, { rxBytes: 5000, txBytes: 7000, lastHandshakeWallMs: start }));
  const later = peer(1, { rxBytes: 5000, txBytes: 7000, lastHandshakeWallMs: start });
  feed((at) => ({ type: 'handshake.gave-up', at, peer: later, attempts: 20 })); // a later loss keeps the first reason
  sched.advance(GRACE - 1);
  assert.equal(out.length, 1, 'nothing before the grace ends');
  sched.advance(1);
  assert.equal(out.length, 2);
  const d = out[1]!.envelope;
  assert.equal(d.event, 'disconnect');
  assert.equal(d.tswg.reason, 'expired');
  assert.equal(d.tswg.occurredAt, new Date(lostAt).toISOString());
  assert.equal(d.tswg.sessionDurationSeconds, 200);
  const p = d.payload as unknown as Record<string, unknown>;
  assert.equal(p.IsConnected, false);
  assert.equal(p.BytesReceived, 5000);
  assert.equal(p.BytesTransmitted, 7000);
  assert.equal(p.LastSessionStart, new Date(start).toISOString());
  sched.advance(10 * GRACE);
  assert.equal(out.length, 2, 'no further events');
});

test('reasons: handshake.gave-up → handshake-failed, peer.silent → expired (detail silent), interface.down → interface-down', () => {
  const { sched, out, feed } = setup();
  feed((at) => confirmed(1, at, true));
  feed((at) => confirmed(2, at, true));
  feed((at) => confirmed(3, at, true));
  feed((at) => gaveUp(1, at));
  feed((at) => silent(2, at));
  feed((at) => ({ type: 'interface.down', at, iface: IFACE }));
  sched.advance(GRACE);
  const disc = out.filter((e) => e.envelope.event === 'disconnect');
  assert.deepEqual(
    disc.map((e) => [e.envelope.identifier, e.envelope.tswg.reason, e.envelope.tswg.detail]),
    [
      [peerId(1), 'handshake-failed', undefined],
      [peerId(2), 'expired', 'silent'],
      [peerId(3), 'interface-down', undefined],
    ],
  );
});

test('interface down then up with reconnects within the grace emits nothing', () => {
  const { sched, out, feed } = setup();
  feed((at) => confirmed(1, at, true));
  feed((at) => ({ type: 'interface.down', at, iface: IFACE }));
  sched.advance(2000);
  feed((at) => ({ type: 'interface.up', at, iface: IFACE }));
  feed((at) => confirmed(1, at, true));
  sched.advance(5 * GRACE);
  assert.deepEqual(out.map((e) => e.envelope.event), ['connect']);
});

test('removing a connected peer emits disconnect (removed) then delete at once; during a grace the first reason is kept', () => {
  const { sched, out, feed, names } = setup();
  feed((at) => created(1, at));
  feed((at) => confirmed(1, at, true));
  feed((at) => removed(1, at));
  assert.deepEqual(names(), ['create:peer', 'connect:peer', 'disconnect:peer', 'delete:peer']);
  assert.equal(out[2]!.envelope.tswg.reason, 'removed');
  assert.deepEqual(out.map((e) => e.envelope.tswg.sequence), [1, 2, 3, 4]);

  feed((at) => created(2, at));
  feed((at) => confirmed(2, at, true));
  feed((at) => expired(2, at));
  sched.advance(3000);
  feed((at) => removed(2, at));
  const last = out.slice(-2).map((e) => [e.envelope.event, e.envelope.tswg.reason]);
  assert.deepEqual(last, [
    ['disconnect', 'expired'],
    ['delete', undefined],
  ]);
  sched.advance(5 * GRACE);
  assert.equal(out.filter((e) => e.envelope.event === 'disconnect').length, 2, 'the cancelled grace timer emits nothing');

  feed((at) => created(3, at));
  feed((at) => removed(3, at, false));
  assert.deepEqual(names().slice(-2), ['create:peer', 'delete:peer'], 'a peer never connected gets no disconnect');
});

test('interface delete: per peer disconnect (if connected) and delete, then the interface delete', () => {
  const { out, feed, tracker, names } = setup();
  tracker.interfaceCreated(IFACE);
  feed((at) => created(1, at));
  feed((at) => created(2, at));
  feed((at) => confirmed(1, at, true));
  tracker.interfaceDeleted();
  assert.deepEqual(names(), [
    'create:interface',
    'create:peer',
    'create:peer',
    'connect:peer',
    'disconnect:peer',
    'delete:peer',
    'delete:peer',
    'delete:interface',
  ]);
  assert.equal(out[4]!.envelope.tswg.reason, 'interface-down');
  assert.equal(out[7]!.envelope.identifier, 'wg0');
  assert.equal(out[7]!.key, 'interface:wg0');
});

test('shutdown: connected peers get disconnect(shutdown) at once; later input is ignored', () => {
  const { sched, out, feed, tracker } = setup();
  feed((at) => confirmed(1, at, true));
  feed((at) => confirmed(2, at, true));
  feed((at) => gaveUp(2, at));
  tracker.shutdown();
  assert.deepEqual(
    out.filter((e) => e.envelope.event === 'disconnect').map((e) => e.envelope.tswg.reason),
    ['shutdown', 'handshake-failed'],
  );
  feed((at) => confirmed(3, at, true));
  sched.advance(5 * GRACE);
  assert.equal(out.length, 4);
});

test('shutdown after the device already went down (daemon stop order): reason shutdown, not interface-down', () => {
  const { out, feed, tracker } = setup();
  feed((at) => confirmed(1, at, true));
  feed((at) => ({ type: 'interface.down', at, iface: IFACE }));
  tracker.shutdown();
  const d = out.filter((e) => e.envelope.event === 'disconnect');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.envelope.tswg.reason, 'shutdown');
});

test('disconnect_grace 0 emits at once; ids are unique and sort in emission order', () => {
  const { out, feed } = setup(0);
  for (let i = 0; i < 50; i++) {
    feed((at) => confirmed(1, at, true));
    feed((at) => expired(1, at));
  }
  assert.equal(out.length, 100);
  assert.deepEqual(
    out.map((e) => e.envelope.event),
    Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? 'connect' : 'disconnect')),
  );
  const ids = out.map((e) => e.id);
  assert.equal(new Set(ids).size, 100);
  assert.deepEqual([...ids].sort(), ids, 'same-millisecond ids still sort in order');
  assert.deepEqual(out.map((e) => e.envelope.tswg.sequence), Array.from({ length: 100 }, (_, i) => i + 1));
});

test('sequences continue from restored values and are kept per key', () => {
  const clock = new FakeClock();
  const out: PortalEvent[] = [];
  const tracker = new ConnectionTracker({
    ifname: 'wg0',
    clock,
    scheduler: new FakeScheduler(clock),
    ids: new EventIdGenerator(clock, new SeededRandom(1)),
    graceMs: GRACE,
    sequences: { [peerId(1)]: 41 },
    onEvent: (e) => out.push(e),
  });
  tracker.handle(confirmed(1, clock.wallNow(), true));
  tracker.handle(created(2, clock.wallNow()));
  assert.deepEqual(out.map((e) => e.envelope.tswg.sequence), [42, 1]);
  assert.equal(tracker.sequences()[peerId(1)], 42);
});
