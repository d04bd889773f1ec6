// The latency floor tool (bench/relay-floor.ts, bench/latency-floor-run.ts):
// its argument checks, and, as root, the bare relay carrying pings both ways
// beside a real tunnel, in each of its shapes, with its processes gone
// afterwards. Nothing about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRelayArgs } from '../../bench/relay-floor.js';
import { FLOOR_TOOLS, parseFloorArgs, pingFloor, relayName } from '../../bench/latency-floor-run.js';
import { pidAlive } from '../helpers/proc.js';
import { requireRoot } from '../helpers/root.js';

test('parseRelayArgs: the five positional arguments and the two shapes', () => {
  const a = parseRelayArgs(['tn0', '198.18.1.1', '40000', '198.18.1.2', '40001', '--vnet']);
  assert.ok(typeof a !== 'string', String(a));
  assert.equal(a.tun, 'tn0');
  assert.deepEqual([...a.bind], [198, 18, 1, 1]);
  assert.equal(a.port, 40000);
  assert.deepEqual([...a.peer], [198, 18, 1, 2]);
  assert.equal(a.peerPort, 40001);
  assert.equal(a.vnet, true);
  assert.equal(a.split, false);
  const b = parseRelayArgs(['--split', 'tn0', '198.18.1.1', '1', '198.18.1.2', '65535']);
  assert.ok(typeof b !== 'string' && b.split && !b.vnet);
});

test('parseRelayArgs: each bad argument is named', () => {
  const ok = ['tn0', '198.18.1.1', '40000', '198.18.1.2', '40001'];
  const bad = (i: number, v: string): string => {
    const argv = [...ok];
    argv[i] = v;
    const r = parseRelayArgs(argv);
    assert.equal(typeof r, 'string', `${v} accepted`);
    return r as string;
  };
  assert.match(bad(0, 'a-name-longer-than-15'), /interface name/);
  assert.match(bad(0, 'tn/0'), /interface name/);
  assert.match(bad(1, '198.18.1.256'), /bind address/);
  assert.match(bad(2, '0'), /bad port/);
  assert.match(bad(2, '70000'), /bad port/);
  assert.match(bad(3, '2001:db8::1'), /peer address/);
  assert.match(bad(4, 'x'), /peer port/);
  assert.match(parseRelayArgs(ok.slice(0, 4)) as string, /usage/);
  assert.match(parseRelayArgs([...ok, '--fast']) as string, /unknown option --fast/);
});

test('parseFloorArgs: defaults, shapes and the comparison implementation', () => {
  assert.deepEqual(parseFloorArgs([]), { pings: 1500, relay: { split: false, vnet: false }, against: 'wireguard-go' });
  assert.deepEqual(parseFloorArgs(['200', '--split', '--against', 'tswg']), {
    pings: 200,
    relay: { split: true, vnet: false },
    against: 'tswg',
  });
  for (const argv of [['5'], ['x'], ['10', '20'], ['--against', 'boringtun'], ['--against'], ['--spin']]) {
    assert.match(parseFloorArgs(argv) as string, /usage/, argv.join(' '));
  }
  assert.equal(relayName({ split: true, vnet: true }), 'relay-split-vnet');
  assert.equal(relayName({ split: false, vnet: false }), 'relay');
});

async function floorRun(split: boolean, vnet: boolean, against: 'tswg' | 'wireguard-go'): Promise<void> {
  const pings = 40;
  const r = await pingFloor(pings, { split, vnet }, against);
  for (const name of [relayName({ split, vnet }), against]) {
    const times = r.times.get(name) ?? [];
    assert.ok(times.length >= pings * 0.9, `${name}: ${times.length} of ${pings} replies`);
    for (const v of times) assert.ok(v > 0 && v < 1000, `${name}: reply ${v} ms`);
  }
  assert.equal(r.relayPids.length, 2);
  for (const pid of r.relayPids) assert.equal(pidAlive(pid), false, `relay ${pid} still running`);
}

test('the one-thread relay carries pings beside wireguard-go, and is gone afterwards', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t, FLOOR_TOOLS)) return;
  await floorRun(false, false, 'wireguard-go');
});

test('the split relay on a virtio-header TUN carries pings beside tswg', { timeout: 120_000 }, async (t) => {
  if (!requireRoot(t, FLOOR_TOOLS)) return;
  await floorRun(true, true, 'tswg');
});
