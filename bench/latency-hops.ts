/**
 * Where a ping's tunnel time goes, hop by hop, from two packet captures
 * taken at once (`tcpdump -i any` in A's and in B's namespace): for each
 * echo request A sends to B through the tunnel,
 *
 *   t1 request on A's TUN → t2 its transport datagram leaves A (A seals)
 *   → t3 that datagram (same sender, same counter) reaches B (the link)
 *   → t4 the request on B's TUN (B opens) → t5 the reply on B's TUN (B's
 *   kernel) → t6 the reply's datagram leaves B (B seals) → t7 it reaches A
 *   → t8 the reply on A's TUN (A opens).
 *
 * Counters (whitepaper §5.4.6) pair each datagram across the two captures
 * exactly; a datagram is attributed to a ping by being the first one from
 * that side at or after the ping's packet enters the daemon (pings are
 * 10 ms apart, a hop takes well under that). Pings the captures do not
 * cover whole are left out, and counted.
 */
import { ipv4Text, type Ipv4Record } from '../test/helpers/pcap.js';
import { quantile } from './parsers.js';

export const HOPS = ['aSeal', 'linkAB', 'bOpen', 'bKernel', 'bSeal', 'linkBA', 'aOpen'] as const;
export type Hop = (typeof HOPS)[number];

interface Echo {
  t: number;
  type: number;
  seq: number;
}

interface Transport {
  t: number;
  src: string;
  counter: bigint;
}

export interface PingHops {
  seq: number;
  /** t8 − t1, ms: the ping's time between A's TUN and back. */
  tunToTunMs: number;
  /** Per hop, ms, in HOPS order. */
  hopsMs: number[];
}

export interface HopReport {
  pings: PingHops[];
  /** Echo requests seen on A that could not be followed through every hop. */
  unmatched: number;
}

function echoes(recs: readonly Ipv4Record[]): Echo[] {
  const out: Echo[] = [];
  for (const { t, ip } of recs) {
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip[9] !== 1 || ip.length < ihl + 8) continue;
    const type = ip[ihl]!;
    if (type === 0 || type === 8) out.push({ t, type, seq: ip.readUInt16BE(ihl + 6) });
  }
  return out;
}

/** Transport messages (type 4: one type byte, three zero bytes, receiver index, LE counter) in time order. */
function transports(recs: readonly Ipv4Record[]): Transport[] {
  const out: Transport[] = [];
  for (const { t, ip } of recs) {
    const ihl = (ip[0]! & 0x0f) * 4;
    const m = ihl + 8; // past the UDP header
    if (ip[9] !== 17 || ip.length < m + 16 || ip[m] !== 4 || ip[m + 1] !== 0 || ip[m + 2] !== 0 || ip[m + 3] !== 0) continue;
    out.push({ t, src: ipv4Text(ip, 12), counter: ip.readBigUInt64LE(m + 8) });
  }
  return out.sort((x, y) => x.t - y.t);
}

function firstFrom(list: readonly Transport[], src: string, after: number): Transport | undefined {
  // Binary search for the first at or after `after`, then the first from `src`.
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.t < after) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < list.length; i++) if (list[i]!.src === src) return list[i];
  return undefined;
}

/**
 * Follows every echo request A sent through both captures. `aTunnelAddr`
 * is A's outer (UDP) address: datagrams from it go A → B.
 */
export function hopBreakdown(a: readonly Ipv4Record[], b: readonly Ipv4Record[], aTunnelAddr: string): HopReport {
  const ea = echoes(a);
  const eb = echoes(b);
  const ta = transports(a);
  const tb = transports(b);
  const bySeq = (list: Echo[], type: number): Map<number, number> => {
    const m = new Map<number, number>();
    for (const e of list) if (e.type === type && !m.has(e.seq)) m.set(e.seq, e.t);
    return m;
  };
  const aReq = bySeq(ea, 8);
  const aRep = bySeq(ea, 0);
  const bReq = bySeq(eb, 8);
  const bRep = bySeq(eb, 0);
  const key = (x: Transport): string => `${x.src}/${x.counter}`;
  const bArrivals = new Map(tb.map((x) => [key(x), x.t]));
  const aArrivals = new Map(ta.map((x) => [key(x), x.t]));
  const bSrc = tb.find((x) => x.src !== aTunnelAddr)?.src;
  const pings: PingHops[] = [];
  let unmatched = 0;
  for (const [seq, t1] of aReq) {
    const t8 = aRep.get(seq);
    const t4 = bReq.get(seq);
    const t5 = bRep.get(seq);
    const out = firstFrom(ta, aTunnelAddr, t1);
    const back = bSrc === undefined || t5 === undefined ? undefined : firstFrom(tb, bSrc, t5);
    const t3 = out === undefined ? undefined : bArrivals.get(key(out));
    const t7 = back === undefined ? undefined : aArrivals.get(key(back));
    if (t8 === undefined || t4 === undefined || t5 === undefined || out === undefined || back === undefined || t3 === undefined || t7 === undefined) {
      unmatched++;
      continue;
    }
    const ts = [t1, out.t, t3, t4, t5, back.t, t7, t8];
    pings.push({ seq, tunToTunMs: (t8 - t1) * 1e3, hopsMs: HOPS.map((_, i) => (ts[i + 1]! - ts[i]!) * 1e3) });
  }
  return { pings, unmatched };
}

export interface HopStats {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

function stats(v: number[]): HopStats {
  return { p50: quantile(v, 0.5), p90: quantile(v, 0.9), p99: quantile(v, 0.99), mean: v.reduce((s, x) => s + x, 0) / v.length };
}

/** Per-hop and tun-to-tun statistics (ms); null for a report with no whole ping. */
export function hopStats(r: HopReport): { hops: Record<Hop, HopStats>; tunToTun: HopStats } | null {
  if (r.pings.length === 0) return null;
  const hops = Object.fromEntries(HOPS.map((h, i) => [h, stats(r.pings.map((p) => p.hopsMs[i]!))])) as Record<Hop, HopStats>;
  return { hops, tunToTun: stats(r.pings.map((p) => p.tunToTunMs)) };
}
