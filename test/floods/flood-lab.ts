// Shared pieces of the flood tests (issue 6 "Floods"): extra source addresses
// for an attacker namespace, process CPU/RSS sampling from /proc, a
// namespace's UDP counters (/proc/net/snmp, RFC 4113 udpInDatagrams etc.),
// and launching the in-namespace generators (test/helpers/flood-*.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../helpers/netns.js';
import type { TrackedProcess } from '../helpers/proc.js';
import type { HandshakeFloodResult, HandshakeFloodSpec } from '../helpers/flood-handshake.js';
import type { DatagramFloodResult, DatagramFloodSpec } from '../helpers/flood-datagrams.js';

const HELPERS = fileURLToPath(new URL('../helpers/', import.meta.url));

/** Adds `count` addresses prefix.<first..first+count-1>/24 to `dev` in `ns`; returns them. */
export async function addSourceAddresses(ns: Netns, dev: string, prefix24: string, first: number, count: number): Promise<string[]> {
  if (first < 1 || first + count > 255) throw new Error('addresses must stay inside one /24');
  const addrs = Array.from({ length: count }, (_, i) => `${prefix24}.${first + i}`);
  // One `ip -batch` instead of `count` processes.
  const script = addrs.map((a) => `addr add ${a}/24 dev ${dev}`).join('\n') + '\n';
  await ns.ip(['-batch', '-'], { input: script });
  return addrs;
}

export interface ProcSample {
  atMs: number;
  rssKiB: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux). */
export const CLK_TCK = 100;

/** Reads VmRSS and CPU time of a live process; throws if it is gone. */
export function sampleProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3; utime/stime are fields 14/15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  return { atMs: Date.now(), rssKiB: m ? Number(m[1]) : NaN, cpuTicks };
}

/** Samples a process every `intervalMs` until stopped; keeps at most `max` samples. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 250,
    max = 2000,
  ) {
    this.take();
    this.timer = setInterval(() => {
      if (this.samples.length < max) this.take();
    }, intervalMs);
  }

  private take(): void {
    try {
      this.samples.push(sampleProc(this.pid));
    } catch {
      // the process is gone: the test notices through its own checks
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.take();
  }

  get maxRssKiB(): number {
    return Math.max(...this.samples.map((s) => s.rssKiB));
  }

  /** CPU use between the first and last sample, in % of one core. */
  get cpuPercent(): number {
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (!a || !b || b.atMs <= a.atMs) return 0;
    return ((b.cpuTicks - a.cpuTicks) / CLK_TCK / ((b.atMs - a.atMs) / 1000)) * 100;
  }
}

export interface UdpCounters {
  inDatagrams: number;
  outDatagrams: number;
  rcvbufErrors: number;
  inErrors: number;
}

/**
 * The namespace's UDP MIB. InDatagrams counts datagrams the application
 * read; RcvbufErrors those the kernel dropped because the socket buffer was
 * full (the daemon did not keep up).
 */
export async function udpCounters(ns: Netns): Promise<UdpCounters> {
  const r = await ns.run(['cat', '/proc/net/snmp'], { timeoutMs: 5000 });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) throw new Error('no Udp: lines in /proc/net/snmp');
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1).map(Number);
  const get = (n: string): number => values[names.indexOf(n)] ?? NaN;
  return { inDatagrams: get('InDatagrams'), outDatagrams: get('OutDatagrams'), rcvbufErrors: get('RcvbufErrors'), inErrors: get('InErrors') };
}

export function diffUdp(a: UdpCounters, b: UdpCounters): UdpCounters {
  return {
    inDatagrams: b.inDatagrams - a.inDatagrams,
    outDatagrams: b.outDatagrams - a.outDatagrams,
    rcvbufErrors: b.rcvbufErrors - a.rcvbufErrors,
    inErrors: b.inErrors - a.inErrors,
  };
}

/** A running generator; `result` resolves with its report. */
export interface RunningFlood<R> {
  proc: TrackedProcess;
  /** Ends the sending early (the generator still reports). */
  stop(): void;
  result: Promise<R>;
}

let specCounter = 0;

function startGenerator<R>(ns: Netns, script: string, spec: { timeoutMs: number }): RunningFlood<R> {
  const path = join(ns.lab.tmpDir, `flood-spec-${++specCounter}.json`);
  writeFileSync(path, JSON.stringify(spec), { mode: 0o600 });
  const proc = ns.spawn([process.execPath, join(HELPERS, script), path]);
  const result = (async (): Promise<R> => {
    await proc.wait(spec.timeoutMs + 5000);
    const m = /^result (.*)$/m.exec(proc.stdout);
    if (!m) throw new Error(`${script} gave no result (${JSON.stringify(proc.status)}): ${proc.stderr.trim()}`);
    return JSON.parse(m[1]!) as R;
  })();
  result.catch(() => undefined);
  return { proc, stop: () => proc.write('stop\n'), result };
}

export interface RunningHandshakeFlood extends RunningFlood<HandshakeFloodResult> {
  /** Resolves with ms since the flood's start when the first cookie reply arrived. */
  firstCookie(timeoutMs: number): Promise<number>;
}

export function startHandshakeFlood(ns: Netns, spec: HandshakeFloodSpec): RunningHandshakeFlood {
  const f = startGenerator<HandshakeFloodResult>(ns, 'flood-handshake.js', spec);
  return { ...f, firstCookie: async (timeoutMs) => Number((await f.proc.waitForOutput(/^first-cookie (\d+)$/m, timeoutMs))[1]) };
}

export function startDatagramFlood(ns: Netns, spec: DatagramFloodSpec): RunningFlood<DatagramFloodResult> {
  return startGenerator<DatagramFloodResult>(ns, 'flood-datagrams.js', spec);
}

/** One line about this machine for the figures: CPUs, kernel, Node, load average (others share it). */
export function machineLine(): string {
  const c = cpus();
  return `machine: ${c.length} × ${c[0]?.model ?? '?'}, Linux ${release()}, Node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`;
}
