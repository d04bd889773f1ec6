/**
 * In-process scale figures (issue 5 "Scale"): cryptokey-routing lookup cost
 * (ns per lookup) at 10, 1,000 and 10,000 prefixes in the table the daemon
 * uses (IndexedAllowedIps: host-route hash in front of the trie) — host
 * routes only and a 90/10 mix with shorter prefixes, IPv4 and IPv6; it
 * should be flat in the number of peers — with the plain trie beside it
 * (allowedips.trie.*), and the responder's handshake rate
 * when a flood of valid initiations, each from its own peer and source
 * endpoint, reaches one Device (not under load, so no cookie round trip),
 * in samples of several thousand so each carries its share of collection.
 */
import { AllowedIps } from '../src/core/allowed-ips.js';
import { IndexedAllowedIps } from '../src/core/allowed-ips-hosts.js';
import { CookieGenerator } from '../src/core/cookie.js';
import { Device } from '../src/core/device.js';
import type { Endpoint } from '../src/core/endpoint.js';
import { Handshake, createInitiation, peerHandshakeKeys, type LocalIdentity, type PeerHandshakeKeys } from '../src/core/handshake.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { nodeProvider } from '../src/crypto/node.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { systemRandom } from '../src/io/system-ports.js';
import { FakeClock } from '../test/helpers/fake-clock.js';
import { SeededRandom } from '../test/helpers/seeded-random.js';
import { missing, nowSeconds, rate, summarize, type Results } from './stats.js';
import { measureBoth, timedCountBoth, type DualRate } from './cpu-rate.js';
import type { BenchSettings } from './settings.js';
import { collectGarbage } from './collect-garbage.js';
import { BOUND_UNIT, handshakeBound } from './x25519-bound.js';

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

function identity(p: CryptoProvider): LocalIdentity {
  const privateKey = generatePrivateKey(systemRandom);
  return { privateKey, publicKey: publicKeyOf(p, privateKey) };
}

interface Flood {
  device: Device;
  clock: FakeClock;
  responses: number;
  initiators: LocalIdentity[];
  /** Per initiator: its handshake keys for the responder (static-static precomputed once) and its source endpoint. */
  keys: PeerHandshakeKeys[];
  sources: Endpoint[];
  macs: CookieGenerator;
}

/** A responder Device that knows `n` initiator peers (one /32 each, no endpoint). */
function floodTarget(p: CryptoProvider, n: number): Flood {
  const clock = new FakeClock();
  const responder = identity(nodeProvider);
  const initiators = Array.from({ length: n }, () => identity(nodeProvider));
  const f: Flood = {
    device: null as unknown as Device,
    clock,
    responses: 0,
    initiators,
    keys: initiators.map((id) => peerHandshakeKeys(nodeProvider, id, responder.publicKey, null)),
    sources: initiators.map((_, k) => ({ address: `198.18.${(k >> 8) & 0xff}.${k & 0xff}`, port: 1024 + k })),
    macs: new CookieGenerator(nodeProvider, clock, responder.publicKey),
  };
  f.device = new Device({
    crypto: p,
    clock,
    random: systemRandom,
    effects: {
      transmit: (_to, d) => {
        if (d[0] === 2) f.responses++;
      },
      deliver: () => undefined,
      emit: () => undefined,
    },
  });
  const err = f.device.apply({
    privateKey: responder.privateKey,
    listenPort: 51820,
    peers: initiators.map((id, k) => ({
      publicKey: id.publicKey,
      allowedIps: [{ ip: Uint8Array.of(198, 19, (k >> 8) & 0xff, k & 0xff), cidr: 32, add: true }],
    })),
  });
  if (err !== null) throw new Error(`apply: ${err}`);
  f.device.setUp(true);
  return f;
}

/** Time between flood rounds: past the 20 ms per-peer initiation spacing, and a newer TAI64N each round. */
const ROUND_MS = 1000;

/**
 * One flood sample of `rounds` rounds: untimed, every initiator builds one
 * fresh initiation with mac1 per round, stamped with that round's wall time
 * (built with node:crypto since the bytes are provider-neutral); then a
 * full GC, so the initiators' garbage is not billed to the responder; then
 * the responder consumes all of them, the clock moving one round on before
 * each round. Returns handshakes/s; throws unless every one was answered.
 */
function floodSample(f: Flood, rounds: number): DualRate {
  const base = f.clock.wallNow();
  const batches: Uint8Array[][] = [];
  for (let r = 1; r <= rounds; r++) {
    batches.push(f.initiators.map((id, k) => {
      const msg = createInitiation(nodeProvider, id, f.keys[k]!, new Handshake(), k + 1, base + r * ROUND_MS, systemRandom);
      if (msg === null) throw new Error('createInitiation failed');
      f.macs.addMacs(msg);
      return msg;
    }));
  }
  collectGarbage();
  const before = f.responses;
  const total = rounds * f.initiators.length;
  const { device, clock, sources } = f;
  const r = timedCountBoth(total, () => {
    for (const msgs of batches) {
      clock.advance(ROUND_MS);
      for (let k = 0; k < msgs.length; k++) device.receiveDatagram(msgs[k]!, sources[k]!);
    }
  });
  const answered = f.responses - before;
  if (answered !== total) {
    const drops = Object.entries(f.device.drops).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(',');
    throw new Error(`${total} initiations, ${answered} responses (drops ${drops || 'none'})`);
  }
  return r;
}

/**
 * Untimed samples until the flood target is in steady state, as a responder
 * under a long flood is: at least WARM_HANDSHAKES initiations and the last
 * two samples within 10 % of each other, or WARM_SECONDS at most. Over the
 * first 5,000–9,000 handshakes in a fresh process the per-CPU-second rate
 * climbed from ≈ 1,800 to ≈ 4,000–5,000 (N = 500, one round per sample,
 * load ≈ 1–2.5): V8 was still growing the young generation from its small
 * initial size and its background compilers, which process CPU time
 * counts, were still busy. Every warm-up and timed sample verifies every
 * response (floodSample throws otherwise). A --quick run (CI: the harness
 * must work, speed is not asserted) keeps a single warm-up sample.
 */
const WARM_HANDSHAKES = 6_000;
const WARM_SECONDS = 15;

function warmed(f: Flood, rounds: number, quick: boolean): Flood {
  if (quick) {
    floodSample(f, rounds);
    return f;
  }
  const end = nowSeconds() + WARM_SECONDS;
  let done = 0;
  let last = 0;
  for (;;) {
    const r = floodSample(f, rounds).cpu;
    done += rounds * f.initiators.length;
    const settled = last > 0 && Math.abs(r - last) <= 0.1 * Math.max(r, last);
    last = r;
    if ((done >= WARM_HANDSHAKES && settled) || nowSeconds() >= end) return f;
  }
}

export function runScaleBench(results: Results, providers: readonly CryptoProvider[], s: BenchSettings): void {
  for (const [id, c] of lookupCases(s.lookupSizes)) {
    const n = Number(id.slice(id.lastIndexOf('.') + 1));
    const note = `${n} prefixes, ${c.mix === 'hosts' ? 'host routes only' : '90 % host routes, 10 % shorter (probes in the same ratio)'}, ${c.table === 'indexed' ? 'IndexedAllowedIps (the daemon’s table)' : 'plain trie'}`;
    results.measure(id, 'ns/lookup', s.reps, () => lookupNs(n, c, s.rateSeconds / 2), note);
  }
  for (const p of providers) {
    let f: Flood | null = null;
    // noble needs ≈ 2 s for one round of 500, where its GC is a small share; node:crypto's rounds are ≈ 0.1 s each.
    const rounds = p.name === 'node' ? s.floodRounds : 1;
    const shares: number[] = [];
    measureBoth(results, `flood.${p.name}.responder`, `flood.${p.name}.responderCpu`, 'handshakes/s', 'handshakes/CPU-s', s.slowReps,
      () => {
        f ??= warmed(floodTarget(p, s.floodInitiations), rounds, s.quick);
        const bound = handshakeBound(p, s.rateSeconds / 2);
        const r = floodSample(f, rounds);
        shares.push(r.cpu / bound);
        return r;
      },
      `${rounds} × ${s.floodInitiations} initiations from as many peers and source endpoints per sample, one Device, from a collected heap`);
    // The same share of the X25519 bound as handshake.<p>.responderOfBound, so a
    // flood measured in a slow minute of the host can be told from a slow flood.
    results.set(`flood.${p.name}.responderOfBound`, shares.length === s.slowReps
      ? summarize(BOUND_UNIT, shares, 'responderCpu over a quarter of the X25519 rate measured just before each sample')
      : missing('unavailable', BOUND_UNIT, `same samples as flood.${p.name}.responder, which failed`));
  }
}
