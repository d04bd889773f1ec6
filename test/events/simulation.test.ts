// The tracker on top of the real core Device (sans-IO, in-memory network,
// fake clock): long traffic with rekeys gives exactly one connect, an idle
// tunnel with persistent keepalive stays connected, a vanished peer gives one
// disconnect within REJECT_AFTER_TIME + grace, and a flap within the grace
// gives nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionTracker } from '../../src/events/connection-tracker.js';
import { EventIdGenerator } from '../../src/events/event-id.js';
import type { PortalEvent } from '../../src/events/portal-event.js';
import type { Scheduler } from '../../src/events/ports.js';
import type { DeviceEvent } from '../../src/core/events.js';
import { REJECT_AFTER_TIME_MS } from '../../src/wire/constants.js';
import { toBase64 } from '../../src/util/bytes.js';
import { MemoryNet, ipv4Packet, pair, seqPayload, type NetNode } from '../helpers/memory-net.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const GRACE = 15_000;
const MIN = 60_000;

/** A Scheduler on the simulation's own timeline. */
function netScheduler(net: MemoryNet): Scheduler {
  return {
    setTimer(delayMs, fn) {
      let live = true;
      net.at(net.now + delayMs, () => {
        if (live) fn();
      });
      return () => {
        live = false;
      };
    },
  };
}

function attach(net: MemoryNet, node: NetNode, seed: number): PortalEvent[] {
  const out: PortalEvent[] = [];
  const tracker = new ConnectionTracker({
    ifname: node.name,
    clock: net.clock,
    scheduler: netScheduler(net),
    ids: new EventIdGenerator(net.clock, new SeededRandom(seed)),
    graceMs: GRACE,
    onEvent: (e) => out.push(e),
  });
  const orig = node.emit.bind(node);
  node.emit = (ev: DeviceEvent) => {
    orig(ev);
    tracker.handle(ev);
  };
  return out;
}

function setup(seed: number, opts: Parameters<typeof pair>[2] = {}) {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  const ea = attach(net, a, seed + 1);
  const eb = attach(net, b, seed + 2);
  pair(a, b, opts);
  a.device.setUp(true);
  b.device.setUp(true);
  return { net, a, b, ea, eb };
}

const kinds = (evs: PortalEvent[]) => evs.filter((e) => e.envelope.event === 'connect' || e.envelope.event === 'disconnect').map((e) => e.envelope.event);

test('30 simulated minutes of two-way traffic with rekeys: exactly one connect per side, no disconnect', () => {
  const { net, a, b, ea, eb } = setup(11);
  let seq = 0;
  net.every(1000, net.now + 30 * MIN, () => {
    a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(seq++)));
    if (seq % 3 === 0) b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(seq)));
  });
  net.run(30 * MIN + 1000);
  assert.ok(a.eventsOf('session.confirmed').length >= 14, 'rekeys happened (about every 2 minutes)');
  assert.deepEqual(kinds(ea), ['connect']);
  assert.deepEqual(kinds(eb), ['connect']);
  assert.equal(ea[ea.length - 1]!.envelope.identifier, toBase64(b.publicKey));
});

test('idle tunnel with persistent keepalive stays connected for 30 minutes', () => {
  const { net, a, ea, eb } = setup(12, { pkaA: 25 });
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(30 * MIN);
  assert.deepEqual(kinds(ea), ['connect']);
  assert.deepEqual(kinds(eb), ['connect']);
});

test('a vanished peer gives one disconnect, with a reason, within REJECT_AFTER_TIME + grace', () => {
  const { net, a, b, ea } = setup(13, { pkaA: 25 });
  let seq = 0;
  net.every(1000, net.now + 5 * MIN, () => a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(seq++))));
  net.run(2 * MIN);
  assert.deepEqual(kinds(ea), ['connect']);
  const vanishedWall = net.clock.wallNow();
  b.online = false;
  net.run(REJECT_AFTER_TIME_MS + GRACE);
  assert.deepEqual(kinds(ea), ['connect', 'disconnect']);
  const d = ea.find((e) => e.envelope.event === 'disconnect')!.envelope;
  assert.ok(['expired', 'handshake-failed'].includes(String(d.tswg.reason)), `reason ${d.tswg.reason}`);
  const emitted = Date.parse(d.tswg.emittedAt);
  assert.ok(emitted <= vanishedWall + REJECT_AFTER_TIME_MS + GRACE, 'within the bound');
  assert.equal(Date.parse(d.tswg.emittedAt) - Date.parse(d.tswg.occurredAt), GRACE, 'emitted one grace after the loss');
  net.run(30 * MIN);
  assert.deepEqual(kinds(ea), ['connect', 'disconnect'], 'no more events while it stays away');
});

test('session expiry followed by a new handshake within the grace: no disconnect, no second connect', () => {
  const { net, a, ea, eb } = setup(14);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(10_000);
  assert.deepEqual(kinds(ea), ['connect']);
  // Idle on both sides: the keypair expires at REJECT_AFTER_TIME (session.expired) ...
  net.run(REJECT_AFTER_TIME_MS);
  assert.ok(a.eventsOf('session.expired').length >= 1, 'the session expired');
  // ... and traffic resumes a few seconds later: a new session inside the grace.
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(2)));
  net.run(2 * MIN); // well past the grace, before the new session's own expiry
  assert.deepEqual(kinds(ea), ['connect']);
  assert.deepEqual(kinds(eb), ['connect']);
  net.run(2 * MIN); // the idle new session expires in turn: now a disconnect
  assert.deepEqual(kinds(ea), ['connect', 'disconnect']);
});

test('the same expiry without traffic resuming: one disconnect (expired) after the grace', () => {
  const { net, a, ea } = setup(15);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(10 * MIN);
  assert.deepEqual(kinds(ea), ['connect', 'disconnect']);
  assert.equal(ea.find((e) => e.envelope.event === 'disconnect')!.envelope.tswg.reason, 'expired');
});
