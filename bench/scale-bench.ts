/**
 * In-process scale figures (issue 5 "Scale"): cryptokey-routing lookup cost
 * (ns per lookup) at 10, 1,000 and 10,000 prefixes in the table the daemon
 * uses (IndexedAllowedIps: host-route hash in front of the trie) — host
 * routes only and a 90/10 mix with shorter prefixes, IPv4 and IPv6; it
 * should be flat in the number of peers — with the plain trie beside it
 * (allowedips.trie.*). The responder flood is flood-bench.ts.
 */
import { AllowedIps } from '../src/core/allowed-ips.js';
import { IndexedAllowedIps } from '../src/core/allowed-ips-hosts.js';
import { SeededRandom } from '../test/helpers/seeded-random.js';
import { rate, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';

/** What a lookup figure measures: the daemon's table or the bare trie; host routes only or a 90/10 mix. */
export interface LookupCase {
  readonly v6: boolean;
  readonly mix: 'hosts' | 'mix';
  readonly table: 'indexed' | 'trie';
}

/**
 * A table of `n` distinct prefixes — host routes (/32, /128), like a
 * server's peers, and with mix 'mix' one in ten shorter — and 4096 routed
 * probe addresses in one buffer, in the same proportions: host-route
 * addresses, and random addresses inside the shorter prefixes (those miss
 * the host index and walk the trie).
 */
function buildTable(n: number, c: LookupCase, rnd: SeededRandom): { table: AllowedIps<number>; probes: Uint8Array; probeLen: 4 | 16 } {
  const len = c.v6 ? 16 : 4;
  const table = c.table === 'indexed' ? new IndexedAllowedIps<number>() : new AllowedIps<number>();
  const hosts: Uint8Array[] = [];
  const nets: { ip: Uint8Array; cidr: number }[] = [];
  const seen = new Set<string>();
  while (table.size < n) {
    const ip = new Uint8Array(len);
    rnd.fill(ip);
    if (!c.v6) ip[0] = 198; // keep inside documentation-ish space; the trie does not care
    const host = c.mix === 'hosts' || rnd.nextU32() % 10 !== 0;
    const cidr = host ? len * 8 : (c.v6 ? 32 : 8) + (rnd.nextU32() % (c.v6 ? 96 : 24));
    mask(ip, cidr);
    const key = `${Buffer.from(ip).toString('hex')}/${cidr}`;
    if (seen.has(key)) continue;
    seen.add(key);
    table.insert(ip, cidr, table.size);
    if (host) hosts.push(ip);
    else nets.push({ ip, cidr });
  }
  const probes = new Uint8Array(4096 * len);
  for (let i = 0; i < 4096; i++) {
    if (nets.length > 0 && (hosts.length === 0 || i % 10 === 9)) {
      const { ip, cidr } = nets[rnd.nextU32() % nets.length]!;
      const a = new Uint8Array(len);
      rnd.fill(a);
      for (let bit = 0; bit < cidr; bit++) {
        const m = 0x80 >> (bit & 7);
        a[bit >> 3] = (a[bit >> 3]! & ~m) | (ip[bit >> 3]! & m);
      }
      probes.set(a, i * len);
    } else {
      probes.set(hosts[rnd.nextU32() % hosts.length]!, i * len);
    }
  }
  return { table, probes, probeLen: len };
}

function mask(ip: Uint8Array, cidr: number): void {
  for (let bit = cidr; bit < ip.length * 8; bit++) ip[bit >> 3]! &= ~(0x80 >> (bit & 7));
}

/** ns per lookup on a table of `n` prefixes (every probe is routed; a miss is an error). */
export function lookupNs(n: number, c: LookupCase, seconds: number): number {
  const seed = n + (c.v6 ? 7 : 0) + (c.mix === 'hosts' ? 13 : 0);
  const { table, probes, probeLen } = buildTable(n, c, new SeededRandom(seed));
  let misses = 0;
  const r = rate((i) => {
    if (table.lookup(probes, (i & 4095) * probeLen, probeLen) === undefined) misses++;
  }, seconds, 256);
  if (misses > 0) throw new Error(`${misses} lookups of routed addresses found no peer`);
  return 1e9 / r;
}

/** The lookup figures: id → case. allowedips.v4/v6.<n> are the daemon's table on the 90/10 mix. */
export function lookupCases(sizes: readonly number[]): [string, LookupCase][] {
  return sizes.flatMap((n): [string, LookupCase][] => [
    [`allowedips.v4.${n}`, { v6: false, mix: 'mix', table: 'indexed' }],
    [`allowedips.v4.hosts.${n}`, { v6: false, mix: 'hosts', table: 'indexed' }],
    [`allowedips.v6.${n}`, { v6: true, mix: 'mix', table: 'indexed' }],
    [`allowedips.v6.hosts.${n}`, { v6: true, mix: 'hosts', table: 'indexed' }],
    [`allowedips.trie.v4.${n}`, { v6: false, mix: 'mix', table: 'trie' }],
  ]);
}

export function runScaleBench(results: Results, s: BenchSettings): void {
  for (const [id, c] of lookupCases(s.lookupSizes)) {
    const n = Number(id.slice(id.lastIndexOf('.') + 1));
    const note = `${n} prefixes, ${c.mix === 'hosts' ? 'host routes only' : '90 % host routes, 10 % shorter (probes in the same ratio)'}, ${c.table === 'indexed' ? 'IndexedAllowedIps (the daemon’s table)' : 'plain trie'}`;
    results.measure(id, 'ns/lookup', s.reps, () => lookupNs(n, c, s.rateSeconds / 2), note);
  }
}
