// The drop report turns Device.drops into log lines: only reasons that grew
// since the last report, counts only (no packet bytes, no keys), totals at
// the end; a real Device fed garbage and unroutable packets drives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Device } from '../../src/core/device.js';
import { newDropCounters } from '../../src/core/effects.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { generatePrivateKey } from '../../src/crypto/keys.js';
import { DropReporter, dropDelta, dropTotals } from '../../src/runtime/drop-report.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SeededRandom } from '../helpers/seeded-random.js';

test('dropDelta lists only the reasons that grew, and remembers where it stopped', () => {
  const c = newDropCounters();
  const prev: Record<string, number> = {};
  assert.equal(dropDelta(prev, c), null);
  c['bad-mac1'] = 3;
  c['no-route'] = 1;
  assert.equal(dropDelta(prev, c), 'bad-mac1 3, no-route 1');
  assert.equal(dropDelta(prev, c), null, 'nothing new');
  c['bad-mac1'] = 5;
  assert.equal(dropDelta(prev, c), 'bad-mac1 2');
  assert.equal(dropTotals(c), 'bad-mac1 5, no-route 1');
  assert.equal(dropTotals(newDropCounters()), 'none');
});

test('a Device fed garbage and unroutable packets is reported by reason, without their bytes', () => {
  const random = new SeededRandom(7);
  const device = new Device({
    crypto: nodeProvider,
    clock: new FakeClock(),
    random,
    effects: { transmit: () => undefined, deliver: () => undefined, emit: () => undefined },
  });
  assert.equal(device.apply({ privateKey: generatePrivateKey(random), listenPort: 51820, peers: [] }), null);
  device.setUp(true);
  const lines: string[] = [];
  const r = new DropReporter(() => device.drops, (l) => lines.push(l), 60_000);
  const secretLooking = new Uint8Array(148).fill(0xab);
  secretLooking.set([1, 0, 0, 0]); // initiation type, reserved zero: reaches the mac1 check
  for (let i = 0; i < 4; i++) device.receiveDatagram(secretLooking, { address: '198.18.0.9', port: 9 });
  device.receiveDatagram(new Uint8Array([9, 0, 0, 0]), { address: '198.18.0.9', port: 9 });
  const ip = new Uint8Array(28);
  ip[0] = 0x45;
  ip[3] = 28;
  ip.set([198, 19, 9, 9], 16);
  device.sendPacket(ip);
  assert.equal(r.report(), 'dropped since the last report: unknown-type 1, bad-mac1 4, no-route 1');
  assert.equal(r.report(), null, 'nothing new since');
  assert.deepEqual(lines, ['dropped since the last report: unknown-type 1, bad-mac1 4, no-route 1']);
  assert.ok(!lines.join('').includes('ab'), 'no packet bytes in the line');
  r.start();
  r.stop();
});

test("the daemon's own reasons (e.g. handshake-queue-full) are reported beside the core's", () => {
  const lines: string[] = [];
  let queueFull = 0;
  const r = new DropReporter(() => ({ ...newDropCounters(), 'handshake-queue-full': queueFull }), (l) => lines.push(l), 60_000);
  assert.equal(r.report(), null);
  queueFull = 7;
  assert.equal(r.report(), 'dropped since the last report: handshake-queue-full 7');
  assert.equal(dropTotals({ ...newDropCounters(), 'handshake-queue-full': queueFull }), 'handshake-queue-full 7');
  assert.deepEqual(lines, ['dropped since the last report: handshake-queue-full 7']);
});
