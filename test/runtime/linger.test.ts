import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_LINGER_MS,
  LINGER_MAX_TICK_MS,
  LINGER_TICK_MS,
  Linger,
  lingerFromEnv,
  type TimeoutPorts,
} from '../../src/runtime/linger.js';
import { Daemon } from '../../src/runtime/daemon.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { addonShaped, MemoryAddon } from '../../src/io/memory-addon.js';
import { Tun } from '../../src/io/tun.js';
import { NativeUdpBind } from '../../src/io/udp-native.js';

/** Timeouts that fire only when the test says so. */
class FakeTimeouts implements TimeoutPorts {
  pending: { fn: () => void; ms: number; id: number } | null = null;
  armed: number[] = [];
  cleared: number[] = [];
  private next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    assert.equal(this.pending, null, 'Linger keeps at most one tick pending');
    const id = this.next++;
    this.pending = { fn, ms, id };
    this.armed.push(ms);
    return id;
  }
  clearTimeout(handle: unknown): void {
    assert.equal(handle, this.pending?.id, 'clears the pending tick');
    this.cleared.push(handle as number);
    this.pending = null;
  }
  fire(): void {
    const p = this.pending;
    assert.ok(p, 'a tick is pending');
    this.pending = null;
    p.fn();
  }
}

test('touch arms one 10 ms tick; more touches add none', () => {
  const t = new FakeTimeouts();
  const l = new Linger(1000, t);
  assert.equal(l.running, false);
  l.touch();
  l.touch();
  assert.equal(l.running, true);
  assert.deepEqual(t.armed, [LINGER_TICK_MS]);
});

test('while traffic keeps coming the tick stays at 10 ms', () => {
  const t = new FakeTimeouts();
  const l = new Linger(1000, t);
  l.touch();
  for (let i = 0; i < 50; i++) {
    l.touch();
    t.fire();
  }
  assert.ok(t.armed.every((ms) => ms === LINGER_TICK_MS), String(t.armed));
  assert.equal(l.running, true);
});

test('quiet ticks double up to 100 ms and stop once lingerMs passed without traffic', () => {
  const t = new FakeTimeouts();
  const l = new Linger(1000, t);
  l.touch();
  t.fire(); // the touch's own tick: saw traffic, re-arms at 10
  let quiet = 0;
  while (l.running) {
    quiet += t.pending!.ms;
    t.fire();
  }
  assert.deepEqual(t.armed.slice(0, 6), [10, 10, 20, 40, 80, 100]);
  assert.ok(t.armed.slice(5).every((ms) => ms === LINGER_MAX_TICK_MS));
  assert.ok(quiet >= 1000 && quiet < 1000 + LINGER_MAX_TICK_MS, `stopped after ${quiet} ms of quiet`);
  assert.equal(t.pending, null);
});

test('traffic during the back-off resets it to 10 ms; a touch after the stop starts over', () => {
  const t = new FakeTimeouts();
  const l = new Linger(500, t);
  l.touch();
  t.fire();
  t.fire();
  t.fire();
  assert.equal(l.nextTickMs, 40);
  l.touch();
  t.fire();
  assert.equal(l.nextTickMs, LINGER_TICK_MS);
  while (l.running) t.fire();
  l.touch();
  assert.equal(l.running, true);
  assert.equal(t.pending!.ms, LINGER_TICK_MS);
});

test('stop cancels the pending tick and is idempotent; lingerMs 0 never ticks', () => {
  const t = new FakeTimeouts();
  const l = new Linger(1000, t);
  l.touch();
  l.stop();
  l.stop();
  assert.equal(t.cleared.length, 1);
  assert.equal(l.running, false);
  const off = new Linger(0, t);
  off.touch();
  assert.equal(off.running, false);
  assert.equal(t.pending, null);
});

test('TSWG_LINGER_MS: whole milliseconds, anything else means the default', () => {
  assert.equal(lingerFromEnv(undefined), DEFAULT_LINGER_MS);
  assert.equal(lingerFromEnv('0'), 0);
  assert.equal(lingerFromEnv(' 2500 '), 2500);
  for (const bad of ['', 'abc', '-1', '1e4', '2.5', '99999999']) assert.equal(lingerFromEnv(bad), DEFAULT_LINGER_MS, bad);
});

test('a daemon lingers after a TUN batch and stops lingering when closed', async () => {
  const mem = new MemoryAddon();
  const native = addonShaped(mem, null);
  const tun = Tun.create('mem0', { native, offload: false });
  const d = await Daemon.start({ tun, crypto: nodeProvider, warmup: false, udp: () => new NativeUdpBind({ native }) });
  try {
    assert.equal(d.lingering, false, 'no traffic yet');
    // Any packet counts, routed or not: this one has no peer and is dropped.
    const ip = new Uint8Array(28);
    ip.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]);
    mem.readFromTun(tun.fd, [ip]);
    assert.ok(mem.deliver() > 0);
    assert.equal(d.lingering, true);
  } finally {
    await d.close();
  }
  assert.equal(d.lingering, false);
});
