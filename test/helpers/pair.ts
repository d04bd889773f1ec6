// Two-node tunnel topology for interop tests: namespaces A and B joined by
// one veth link (underlay 198.18.1.0/24 + 2001:db8:ff:1::/64), one WireGuard
// interface each (inner 198.19.1.0/24 + 2001:db8:1::/64). By default only A
// knows B's endpoint, so A is guaranteed to be the handshake initiator and B
// learns A's address from authenticated packets (whitepaper §2.1 roaming).
import type { Lab, VethLink } from './netns.js';
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

/** Builds A(implA) ⇄ B(implB); see the file header for the addressing plan. */
export async function makePair(lab: Lab, implA: Impl, implB: Impl, opts: PairOptions = {}): Promise<Pair> {
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const a = await startInterface(nsA!, implA, {
    listenPort: opts.listenPortA ?? 51820,
    address4: `${INNER.a4}/24`,
    address6: `${INNER.a6}/64`,
  });
  const b = await startInterface(nsB!, implB, {
    listenPort: opts.listenPortB ?? 51820,
    address4: `${INNER.b4}/24`,
    address6: `${INNER.b6}/64`,
  });
  const v6 = opts.outer === 6;
  const endpointOfA = endpointString(v6 ? link.a6 : link.a4, a.listenPort);
  const endpointOfB = endpointString(v6 ? link.b6 : link.b4, b.listenPort);
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
