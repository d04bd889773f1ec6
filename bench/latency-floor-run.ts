/**
 * `node dist/bench/latency-floor-run.js [pings] [--split] [--vnet] [--against tswg|wireguard-go]`
 * (root): the latency floor of a Node.js tunnel on this host, beside a real
 * tunnel in the same minutes (docs/performance.md, tenth session).
 *
 * It brings up a pair of `relay-floor.js` relays (no protocol, no crypto,
 * tswg's addon, one event loop per end; `--split`: the receive direction on
 * a worker thread; `--vnet`: the TUN opened as tswg opens it) and a pair of
 * the other implementation (default wireguard-go), warms both, and pings
 * both at once. What the relay's replies show is the part of a ping's
 * latency no protocol work in tswg can remove.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Lab, type Netns } from '../test/helpers/netns.js';
import type { Impl } from '../test/helpers/impl.js';
import { rootUnavailable } from '../test/helpers/root.js';
import { ping, waitForPing } from '../test/helpers/transfer.js';
import { waitFor } from '../test/helpers/wait.js';
import { warmPair } from './latency-hops-run.js';
import { pingTogether, printReplyStats, replyStats, type PingTarget } from './latency-sametime-run.js';

export const FLOOR_TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];
const RELAY_SCRIPT = join(fileURLToPath(new URL('.', import.meta.url)), 'relay-floor.js');
const RELAY_PORT = 40000;

export interface RelayOptions {
  split: boolean;
  vnet: boolean;
}

export interface RelayPair extends PingTarget {
  /** The two relay processes (A, B). */
  pids: number[];
}

/** Display name of a relay variant. */
export function relayName(o: RelayOptions): string {
  return ['relay', ...(o.split ? ['split'] : []), ...(o.vnet ? ['vnet'] : [])].join('-');
}

/** A relay in `ns` on a TUN of its own, waited for until it reports ready. */
async function startRelay(ns: Netns, tun: string, bind: string, peer: string, o: RelayOptions): Promise<number> {
  const flags = [...(o.split ? ['--split'] : []), ...(o.vnet ? ['--vnet'] : [])];
  const p = ns.spawn([process.execPath, RELAY_SCRIPT, tun, bind, String(RELAY_PORT), peer, String(RELAY_PORT), ...flags]);
  await waitFor(() => p.stdout.includes(`ready ${tun}`) || p.status !== null, { timeoutMs: 15000, what: `relay ${tun} to start` });
  if (p.status !== null) throw new Error(`relay ${tun} exited: ${p.stderr.trim()}`);
  return p.pid;
}

/** Two namespaces joined by a veth, a relay at each end, inner addresses on the TUNs, warmed by 100 pings. */
export async function relayPair(lab: Lab, o: RelayOptions): Promise<RelayPair> {
  const [a, b] = await lab.addNamespaces(2);
  const link = await lab.connect(a!, b!);
  const inner = [`198.19.${link.index}.1`, `198.19.${link.index}.2`] as const;
  const ends = [
    { ns: a!, tun: lab.ifname(), bind: link.a4, peer: link.b4, addr: inner[0] },
    { ns: b!, tun: lab.ifname(), bind: link.b4, peer: link.a4, addr: inner[1] },
  ];
  const pids: number[] = [];
  for (const e of ends) {
    pids.push(await startRelay(e.ns, e.tun, e.bind, e.peer, o));
    await e.ns.ip(['addr', 'add', `${e.addr}/24`, 'dev', e.tun]);
    await e.ns.ip(['link', 'set', e.tun, 'mtu', '1420', 'up']);
  }
  await waitForPing(a!, inner[1], 10000);
  await ping(a!, inner[1], { count: 100, intervalS: 0.01, deadlineS: 5 });
  return { name: relayName(o), ns: a!, addr: inner[1], pids };
}

export interface FloorResult {
  times: Map<string, number[]>;
  relayPids: number[];
}

/** The relay pair and a pair of `against`, each in a lab of its own, pinged at once. */
export async function pingFloor(pings: number, o: RelayOptions, against: Impl): Promise<FloorResult> {
  const labs = [Lab.create(), Lab.create()];
  try {
    const relay = await relayPair(labs[0]!, o);
    const other = await warmPair(labs[1]!, against);
    const times = await pingTogether([relay, { name: against, ns: other.a.ns, addr: other.b4 }], pings);
    return { times, relayPids: relay.pids };
  } finally {
    for (const lab of labs) await lab.cleanup();
  }
}

export interface FloorArgs {
  pings: number;
  relay: RelayOptions;
  against: Impl;
}

/** The runner's arguments, or a usage message. */
export function parseFloorArgs(argv: readonly string[]): FloorArgs | string {
  const usage = 'usage: latency-floor-run.js [pings ≥ 10] [--split] [--vnet] [--against tswg|wireguard-go]';
  let against: Impl = 'wireguard-go';
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--against') {
      const v = argv[++i];
      if (v !== 'tswg' && v !== 'wireguard-go') return usage;
      against = v;
    } else if (a !== '--split' && a !== '--vnet') rest.push(a);
  }
  const pings = Number(rest[0] ?? 1500);
  if (rest.length > 1 || !Number.isInteger(pings) || pings < 10 || rest.some((a) => a.startsWith('--'))) return usage;
  return { pings, relay: { split: argv.includes('--split'), vnet: argv.includes('--vnet') }, against };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseFloorArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const why = rootUnavailable(FLOOR_TOOLS);
  if (why !== null) {
    process.stderr.write(`latency-floor: ${why}\n`);
    return 1;
  }
  const name = relayName(args.relay);
  process.stdout.write(`${args.pings} pings 10 ms apart through ${name} and ${args.against} at once\n`);
  const { times } = await pingFloor(args.pings, args.relay, args.against);
  for (const n of [name, args.against]) printReplyStats(n, replyStats(times.get(n) ?? []));
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
