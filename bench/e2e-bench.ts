/**
 * End to end in network namespaces (issue 5): iperf3 TCP throughput through
 * tswg↔tswg, tswg→wireguard-go, wireguard-go→tswg, wireguard-go↔wireguard-go (Debian's) and
 * tswg(noble)↔tswg(noble), run ALTERNATING (A B C D A B C D …) in one run so
 * drift on a shared box hits every pair alike; each tswg figure as a ratio to
 * wireguard-go↔wireguard-go of the same round; ping RTT added by the tunnel
 * over the bare veth it rides on; CPU seconds per GB from /proc/<pid>/stat of
 * both daemons. Pairs come from the interop harness (test/helpers/pair.ts).
 * A pair that cannot be built or passes no traffic gets rows that say so.
 */
import { Lab } from '../test/helpers/netns.js';
import { makePair, type Pair } from '../test/helpers/pair.js';
import { stopInterface, type Impl } from '../test/helpers/impl.js';
import type { TrackedProcess } from '../test/helpers/proc.js';
import { ping } from '../test/helpers/transfer.js';
import { sleep } from '../test/helpers/wait.js';
import { profileEnv, withEnv } from './child-env.js';
import { E2E_PAIRS, type E2ePair } from './figures.js';
import { iperfError, parseIperfJson, parsePingRtt, parsePingTimes, parseUdpRcvbufErrors, quantile } from './parsers.js';
import type { Netns } from '../test/helpers/netns.js';
import { cpuSeconds } from './procstat.js';
import { errorText, missing, summarize, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';

interface PairSpec {
  a: Impl;
  b: Impl;
  /** TSWG_CRYPTO for tswg daemons of this pair (undefined = the daemon's default, auto). */
  crypto?: 'noble';
}

const SPECS: Record<E2ePair, PairSpec> = {
  'tswg-tswg': { a: 'tswg', b: 'tswg' },
  'tswg-wggo': { a: 'tswg', b: 'wireguard-go' },
  'wggo-tswg': { a: 'wireguard-go', b: 'tswg' },
  'wggo-wggo': { a: 'wireguard-go', b: 'wireguard-go' },
  'tswgnoble-tswgnoble': { a: 'tswg', b: 'tswg', crypto: 'noble' },
};

interface Live {
  name: E2ePair;
  pair: Pair | null;
  server: TrackedProcess | null;
  /** Why this pair has no numbers (set on the first failure). */
  error: string | null;
  mbps: number[];
  /** Per round: Mbit/s, or null when the round failed. */
  byRound: (number | null)[];
  rttAdded: number[];
  /** Per sample: median per-reply RTT through the tunnel minus over the bare veth. */
  rttMedianAdded: number[];
  /** Per sample: the tunnel's 99th-percentile per-reply RTT. */
  rttP99: number[];
  cpuPerGB: number[];
  retransmits: number[];
  /** Per run: datagrams B's kernel dropped at the receiving socket (buffer full). */
  receiverDrops: number[];
}

function emptyLive(name: E2ePair): Live {
  return { name, pair: null, server: null, error: null, mbps: [], byRound: [], rttAdded: [], rttMedianAdded: [], rttP99: [], cpuPerGB: [], retransmits: [], receiverDrops: [] };
}

async function setUp(lab: Lab, name: E2ePair, profileDir: string | null, log: (l: string) => void): Promise<Live> {
  const live = emptyLive(name);
  const spec = SPECS[name];
  const usesTswg = spec.a === 'tswg' || spec.b === 'tswg';
  try {
    const env: Record<string, string | undefined> = { TSWG_CRYPTO: spec.crypto };
    if (profileDir !== null && usesTswg) Object.assign(env, profileEnv(profileDir));
    live.pair = await withEnv(env, () => makePair(lab, spec.a, spec.b));
    const p = live.pair;
    // The first pings also complete the handshake; give a slow starter a few tries.
    let ok = false;
    for (let i = 0; i < 3 && !ok; i++) ok = (await ping(p.a.ns, p.b4, { count: 2, intervalS: 0.2, deadlineS: 4 })).ok;
    if (!ok) throw new Error('no traffic through the tunnel: ping from A to B got no reply');
    live.server = p.b.ns.spawn(['iperf3', '-s', '-B', p.b4, '--forceflush', '--rcv-timeout', '10000']);
    await live.server.waitForOutput(/Server listening/, 5000);
    log(`e2e ${name}: up (A ${p.a.impl} pid ${p.a.pid}, B ${p.b.impl} pid ${p.b.pid})`);
  } catch (err) {
    live.error = errorText(err);
    // The full text (it carries the daemon's log tail) goes to the console; the row keeps one line.
    log(`e2e ${name}: ${err instanceof Error ? err.message.slice(0, 1500) : String(err)}`);
  }
  return live;
}

interface PingRun {
  avgMs: number;
  /** Every reply's round-trip time, in order. */
  times: number[];
}

/** `count` pings 10 ms apart from A to `addr`, every reply's time kept. */
async function pingRun(live: Live, addr: string, count: number): Promise<PingRun> {
  const p = live.pair!;
  const r = await ping(p.a.ns, addr, { count, intervalS: 0.01, deadlineS: Math.ceil(count * 0.01) + 4, perReply: true });
  const rtt = parsePingRtt(r.output);
  const times = parsePingTimes(r.output);
  if (!r.ok || rtt === null || times.length === 0) throw new Error(`ping ${addr} failed (${r.received}/${r.transmitted})`);
  return { avgMs: rtt.avgMs, times };
}

/**
 * One RTT sample for one pair: over the bare veth, then through the tunnel.
 * The mean (ping's avg) is the headline figure; the median per-reply RTT
 * added and the tunnel's 99th percentile say whether a difference sits in
 * the typical reply or in the tail (a few multi-millisecond stalls move a
 * 100-ping mean by tens of microseconds).
 */
async function rttSample(live: Live, s: BenchSettings, bare: number[]): Promise<void> {
  const p = live.pair!;
  const b = await pingRun(live, p.link.b4, s.pingCount);
  const t = await pingRun(live, p.b4, s.pingCount);
  bare.push(b.avgMs);
  live.rttAdded.push(t.avgMs - b.avgMs);
  live.rttMedianAdded.push(quantile(t.times, 0.5) - quantile(b.times, 0.5));
  live.rttP99.push(quantile(t.times, 0.99));
}

/** Udp RcvbufErrors of a namespace (/proc/net/snmp shows the reader's own namespace); null if unreadable. */
async function rcvbufErrors(ns: Netns): Promise<number | null> {
  const r = await ns.run(['cat', '/proc/net/snmp'], { check: false, timeoutMs: 5000 });
  return r.code === 0 ? parseUdpRcvbufErrors(r.stdout) : null;
}

/**
 * One round's iperf3 run for one pair, with the daemons' CPU time around it
 * and the receive-buffer drops in B's namespace: where the data side's
 * datagrams are lost when B's daemon reads slower than A sends (each one a
 * TCP retransmission iperf3 reports).
 */
async function oneRound(live: Live, s: BenchSettings): Promise<number> {
  const p = live.pair!;
  const drops0 = await rcvbufErrors(p.b.ns);
  const cpu0 = cpuSeconds(p.a.pid) + cpuSeconds(p.b.pid);
  const r = await p.a.ns.run(
    ['iperf3', '-c', p.b4, '-t', String(s.iperfSeconds), '-J', '--connect-timeout', '3000'],
    { check: false, timeoutMs: (s.iperfSeconds + 20) * 1000 },
  );
  const cpu1 = cpuSeconds(p.a.pid) + cpuSeconds(p.b.pid);
  const drops1 = await rcvbufErrors(p.b.ns);
  const res = parseIperfJson(r.stdout);
  if (res === null) throw new Error(`iperf3 failed: ${iperfError(r.stdout) ?? (r.stderr.trim() || `exit ${r.code}`)}`);
  const mbps = res.bitsPerSecond / 1e6;
  live.mbps.push(mbps);
  live.cpuPerGB.push((cpu1 - cpu0) / (res.bytes / 1e9));
  if (res.retransmits !== null) live.retransmits.push(res.retransmits);
  if (drops0 !== null && drops1 !== null) live.receiverDrops.push(drops1 - drops0);
  return mbps;
}

function record(results: Results, live: Live, ratios: number[], note: string, rttNote: string): void {
  const id = (k: string): string => `e2e.${live.name}.${k}`;
  const put = (k: string, unit: string, runs: number[], why?: string, n = note): void => {
    if (runs.length > 0) results.set(id(k), summarize(unit, runs, n));
    else results.set(id(k), missing('unavailable', unit, why ?? live.error ?? 'no successful run'));
  };
  put('mbps', 'Mbit/s', live.mbps);
  const noRef = live.mbps.length > 0 ? 'no wggo-wggo run in the same rounds to compare with' : undefined;
  if (live.name !== 'wggo-wggo') put('ratio', '× wggo-wggo', ratios, noRef);
  put('rttAddedMs', 'ms', live.rttAdded, undefined, rttNote);
  put('rttMedianAddedMs', 'ms', live.rttMedianAdded, undefined, `${rttNote}; per sample, median reply through the tunnel minus median over the veth`);
  put('rttP99Ms', 'ms', live.rttP99, undefined, `${rttNote}; per sample, the tunnel's 99th-percentile reply (not net of the veth)`);
  put('cpuSecPerGB', 'CPU s/GB', live.cpuPerGB);
  put('retransmits', 'TCP segments/run', live.retransmits);
  put('receiverDrops', 'datagrams/run', live.receiverDrops, undefined, `${note}; Udp RcvbufErrors in B's namespace (/proc/net/snmp) around each run`);
}

export async function runE2eBench(
  results: Results,
  s: BenchSettings,
  log: (l: string) => void,
  profileDir: string | null,
  pairs: readonly E2ePair[] = E2E_PAIRS,
): Promise<void> {
  const lab = Lab.create();
  try {
    const lives: Live[] = [];
    for (const name of E2E_PAIRS) {
      if (pairs.includes(name)) lives.push(await setUp(lab, name, profileDir, log));
    }
    const bare: number[] = [];
    for (let round = 0; round < s.e2eRounds; round++) {
      // RTT first, in cycles alternating the pairs (settings.rttCycles).
      for (let c = 0; c < s.rttCycles; c++) {
        for (const live of lives) {
          if (live.pair === null || live.server === null) continue;
          try {
            await rttSample(live, s, bare);
          } catch (err) {
            live.error ??= errorText(err);
            log(`e2e round ${round + 1} ${live.name} RTT: ${errorText(err)}`);
          }
        }
      }
      for (const live of lives) {
        if (live.pair === null || live.server === null) {
          live.byRound.push(null);
          continue;
        }
        try {
          const mbps = await oneRound(live, s);
          live.byRound.push(mbps);
          log(`e2e round ${round + 1}/${s.e2eRounds} ${live.name}: ${mbps.toFixed(0)} Mbit/s`);
        } catch (err) {
          live.byRound.push(null);
          live.error ??= errorText(err);
          log(`e2e round ${round + 1} ${live.name}: ${errorText(err)}`);
          await sleep(500);
        }
      }
    }
    const ref = lives.find((l) => l.name === 'wggo-wggo');
    const note = `${s.e2eRounds} alternating rounds, iperf3 -t ${s.iperfSeconds}, MTU 1420, A→B`;
    const rttNote = `${s.rttCycles * s.e2eRounds} samples of ${s.pingCount} pings 10 ms apart (${s.rttCycles} per round, pairs alternating), tunnel minus bare veth`;
    for (const live of lives) {
      const ratios: number[] = [];
      live.byRound.forEach((v, r) => {
        const base = ref?.byRound[r];
        if (v !== null && base !== null && base !== undefined && base > 0) ratios.push(v / base);
      });
      record(results, live, ratios, note, rttNote);
    }
    for (const name of E2E_PAIRS.filter((n) => !lives.some((l) => l.name === n))) {
      record(results, { ...emptyLive(name), error: 'not selected (--pairs)' }, [], note, rttNote);
    }
    if (bare.length > 0) results.set('e2e.bare.rttMs', summarize('ms', bare, 'ping over the bare veth, every RTT sample of every pair'));
    else results.set('e2e.bare.rttMs', missing('unavailable', 'ms', 'no pair came up'));
    // A clean exit lets tswg daemons write their CPU profiles (--cpu-prof writes on exit).
    for (const live of lives) {
      if (live.pair === null) continue;
      for (const iface of [live.pair.a, live.pair.b]) await stopInterface(iface).catch(() => undefined);
    }
  } finally {
    await lab.cleanup();
  }
}
