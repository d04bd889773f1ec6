// The latency-hops diagnostic end to end (root, tcpdump): real tunnels of
// each implementation, real captures, every ping followed through both
// namespaces. Asserts only that the captures are paired correctly — every
// hop non-negative, and the veth hops (a datagram seen leaving one
// namespace and, by its counter, arriving in the other) microseconds long
// in the typical ping: a datagram paired with the wrong ping would be
// ≈ 10 ms off or negative — never anything about the tunnels' speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureHops, HOPS_TOOLS } from '../../bench/latency-hops-run.js';
import { HOPS } from '../../bench/latency-hops.js';
import { requireRoot } from '../helpers/root.js';

const PINGS = 40;

for (const impl of ['tswg', 'wireguard-go'] as const) {
  test(`latency-hops follows every ping through a ${impl} tunnel`, { timeout: 120_000 }, async (t) => {
    if (!requireRoot(t, HOPS_TOOLS)) return;
    const r = await captureHops(impl, PINGS);
    // tcpdump may miss a packet under load; most pings must be followed whole.
    assert.ok(r.pings.length >= PINGS * 0.8, `${r.pings.length} of ${PINGS} pings followed (${r.unmatched} unmatched)`);
    assert.equal(new Set(r.pings.map((p) => p.seq)).size, r.pings.length, 'each ping once');
    for (const p of r.pings) {
      assert.equal(p.hopsMs.length, HOPS.length);
      for (const [i, v] of p.hopsMs.entries()) assert.ok(v >= 0 && v < 1000, `ping ${p.seq} ${HOPS[i]} = ${v} ms`);
    }
    const median = (i: number): number => r.pings.map((p) => p.hopsMs[i]!).sort((a, b) => a - b)[r.pings.length >> 1]!;
    for (const hop of ['linkAB', 'linkBA'] as const) {
      const m = median(HOPS.indexOf(hop));
      assert.ok(m < 1, `median ${hop} ${m} ms: datagrams paired across the captures`);
    }
  });
}
