// Two-node tunnel topology for interop tests: namespaces A and B joined by
// one veth link (underlay 198.18.1.0/24 + 2001:db8:ff:1::/64), one WireGuard
// interface each (inner 198.19.1.0/24 + 2001:db8:1::/64). By default only A
// knows B's endpoint, so A is guaranteed to be the handshake initiator and B
// learns A's address from authenticated packets (whitepaper §2.1 roaming).
import type { Lab, Netns, VethLink } from './netns.js';
import { genPsk, startInterface, type Impl, type WgInterface } from './impl.js';
import { setPeer } from './wgctl.js';

export interface PairOptions {
  /** Underlay family for the endpoint (default 4). */
  outer?: 4 | 6;
  /** Use a preshared key: true = the same fresh PSK on both sides; or explicit per side. */
  psk?: boolean | { a?: string; b?: string };
  /** Also give B an endpoint for A (then either side may initiate). */
  endpointOnBoth?: boolean;
  listenPortA?: number;
  listenPortB?: number;
}

export interface Pair {
  lab: Lab;
  link: VethLink;
  a: WgInterface;
  b: WgInterface;
  /** Inner addresses (no prefix length). */
  a4: string;
  b4: string;
  a6: string;
  b6: string;
  /** Endpoint string each side would use to reach the other. */
  endpointOfA: string;
  endpointOfB: string;
}

export const INNER = {
  a4: '198.19.1.1',
  b4: '198.19.1.2',
  a6: '2001:db8:1::1',
  b6: '2001:db8:1::2',
} as const;

export function endpointString(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** Builds A(implA) ⇄ B(implB) over one veth link; see the file header. */
export async function makePair(lab: Lab, implA: Impl, implB: Impl, opts: PairOptions = {}): Promise<Pair> {
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const v6 = opts.outer === 6;
  return buildTunnel(lab, link, nsA!, nsB!, implA, implB, v6 ? link.a6 : link.a4, v6 ? link.b6 : link.b4, opts);
}

export interface NatPair extends Pair {
  router: Netns;
  /** router ⇄ B link; B sees A as the router's address on it. */
  outside: VethLink;
}

/**
 * A behind a masquerading router R: A(198.18.1.1) — R — B(198.18.2.2).
 * B only ever sees R's outside address, so changing that address (see
 * rebindNat) moves A's public endpoint while A's own socket stays put —
 * the NAT-rebinding form of roaming. Needs `nft` in the router namespace.
 */
export async function makeNatPair(lab: Lab, implA: Impl, implB: Impl, opts: Omit<PairOptions, 'outer' | 'endpointOnBoth'> = {}): Promise<NatPair> {
  const [nsA, router, nsB] = await lab.addNamespaces(3);
  const inside = await lab.connect(nsA!, router!);
  const outside = await lab.connect(router!, nsB!);
  await nsA!.ip(['route', 'add', '198.18.0.0/15', 'via', inside.b4]);
  await router!.run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
  await router!.run(['sysctl', '-q', '-w', `net.ipv4.conf.${outside.devA}.promote_secondaries=1`]);
  const rules = `table ip tswg_nat {\n chain post {\n  type nat hook postrouting priority 100;\n  oifname "${outside.devA}" masquerade\n }\n}\n`;
  await router!.run(['nft', '-f', '-'], { input: rules });
  const pair = await buildTunnel(lab, inside, nsA!, nsB!, implA, implB, inside.a4, outside.b4, opts);
  // What B will see: the router's outside address (masquerade keeps the port when free).
  return { ...pair, router: router!, outside, endpointOfA: endpointString(outside.a4, pair.a.listenPort) };
}

/**
 * Gives the router a new outside address and drops the old one; masquerade
 * forgets its mappings for the old address, so A's next packet reaches B
 * from `newAddr`. Returns the new address.
 */
export async function rebindNat(p: NatPair, newAddr = '198.18.2.11'): Promise<string> {
  await p.lab.moveIPv4(p.router, p.outside.devA, p.outside.a4, newAddr);
  return newAddr;
}

async function buildTunnel(
  lab: Lab,
  link: VethLink,
  nsA: Netns,
  nsB: Netns,
  implA: Impl,
  implB: Impl,
  underA: string,
  underB: string,
  opts: PairOptions,
): Promise<Pair> {
  const [a, b] = await Promise.all([
    startInterface(nsA, implA, {
      listenPort: opts.listenPortA ?? 51820,
      address4: `${INNER.a4}/24`,
      address6: `${INNER.a6}/64`,
    }),
    startInterface(nsB, implB, {
      listenPort: opts.listenPortB ?? 51820,
      address4: `${INNER.b4}/24`,
      address6: `${INNER.b6}/64`,
    }),
  ]);
  const endpointOfA = endpointString(underA, a.listenPort);
  const endpointOfB = endpointString(underB, b.listenPort);
  let pskA: string | undefined;
  let pskB: string | undefined;
  if (opts.psk === true) pskA = pskB = genPsk();
  else if (opts.psk) ({ a: pskA, b: pskB } = opts.psk);
  await setPeer(a, {
    publicKey: b.keys.publicKey,
    allowedIps: [`${INNER.b4}/32`, `${INNER.b6}/128`],
    endpoint: endpointOfB,
    presharedKey: pskA,
  });
  await setPeer(b, {
    publicKey: a.keys.publicKey,
    allowedIps: [`${INNER.a4}/32`, `${INNER.a6}/128`],
    endpoint: opts.endpointOnBoth ? endpointOfA : undefined,
    presharedKey: pskB,
  });
  return { lab, link, a, b, ...INNER, endpointOfA, endpointOfB };
}
