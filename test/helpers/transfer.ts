// Traffic through a tunnel for interop tests: ping (IPv4/IPv6, iputils) and
// a TCP bulk transfer whose SHA-256 is computed independently at both ends
// (tcp-blast.ts runs in each namespace). Everything is bounded; a transfer
// exposes its receiver's progress so a test can act mid-transfer (roaming).
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';
import type { TrackedProcess } from './proc.js';
import { waitFor, withTimeout } from './wait.js';

const BLAST = fileURLToPath(new URL('./tcp-blast.js', import.meta.url));

export interface PingResult {
  ok: boolean;
  transmitted: number;
  received: number;
  output: string;
}

export interface PingOptions {
  count?: number; // default 3
  intervalS?: number; // default 0.2
  /** Overall deadline in seconds (ping -w); default 5. */
  deadlineS?: number;
  /** Payload size (ping -s). */
  size?: number;
  /** Keep one line per reply in `output` (no -q), for per-reply times. */
  perReply?: boolean;
}

/** Pings `addr` (IPv4 or IPv6) from inside `ns`; never throws on loss. */
export async function ping(ns: Netns, addr: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 3;
  const deadline = opts.deadlineS ?? 5;
  const args = ['ping', addr.includes(':') ? '-6' : '-4', '-n', ...(opts.perReply ? [] : ['-q']), '-c', String(count), '-i', String(opts.intervalS ?? 0.2), '-w', String(deadline)];
  if (opts.size !== undefined) args.push('-s', String(opts.size));
  args.push(addr);
  const r = await ns.run(args, { check: false, timeoutMs: (deadline + 5) * 1000 });
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(r.stdout);
  const transmitted = m ? Number(m[1]) : 0;
  const received = m ? Number(m[2]) : 0;
  return { ok: r.code === 0 && received > 0, transmitted, received, output: r.stdout + r.stderr };
}

/** Waits (bounded) until a single ping gets an answer; returns the attempt count. */
export async function waitForPing(ns: Netns, addr: string, timeoutMs = 10000): Promise<number> {
  let attempts = 0;
  await waitFor(
    async () => {
      attempts++;
      return (await ping(ns, addr, { count: 1, deadlineS: 1 })).ok;
    },
    { timeoutMs, intervalMs: 0, what: `a ping reply from ${addr} in ${ns.name}` },
  );
  return attempts;
}

export interface TransferResult {
  bytes: number;
  sentBytes: number;
  receivedBytes: number;
  sentSha256: string;
  receivedSha256: string;
}

export interface TransferOptions {
  port?: number; // default 5201
  timeoutMs?: number; // default 120000
  /** Pace the sender to at most this many bytes per second (0 = unpaced). */
  rateBytesPerSec?: number;
}

/** A running transfer: watch `receivedSoFar()`, then await `done`. */
export interface RunningTransfer {
  receiver: TrackedProcess;
  sender: TrackedProcess;
  receivedSoFar(): number;
  /** Resolves when at least `bytes` have arrived (bounded). */
  waitForBytes(bytes: number, timeoutMs?: number): Promise<void>;
  done: Promise<TransferResult>;
}

function parseDone(p: TrackedProcess, role: string): { bytes: number; sha: string } {
  const m = /^done (\d+) ([0-9a-f]{64})$/m.exec(p.stdout);
  if (!m) throw new Error(`${role} did not finish (${JSON.stringify(p.status)}): ${p.stderr.trim()}`);
  return { bytes: Number(m[1]), sha: m[2]! };
}

/**
 * Starts sending `bytes` random bytes over TCP from `from` to `toAddr` (an
 * address of `to`, normally its inner tunnel address).
 */
export async function startTransfer(from: Netns, to: Netns, toAddr: string, bytes: number, opts: TransferOptions = {}): Promise<RunningTransfer> {
  const port = opts.port ?? 5201;
  const timeoutMs = opts.timeoutMs ?? 120000;
  const receiver = to.spawn([process.execPath, BLAST, 'recv', toAddr, String(port), String(timeoutMs)]);
  await receiver.waitForOutput(/^listening /m, 10000);
  const sender = from.spawn([process.execPath, BLAST, 'send', toAddr, String(port), String(bytes), String(timeoutMs), String(opts.rateBytesPerSec ?? 0)]);
  const receivedSoFar = (): number => {
    const all = [...receiver.stdout.matchAll(/^(?:progress|done) (\d+)/gm)];
    return all.length ? Number(all[all.length - 1]![1]) : 0;
  };
  const done = (async (): Promise<TransferResult> => {
    // The scripts enforce `timeoutMs` themselves; this outer bound only
    // catches a wedged process.
    await withTimeout(Promise.all([sender.exited, receiver.exited]), timeoutMs + 10000, `TCP transfer to ${toAddr}`);
    const s = parseDone(sender, 'sender');
    const r = parseDone(receiver, 'receiver');
    return { bytes, sentBytes: s.bytes, receivedBytes: r.bytes, sentSha256: s.sha, receivedSha256: r.sha };
  })();
  done.catch(() => undefined); // observed by the caller; avoid an unhandled rejection meanwhile
  return {
    receiver,
    sender,
    receivedSoFar,
    waitForBytes: (n, ms = timeoutMs) =>
      waitFor(
        () => {
          if (receiver.status !== null && receivedSoFar() < n) throw new Error(`receiver exited: ${receiver.stderr.trim()}`);
          return receivedSoFar() >= n;
        },
        { timeoutMs: ms, intervalMs: 20, what: `${n} bytes to arrive at ${toAddr}` },
      ).then(() => undefined),
    done,
  };
}

/** Sends `bytes` from `from` to `toAddr` and returns both ends' byte counts and hashes. */
export async function transfer(from: Netns, to: Netns, toAddr: string, bytes: number, opts?: TransferOptions): Promise<TransferResult> {
  return (await startTransfer(from, to, toAddr, bytes, opts)).done;
}

export const MiB = 1024 * 1024;

const FLOOD = fileURLToPath(new URL('./udp-flood.js', import.meta.url));

/** Sends `count` garbage datagrams from `from` to addr:port (bounded); returns how many were sent. */
export async function udpFlood(from: Netns, addr: string, port: number, count: number, timeoutMs = 30000): Promise<number> {
  const r = await from.run([process.execPath, FLOOD, addr, String(port), String(count), String(timeoutMs)], { timeoutMs: timeoutMs + 5000 });
  const m = /^sent (\d+)$/m.exec(r.stdout);
  if (!m) throw new Error(`udp-flood printed no count: ${r.stderr.trim()}`);
  return Number(m[1]);
}

export interface Iperf3Result {
  /** Payload bits per second as measured by the sender and the receiver. */
  sentBitsPerSec: number;
  receivedBitsPerSec: number;
  retransmits: number;
  /** The client's full JSON report (iperf3 -J). */
  json: unknown;
}

export interface Iperf3Options {
  seconds?: number; // default 5
  port?: number; // default 5201
  /** -R: the server sends, the client receives. */
  reverse?: boolean;
  /** -P: parallel streams. */
  parallel?: number;
  /** -u with this target bandwidth in bits/s (UDP mode). */
  udpBitsPerSec?: number;
}

/**
 * Runs an iperf3 server in `server` (one-off) and a client in `client`
 * against `serverAddr` (for benchmarks; tests assert no speeds).
 */
export async function iperf3(client: Netns, server: Netns, serverAddr: string, opts: Iperf3Options = {}): Promise<Iperf3Result> {
  const port = String(opts.port ?? 5201);
  const seconds = opts.seconds ?? 5;
  const srv = server.spawn(['iperf3', '-s', '-1', '-B', serverAddr, '-p', port, '--forceflush']);
  try {
    await srv.waitForOutput(/Server listening/, 10000);
    const args = ['iperf3', '-J', '-c', serverAddr, '-p', port, '-t', String(seconds)];
    if (opts.reverse) args.push('-R');
    if (opts.parallel) args.push('-P', String(opts.parallel));
    if (opts.udpBitsPerSec) args.push('-u', '-b', String(opts.udpBitsPerSec));
    const r = await client.run(args, { timeoutMs: (seconds + 20) * 1000, check: false });
    const json = JSON.parse(r.stdout) as {
      error?: string;
      end?: { sum_sent?: { bits_per_second?: number; retransmits?: number }; sum_received?: { bits_per_second?: number }; sum?: { bits_per_second?: number } };
    };
    if (json.error) throw new Error(`iperf3: ${json.error}`);
    const end = json.end ?? {};
    return {
      sentBitsPerSec: end.sum_sent?.bits_per_second ?? end.sum?.bits_per_second ?? 0,
      receivedBitsPerSec: end.sum_received?.bits_per_second ?? end.sum?.bits_per_second ?? 0,
      retransmits: end.sum_sent?.retransmits ?? 0,
      json,
    };
  } finally {
    await srv.stop(2000);
  }
}
