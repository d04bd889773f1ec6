/**
 * `node dist/bench/latency-hops-run.js [pings] [rounds]` (root, tcpdump):
 * the latency-tail diagnostic of docs/performance.md. Builds tswg↔tswg and
 * wireguard-go↔wireguard-go in namespaces, alternating per round, pings A→B
 * 10 ms apart while tcpdump captures both namespaces, and prints where the
 * time went per hop (latency-hops.ts) with the slowest pings' hops. Not
 * part of `npm run bench`: it takes packet captures, which cost the daemons
 * nothing but do cost the box, so the benchmark's RTT figures are taken
 * without them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Lab } from '../test/helpers/netns.js';
import { makePair, type Pair } from '../test/helpers/pair.js';
import type { Impl } from '../test/helpers/impl.js';
import { readPcapIpv4 } from '../test/helpers/pcap.js';
import { rootUnavailable } from '../test/helpers/root.js';
import { ping, waitForPing } from '../test/helpers/transfer.js';
import { waitFor, sleep } from '../test/helpers/wait.js';
import { HOPS, hopBreakdown, hopStats, type HopReport } from './latency-hops.js';

const IMPLS: readonly Impl[] = ['tswg', 'wireguard-go'];
export const HOPS_TOOLS = ['ip', 'wg', 'wireguard-go', 'ping', 'tcpdump'];
/** A hop slower than this counts as a slow wake-up in the summary line. */
const SLOW_MS = 0.4;

/** A pair of `impl` in `lab`, handshake done and warmed by 100 pings 10 ms apart (the latency tools' common start). */
export async function warmPair(lab: Lab, impl: Impl): Promise<Pair> {
  const p = await makePair(lab, impl, impl);
  await waitForPing(p.a.ns, p.b4, 15000); // the first pings also complete the handshake
  await ping(p.a.ns, p.b4, { count: 100, intervalS: 0.01, deadlineS: 5 });
  return p;
}

/** One pair of `impl` in fresh namespaces: warm it up, then `pings` pings A→B 10 ms apart under capture. */
export async function captureHops(impl: Impl, pings: number): Promise<HopReport> {
  const lab = Lab.create();
  try {
    const p = await warmPair(lab, impl);
    const files = [join(lab.tmpDir, 'a.pcap'), join(lab.tmpDir, 'b.pcap')];
    const dumps = [p.a.ns, p.b.ns].map((ns, i) =>
      ns.spawn(['tcpdump', '-i', 'any', '--immediate-mode', '-y', 'LINUX_SLL2', '-n', '-s', '96', '-U', '-Z', 'root', '-w', files[i]!, 'icmp or udp']),
    );
    for (const d of dumps) await waitFor(() => /listening on/.test(d.stderr), { timeoutMs: 10000, what: `tcpdump to start (${d.stderr.trim()})` });
    const r = await ping(p.a.ns, p.b4, { count: pings, intervalS: 0.01, deadlineS: Math.ceil(pings * 0.03) + 5 });
    if (!r.ok) throw new Error(`${impl}: ping failed (${r.received}/${r.transmitted})`);
    await sleep(300);
    for (const d of dumps) await d.stop(3000);
    return hopBreakdown(readPcapIpv4(readFileSync(files[0]!)), readPcapIpv4(readFileSync(files[1]!)), p.link.a4);
  } finally {
    await lab.cleanup();
  }
}

function print(impl: Impl, round: number, r: HopReport): void {
  const s = hopStats(r);
  if (s === null) {
    process.stdout.write(`${impl} round ${round}: no ping followed through every hop (${r.unmatched} unmatched)\n`);
    return;
  }
  const f = (x: number): string => x.toFixed(3).padStart(7);
  process.stdout.write(`\n${impl}, round ${round}: ${r.pings.length} pings (${r.unmatched} not followed whole), ms\n`);
  process.stdout.write(`${'hop'.padEnd(10)}${'p50'.padStart(7)}${'p90'.padStart(7)}${'p99'.padStart(7)}${'mean'.padStart(7)}\n`);
  for (const h of HOPS) process.stdout.write(`${h.padEnd(10)}${f(s.hops[h].p50)}${f(s.hops[h].p90)}${f(s.hops[h].p99)}${f(s.hops[h].mean)}\n`);
  const t = s.tunToTun;
  process.stdout.write(`${'tun→tun'.padEnd(10)}${f(t.p50)}${f(t.p90)}${f(t.p99)}${f(t.mean)}\n`);
  const ia = HOPS.indexOf('aSeal');
  const ib = HOPS.indexOf('bOpen');
  const slowA = r.pings.filter((x) => x.hopsMs[ia]! > SLOW_MS);
  const slowB = r.pings.filter((x) => x.hopsMs[ib]! > SLOW_MS);
  const both = slowA.filter((x) => x.hopsMs[ib]! > SLOW_MS).length;
  process.stdout.write(`first hops over ${SLOW_MS} ms (a daemon waking for the ping): aSeal ${slowA.length}, bOpen ${slowB.length}, both in one ping ${both}\n`);
  const worst = [...r.pings].sort((x, y) => y.tunToTunMs - x.tunToTunMs).slice(0, 5);
  for (const w of worst) process.stdout.write(`  seq ${w.seq}: ${w.tunToTunMs.toFixed(2)} ms = ${HOPS.map((h, i) => `${h} ${w.hopsMs[i]!.toFixed(2)}`).join(', ')}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const pings = Number(argv[0] ?? 1000);
  const rounds = Number(argv[1] ?? 2);
  if (!Number.isInteger(pings) || pings < 10 || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write('usage: latency-hops-run.js [pings ≥ 10] [rounds ≥ 1]\n');
    return 2;
  }
  const why = rootUnavailable(HOPS_TOOLS);
  if (why !== null) {
    process.stderr.write(`latency-hops: ${why}\n`);
    return 1;
  }
  for (let round = 1; round <= rounds; round++) for (const impl of IMPLS) print(impl, round, await captureHops(impl, pings));
  return 0;
}

// Run as a script (not when a test imports captureHops).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
