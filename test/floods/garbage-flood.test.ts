// Flood: garbage at the listen port (issue 6 "Floods"). A (wireguard-go) ⇄
// B (tswg); attacker X (own veth to B, 16 source addresses) sends, as fast as
// it can, datagrams shaped like every WireGuard message type with bogus
// content plus raw junk (test/helpers/flood-datagrams.js, garbage mode) at
// B's listen port while iperf3 pushes TCP through the tunnel towards B.
// Figures: iperf3 throughput without and during the flood and their ratio
// (reported, never asserted). Asserted: tswg survives, iperf3 during the
// flood moves data, no garbage is answered, and the tunnel still works after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { makePair } from '../helpers/pair.js';
import { pidAlive } from '../helpers/proc.js';
import { iperf3, ping, waitForPing } from '../helpers/transfer.js';
import { requireRoot } from '../helpers/root.js';
import { withTimeout } from '../helpers/wait.js';
import { machineLine, addSourceAddresses, diffUdp, ProcSampler, startDatagramFlood, udpCounters } from './flood-lab.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping', 'iperf3'];
const SECONDS = 4;
const MAX_GARBAGE = 2_000_000;
const RSS_LIMIT_KIB = 512 * 1024;

const mbit = (bps: number): string => (bps / 1e6).toFixed(1);

test('garbage flood at the listen port: the tunnel keeps working; throughput with vs without', { timeout: 120000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const lab = Lab.create(t);
  const pair = await makePair(lab, 'wireguard-go', 'tswg');
  const { a, b } = pair;
  const nsX = await lab.addNamespace();
  const linkX = await lab.connect(nsX, b.ns);
  const prefix = linkX.a4.slice(0, linkX.a4.lastIndexOf('.'));
  const sources = await addSourceAddresses(nsX, linkX.devA, prefix, 10, 16);
  await waitForPing(a.ns, pair.b4, 10000);

  const without = await iperf3(a.ns, b.ns, pair.b4, { seconds: SECONDS });

  const sampler = new ProcSampler(b.pid, 250);
  t.after(() => sampler.stop());
  const udpBefore = await udpCounters(b.ns);
  const flood = startDatagramFlood(nsX, {
    mode: 'garbage',
    target: linkX.b4,
    port: b.listenPort,
    sources,
    rate: 0,
    count: MAX_GARBAGE,
    durationMs: (SECONDS + 10) * 1000,
    timeoutMs: (SECONDS + 20) * 1000,
  });
  let during: Awaited<ReturnType<typeof iperf3>>;
  let pings: Awaited<ReturnType<typeof ping>>;
  try {
    await new Promise((r) => setTimeout(r, 500)); // let the flood reach full speed
    during = await iperf3(a.ns, b.ns, pair.b4, { seconds: SECONDS });
    pings = await ping(a.ns, pair.b4, { count: 10, intervalS: 0.1, deadlineS: 5 });
  } finally {
    flood.stop();
  }
  const g = await withTimeout(flood.result, 30000, 'garbage flood result');
  sampler.stop();
  const udp = diffUdp(udpBefore, await udpCounters(b.ns));

  const ratio = during.receivedBitsPerSec / Math.max(without.receivedBitsPerSec, 1);
  t.diagnostic(`garbage: ${g.sent} datagrams (${(g.sentBytes / 1e6).toFixed(0)} MB) in ${g.sendingMs} ms = ${Math.round((g.sent * 1000) / g.sendingMs)}/s from ${sources.length} sources; send errors ${g.sendErrors}; replies ${JSON.stringify(g.replies)}`);
  t.diagnostic(`B UDP: read ${udp.inDatagrams} (${Math.round((udp.inDatagrams * 1000) / g.sendingMs)}/s incl. tunnel), kernel buffer drops ${udp.rcvbufErrors}`);
  t.diagnostic(`iperf3 A→B through tswg: without ${mbit(without.receivedBitsPerSec)} Mbit/s, during ${mbit(during.receivedBitsPerSec)} Mbit/s, ratio ${ratio.toFixed(2)}; retransmits ${without.retransmits} / ${during.retransmits}; ping during ${pings.received}/${pings.transmitted}`);
  t.diagnostic(`B: RSS max ${Math.round(sampler.maxRssKiB / 1024)} MiB, CPU ${sampler.cpuPercent.toFixed(0)}% of one core during the flood`);

  t.diagnostic(machineLine());
  assert.ok(pidAlive(b.pid), 'tswg survived the garbage flood');
  assert.ok(g.sent > 10000, 'the flood actually sent a lot');
  assert.ok(udp.inDatagrams > 0, 'garbage reached tswg');
  assert.equal(Object.values(g.replies).reduce((x, y) => x + y, 0), 0, 'nothing answers garbage (bogus mac1: not even a cookie reply)');
  assert.ok(during.receivedBitsPerSec > 0, 'the tunnel carried data during the flood');
  assert.ok(sampler.maxRssKiB < RSS_LIMIT_KIB, `RSS ${sampler.maxRssKiB} KiB under ${RSS_LIMIT_KIB} KiB`);
  assert.ok((await ping(a.ns, pair.b4, { count: 3 })).ok, 'the tunnel works after the flood');
});
