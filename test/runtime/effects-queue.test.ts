// The daemon's Effects sink: effects of one synchronous batch reach the
// drain once, in order, in a microtask after the batch; events go straight
// through; what the drain takes is gone, what it leaves stays queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EffectsQueue } from '../../src/runtime/effects-queue.js';
import type { DeviceEvent } from '../../src/core/events.js';

const EP1 = { address: '198.18.0.1', port: 1 };
const EP2 = { address: '198.18.0.2', port: 2 };

test('one batch is drained once, after it, with everything in order', async () => {
  const drains: { to: string[]; data: number[]; rx: number[] }[] = [];
  const q = new EffectsQueue((queue) => {
    const { to, data } = queue.takeTx();
    drains.push({ to: to.map((e) => e.address), data: data.map((d) => d[0]!), rx: queue.takeRx().map((p) => p[0]!) });
  }, () => undefined);
  q.transmit(EP1, Uint8Array.of(1));
  q.deliver(Uint8Array.of(10));
  q.transmit(EP2, Uint8Array.of(2));
  q.transmit(EP1, Uint8Array.of(3));
  assert.equal(drains.length, 0, 'nothing is drained inside the batch');
  await Promise.resolve();
  assert.deepEqual(drains, [{ to: ['198.18.0.1', '198.18.0.2', '198.18.0.1'], data: [1, 2, 3], rx: [10] }]);
  q.deliver(Uint8Array.of(11));
  await Promise.resolve();
  assert.deepEqual(drains[1], { to: [], data: [], rx: [11] }, 'the next batch gets its own drain');
});

test('events are passed on at once, not queued', () => {
  const seen: string[] = [];
  const q = new EffectsQueue(() => seen.push('drain'), (ev) => seen.push(ev.type));
  q.emit({ type: 'peer.silent' } as DeviceEvent);
  assert.deepEqual(seen, ['peer.silent']);
});

test('drainNow hands over synchronously and what the drain leaves stays queued', async () => {
  let calls = 0;
  const q = new EffectsQueue((queue) => {
    calls++;
    queue.takeRx(); // takes packets, leaves datagrams
  }, () => undefined);
  q.transmit(EP1, Uint8Array.of(1));
  q.deliver(Uint8Array.of(2));
  q.drainNow();
  assert.equal(calls, 1);
  assert.equal(q.rx.length, 0);
  assert.equal(q.txData.length, 1, 'untaken datagrams are kept');
  await Promise.resolve();
  assert.equal(calls, 2, 'the scheduled microtask still runs once');
});

test('a batch drains synchronously at its end, without a microtask', async () => {
  let drains = 0;
  let seen: number[] = [];
  const q = new EffectsQueue((queue) => {
    drains++;
    seen = queue.takeRx().map((p) => p[0]!);
    queue.takeTx();
  }, () => undefined);
  q.beginBatch();
  q.deliver(Uint8Array.of(1));
  q.transmit(EP1, Uint8Array.of(2));
  q.deliver(Uint8Array.of(3));
  assert.equal(drains, 0, 'nothing leaves inside the batch');
  q.endBatch();
  assert.equal(drains, 1);
  assert.deepEqual(seen, [1, 3]);
  await Promise.resolve();
  assert.equal(drains, 1, 'no extra microtask drain was scheduled');
  q.beginBatch();
  q.endBatch();
  assert.equal(drains, 1, 'an empty batch does not call the drain');
  q.deliver(Uint8Array.of(4));
  await Promise.resolve();
  assert.equal(drains, 2, 'outside a batch the microtask drain is back');
});
