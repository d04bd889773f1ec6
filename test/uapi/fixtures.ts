// Test fixtures for the uapi/cli tests: DeviceSnapshot builders and a tiny
// reference model of wireguard-go's set semantics (test-only, used to serve
// wg(8) from a fake UAPI socket and check what it reads back).
import type { AllowedIp, ConfigDelta, DeviceSnapshot, PeerSnapshot } from '../../src/core/config.js';
import { fromBase64, toHex } from '../../src/util/bytes.js';
import { parseEndpoint, parsePrefix } from '../../src/util/ip.js';

export function key(b64: string): Uint8Array {
  const k = fromBase64(b64);
  if (k === null || k.length !== 32) throw new Error('bad fixture key');
  return k;
}

export function prefixes(...texts: string[]): AllowedIp[] {
  return texts.map((t) => {
    const p = parsePrefix(t);
    if (p === null) throw new Error(`bad fixture prefix ${t}`);
    return p;
  });
}

export interface PeerFixture {
  publicKey: Uint8Array;
  presharedKey?: Uint8Array | null;
  endpoint?: string | null;
  persistentKeepalive?: number;
  allowedIps?: string[];
  lastHandshakeWallMs?: number;
  rxBytes?: number;
  txBytes?: number;
}

export function peer(f: PeerFixture): PeerSnapshot {
  const endpoint = f.endpoint ? parseEndpoint(f.endpoint) : null;
  if (f.endpoint && endpoint === null) throw new Error('bad fixture endpoint');
  return {
    publicKey: f.publicKey,
    presharedKey: f.presharedKey ?? null,
    hasPresharedKey: (f.presharedKey ?? null) !== null,
    endpoint,
    persistentKeepalive: f.persistentKeepalive ?? 0,
    allowedIps: prefixes(...(f.allowedIps ?? [])),
    lastHandshakeWallMs: f.lastHandshakeWallMs ?? 0,
    sessionStartWallMs: 0,
    rxBytes: f.rxBytes ?? 0,
    txBytes: f.txBytes ?? 0,
  };
}

export function device(
  privateKey: Uint8Array | null,
  publicKey: Uint8Array | null,
  listenPort: number,
  fwmark: number,
  peers: PeerSnapshot[],
): DeviceSnapshot {
  return { privateKey, publicKey, listenPort, fwmark, peers };
}

function sameIp(a: AllowedIp, b: AllowedIp): boolean {
  return a.cidr === b.cidr && toHex(a.ip) === toHex(b.ip);
}

/**
 * Applies a delta the way wireguard-go would (reference model for tests):
 * replace_peers, remove, update_only, allowed-IP moves between peers, and
 * `listenPort` 0 mapped to `randomPort`.
 */
export function applyDelta(
  s: DeviceSnapshot,
  d: ConfigDelta,
  publicOf: (priv: Uint8Array) => Uint8Array,
  randomPort = 40000,
): DeviceSnapshot {
  let privateKey = s.privateKey;
  let publicKey = s.publicKey;
  if (d.privateKey !== undefined) {
    privateKey = d.privateKey;
    publicKey = d.privateKey === null ? null : publicOf(d.privateKey);
  }
  const listenPort = d.listenPort === undefined ? s.listenPort : d.listenPort === 0 ? randomPort : d.listenPort;
  const fwmark = d.fwmark ?? s.fwmark;
  type M = { -readonly [K in keyof PeerSnapshot]: PeerSnapshot[K] };
  let peers: M[] = d.replacePeers ? [] : s.peers.map((p) => ({ ...p, allowedIps: [...p.allowedIps] }));
  for (const pd of d.peers) {
    const hex = toHex(pd.publicKey);
    if (publicKey !== null && hex === toHex(publicKey)) continue; // own key: ignored
    let p = peers.find((x) => toHex(x.publicKey) === hex);
    if (pd.remove) {
      peers = peers.filter((x) => x !== p);
      continue;
    }
    if (p === undefined) {
      if (pd.updateOnly) continue;
      p = peer({ publicKey: pd.publicKey }) as M;
      p.allowedIps = [];
      peers.push(p);
    }
    if (pd.presharedKey !== undefined) {
      p.presharedKey = pd.presharedKey;
      p.hasPresharedKey = pd.presharedKey !== null;
    }
    if (pd.endpoint !== undefined) p.endpoint = pd.endpoint;
    if (pd.persistentKeepalive !== undefined) p.persistentKeepalive = pd.persistentKeepalive;
    if (pd.replaceAllowedIps) p.allowedIps = [];
    for (const c of pd.allowedIps ?? []) {
      if (c.add) {
        for (const other of peers) other.allowedIps = other.allowedIps.filter((a) => !sameIp(a, c));
        p.allowedIps = [...p.allowedIps, { ip: c.ip, cidr: c.cidr }];
      } else {
        p.allowedIps = p.allowedIps.filter((a) => !sameIp(a, c));
      }
    }
  }
  return { privateKey, publicKey, listenPort, fwmark, peers };
}
