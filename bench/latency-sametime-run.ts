/**
 * `node dist/bench/latency-sametime-run.js [pings] [--spin]` (root): the
 * latency-tail comparison in the same minutes (docs/performance.md, ninth
 * session). The benchmark alternates its RTT samples between pairs, so each
 * pair meets a different minute of the host; here tswg↔tswg and
 * wireguard-go↔wireguard-go are up together and pinged at once (the second
 * 5 ms after the first), so both meet the same host. Prints per
 * implementation the mean, quantiles and slow replies.
 *
 * --spin runs a SCHED_IDLE busy loop on each CPU meanwhile (`chrt -i 0`):
 * the vCPUs never halt, and every other task preempts the loops on wake-up.
 * It shows how each implementation fares when the thread that must handle a
 * packet is not the one running (the slow replies become scheduler ticks
 * for tswg's one event-loop thread). Not part of `npm run bench`: it
 * loads the box on purpose.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Lab, type Netns } from '../test/helpers/netns.js';
import type { Impl } from '../test/helpers/impl.js';
import { TrackedProcess } from '../test/helpers/proc.js';
import { rootUnavailable } from '../test/helpers/root.js';
import { ping } from '../test/helpers/transfer.js';
import { sleep } from '../test/helpers/wait.js';
import { parsePingTimes, quantile } from './parsers.js';
import { warmPair } from './latency-hops-run.js';

const IMPLS: readonly Impl[] = ['tswg', 'wireguard-go'];
export const SAMETIME_TOOLS = ['ip', 'wg', 'wireguard-go', 'ping', 'taskset', 'chrt'];
/** A reply slower than this counts as slow in the summary. */
export const SLOW_MS = 1.5;

export interface ReplyStats {
  replies: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Replies over SLOW_MS. */
  slow: number;
}

/** Summary of per-reply RTTs (ms); null for none. */
export function replyStats(times: readonly number[]): ReplyStats | null {
  if (times.length === 0) return null;
  return {
    replies: times.length,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p50Ms: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    p99Ms: quantile(times, 0.99),
    maxMs: Math.max(...times),
    slow: times.filter((t) => t > SLOW_MS).length,
  };
}

/** One SCHED_IDLE busy loop pinned to each CPU; the caller stops them. */
function startSpinners(): TrackedProcess[] {
  const n = availableParallelism();
  return Array.from({ length: n }, (_, cpu) =>
    new TrackedProcess(['taskset', '-c', String(cpu), 'chrt', '-i', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }),
  );
}

export interface AtOnce {
  /** Per implementation, every reply's RTT in ms. */
  times: Map<Impl, number[]>;
  /** The busy loops --spin ran (stopped before this returns). */
  spinnerPids: number[];
}

/** Where to ping a tunnel from: the namespace of its A end and B's inner address. */
export interface PingTarget {
  name: string;
  ns: Netns;
  addr: string;
}

/**
 * `pings` pings 10 ms apart through every target at the same time (each
 * 5 ms after the one before), so all meet the same minutes of the host;
 * every reply's RTT in ms per target name. Throws if a target lost them all.
 */
export async function pingTogether(targets: readonly PingTarget[], pings: number): Promise<Map<string, number[]>> {
  const deadlineS = Math.ceil(pings * 0.02) + 5;
  const results = await Promise.all(
    targets.map(async (t, k) => {
      await sleep(k * 5);
      return ping(t.ns, t.addr, { count: pings, intervalS: 0.01, deadlineS, perReply: true });
    }),
  );
  const times = new Map<string, number[]>();
  results.forEach((r, k) => {
    if (!r.ok) throw new Error(`${targets[k]!.name}: ping failed (${r.received}/${r.transmitted})`);
    times.set(targets[k]!.name, parsePingTimes(r.output));
  });
  return times;
}

/**
 * Both pairs up in namespaces of their own, warmed, then `pings` pings
 * 10 ms apart through each at the same time.
 */
export async function pingAtOnce(pings: number, spin: boolean): Promise<AtOnce> {
  const labs: Lab[] = [];
  const spinners: TrackedProcess[] = [];
  try {
    const targets: PingTarget[] = [];
    for (const impl of IMPLS) {
      const lab = Lab.create();
      labs.push(lab);
      const p = await warmPair(lab, impl);
      targets.push({ name: impl, ns: p.a.ns, addr: p.b4 });
    }
    if (spin) {
      spinners.push(...startSpinners());
      await sleep(300);
    }
    const byName = await pingTogether(targets, pings);
    const times = new Map<Impl, number[]>(IMPLS.map((impl) => [impl, byName.get(impl)!]));
    return { times, spinnerPids: spinners.map((s) => s.pid) };
  } finally {
    for (const s of spinners) await s.stop(500);
    for (const lab of labs) await lab.cleanup();
  }
}

/** One line of a tunnel's reply summary. */
export function printReplyStats(name: string, s: ReplyStats | null): void {
  if (s === null) {
    process.stdout.write(`${name}: no replies\n`);
    return;
  }
  const f = (x: number): string => x.toFixed(3);
  process.stdout.write(
    `${name.padEnd(13)} replies ${s.replies}  mean ${f(s.meanMs)}  p50 ${f(s.p50Ms)}  p90 ${f(s.p90Ms)}  p99 ${f(s.p99Ms)}  max ${s.maxMs.toFixed(2)} ms  over ${SLOW_MS} ms: ${s.slow}\n`,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const spin = argv.includes('--spin');
  const rest = argv.filter((a) => a !== '--spin');
  const pings = Number(rest[0] ?? 1500);
  if (!Number.isInteger(pings) || pings < 10 || rest.length > 1) {
    process.stderr.write('usage: latency-sametime-run.js [pings ≥ 10] [--spin]\n');
    return 2;
  }
  const why = rootUnavailable(SAMETIME_TOOLS);
  if (why !== null) {
    process.stderr.write(`latency-sametime: ${why}\n`);
    return 1;
  }
  process.stdout.write(`${pings} pings 10 ms apart through each pair at once${spin ? ', a SCHED_IDLE spinner on each CPU' : ''}\n`);
  const { times } = await pingAtOnce(pings, spin);
  for (const impl of IMPLS) printReplyStats(impl, replyStats(times.get(impl) ?? []));
  return 0;
}

// Run as a script (not when a test imports pingAtOnce).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
