/**
 * Parsers for the tools the end-to-end benchmark runs: iperf3's JSON report
 * (`iperf3 -c … -J`) and ping's summary line (iputils
 * "rtt min/avg/max/mdev = a/b/c/d ms"). Both return null on output they do
 * not recognise, so a failed run becomes a clear row, never a crash.
 */

export interface IperfResult {
  /** Receiver-side goodput over the whole run. */
  readonly bitsPerSecond: number;
  /** Bytes the receiver got. */
  readonly bytes: number;
  readonly seconds: number;
  /** Sender retransmissions (TCP), when reported. */
  readonly retransmits: number | null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function parseIperfJson(text: string): IperfResult | null {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof j !== 'object' || j === null) return null;
  const end = (j as { end?: { sum_received?: Record<string, unknown>; sum_sent?: Record<string, unknown> } }).end;
  const rcv = end?.sum_received;
  if (!rcv) return null;
  const bps = num(rcv.bits_per_second);
  const bytes = num(rcv.bytes);
  const seconds = num(rcv.seconds);
  if (bps === null || bytes === null || seconds === null || bytes <= 0) return null;
  return { bitsPerSecond: bps, bytes, seconds, retransmits: num(end?.sum_sent?.retransmits) };
}

/** iperf3's own error text from a JSON report ({"error": "..."}), if any. */
export function iperfError(text: string): string | null {
  try {
    const j = JSON.parse(text) as { error?: unknown };
    return typeof j.error === 'string' ? j.error : null;
  } catch {
    return null;
  }
}

export interface PingRtt {
  readonly minMs: number;
  readonly avgMs: number;
  readonly maxMs: number;
  readonly mdevMs: number;
}

export function parsePingRtt(output: string): PingRtt | null {
  const m = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/.exec(output);
  if (!m) return null;
  return { minMs: Number(m[1]), avgMs: Number(m[2]), maxMs: Number(m[3]), mdevMs: m[4] === undefined ? 0 : Number(m[4]) };
}

/**
 * Per-reply round-trip times (ms) from iputils ping run without -q: one
 * "time=0.412 ms" per reply, in order. Lines without one (the header,
 * errors, the summary) are skipped.
 */
export function parsePingTimes(output: string): number[] {
  const out: number[] = [];
  for (const m of output.matchAll(/ time=([\d.]+) ms/g)) out.push(Number(m[1]));
  return out;
}

/** The q-quantile (0 ≤ q ≤ 1) of `values` by the nearest-rank method; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/**
 * Udp RcvbufErrors from /proc/net/snmp: datagrams the kernel dropped
 * because the receiving socket's buffer was full. The file has a header
 * line and a value line per protocol ("Udp: InDatagrams … RcvbufErrors …");
 * the column is found by name, so kernels that add columns still parse.
 * Null when the line or the column is missing.
 */
export function parseUdpRcvbufErrors(snmp: string): number | null {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0]!.trim().split(/\s+/);
  const values = lines[1]!.trim().split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  if (i < 1 || i >= values.length) return null;
  const v = Number(values[i]);
  return Number.isSafeInteger(v) && v >= 0 ? v : null;
}
