/**
 * In-process scale figures (issue 5 "Scale"): cryptokey-routing lookup cost
 * (AllowedIps.lookup, ns per lookup) at 10, 1,000 and 10,000 prefixes — it
 * should be flat in the number of peers — and the responder's handshake rate
 * when a flood of valid initiations, each from its own peer and source
 * endpoint, reaches one Device (not under load, so no cookie round trip).
 */
import { AllowedIps } from '../src/core/allowed-ips.js';
import { CookieGenerator } from '../src/core/cookie.js';
import { Device } from '../src/core/device.js';
import type { Endpoint } from '../src/core/endpoint.js';
import { Handshake, createInitiation, peerHandshakeKeys, type LocalIdentity } from '../src/core/handshake.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { nodeProvider } from '../src/crypto/node.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { systemRandom } from '../src/io/system-ports.js';
import { FakeClock } from '../test/helpers/fake-clock.js';
import { SeededRandom } from '../test/helpers/seeded-random.js';
import { rate, type Results } from './stats.js';
import { measureBoth, timedCountBoth, type DualRate } from './cpu-rate.js';
import type { BenchSettings } from './settings.js';

/** A table of `n` distinct prefixes (mostly /32 or /128 host routes, like a server's peers, some shorter). */
function buildTable(n: number, v6: boolean, rnd: SeededRandom): { table: AllowedIps<number>; probes: Uint8Array; probeLen: 4 | 16 } {
  const len = v6 ? 16 : 4;
  const table = new AllowedIps<number>();
  const hits: Uint8Array[] = [];
  const seen = new Set<string>();
  while (table.size < n) {
    const ip = new Uint8Array(len);
    rnd.fill(ip);
    if (!v6) ip[0] = 198; // keep inside documentation-ish space; the trie does not care
    const host = rnd.nextU32() % 10 !== 0;
    const cidr = host ? len * 8 : (v6 ? 32 : 8) + (rnd.nextU32() % (v6 ? 96 : 24));
    mask(ip, cidr);
    const key = `${Buffer.from(ip).toString('hex')}/${cidr}`;
    if (seen.has(key)) continue;
    seen.add(key);
    table.insert(ip, cidr, table.size);
    if (host) hits.push(ip);
  }
  // 4096 probe addresses, all routed (host routes we inserted), packed in one buffer.
  const probes = new Uint8Array(4096 * len);
  for (let i = 0; i < 4096; i++) probes.set(hits[rnd.nextU32() % hits.length]!, i * len);
  return { table, probes, probeLen: len };
}

function mask(ip: Uint8Array, cidr: number): void {
  for (let bit = cidr; bit < ip.length * 8; bit++) ip[bit >> 3]! &= ~(0x80 >> (bit & 7));
}

/** ns per AllowedIps.lookup on a table of `n` prefixes. */
export function lookupNs(n: number, v6: boolean, seconds: number): number {
  const { table, probes, probeLen } = buildTable(n, v6, new SeededRandom(n + (v6 ? 7 : 0)));
  let misses = 0;
  const r = rate((i) => {
    if (table.lookup(probes, (i & 4095) * probeLen, probeLen) === undefined) misses++;
  }, seconds, 256);
  if (misses > 0) throw new Error(`${misses} lookups of inserted host routes found no peer`);
  return 1e9 / r;
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
  responder: LocalIdentity;
}

/** A responder Device that knows `n` initiator peers (one /32 each, no endpoint). */
function floodTarget(p: CryptoProvider, n: number): Flood {
  const clock = new FakeClock();
  const responder = identity(nodeProvider);
  const initiators = Array.from({ length: n }, () => identity(nodeProvider));
  const f: Flood = { device: null as unknown as Device, clock, responses: 0, initiators, responder };
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

/**
 * One flood sample: move time on (newer TAI64N timestamps, past the 20 ms
 * per-peer flood rule), let every initiator build a fresh initiation with
 * mac1 (untimed; built with node:crypto since the bytes are provider-neutral),
 * then time the responder consuming all of them. Returns handshakes/s.
 */
function floodSample(f: Flood): DualRate {
  f.clock.advance(1000);
  const wall = f.clock.wallNow();
  const msgs: { msg: Uint8Array; from: Endpoint }[] = f.initiators.map((id, k) => {
    const keys = peerHandshakeKeys(nodeProvider, id, f.responder.publicKey, null);
    const msg = createInitiation(nodeProvider, id, keys, new Handshake(), k + 1, wall, systemRandom);
    if (msg === null) throw new Error('createInitiation failed');
    new CookieGenerator(nodeProvider, f.clock, f.responder.publicKey).addMacs(msg);
    return { msg, from: { address: `198.18.${(k >> 8) & 0xff}.${k & 0xff}`, port: 1024 + k } };
  });
  const before = f.responses;
  const r = timedCountBoth(msgs.length, () => {
    for (const { msg, from } of msgs) f.device.receiveDatagram(msg, from);
  });
  const answered = f.responses - before;
  if (answered !== msgs.length) {
    const drops = Object.entries(f.device.drops).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(',');
    throw new Error(`${msgs.length} initiations, ${answered} responses (drops ${drops || 'none'})`);
  }
  return r;
}

export function runScaleBench(results: Results, providers: readonly CryptoProvider[], s: BenchSettings): void {
  for (const n of s.lookupSizes) {
    results.measure(`allowedips.v4.${n}`, 'ns/lookup', s.reps, () => lookupNs(n, false, s.rateSeconds));
  }
  const big = s.lookupSizes[s.lookupSizes.length - 1]!;
  results.measure(`allowedips.v6.${big}`, 'ns/lookup', s.reps, () => lookupNs(big, true, s.rateSeconds));
  for (const p of providers) {
    let f: Flood | null = null;
    measureBoth(results, `flood.${p.name}.responder`, `flood.${p.name}.responderCpu`, 'handshakes/s', 'handshakes/CPU-s', s.slowReps,
      () => floodSample((f ??= floodTarget(p, s.floodInitiations))),
      `${s.floodInitiations} initiations from as many peers and source endpoints, one Device`);
  }
}
