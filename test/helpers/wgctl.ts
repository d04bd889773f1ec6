// Configuration and status of a WireGuard interface through the real `wg`
// tool (wireguard-tools), so interop tests exercise the UAPI exactly as users
// do. `wg show <if> dump` is parsed into typed records (wg(8) "dump" format:
// tab-separated, one interface line then one line per peer).
import type { WgInterface } from './impl.js';
import { secretFile, wg } from './impl.js';
import { waitFor } from './wait.js';

export interface PeerOptions {
  publicKey: string;
  allowedIps: readonly string[];
  /** "198.18.1.2:51820" or "[2001:db8:ff:1::2]:51820". */
  endpoint?: string;
  presharedKey?: string;
  persistentKeepalive?: number;
}

/** Adds or updates a peer with `wg set` (keys go through 0600 files). */
export async function setPeer(iface: WgInterface, peer: PeerOptions): Promise<void> {
  const args = ['set', iface.ifname, 'peer', peer.publicKey, 'allowed-ips', peer.allowedIps.join(',')];
  if (peer.endpoint) args.push('endpoint', peer.endpoint);
  if (peer.presharedKey) args.push('preshared-key', secretFile(iface.ns, `${iface.ifname}-psk`, peer.presharedKey));
  if (peer.persistentKeepalive !== undefined) args.push('persistent-keepalive', String(peer.persistentKeepalive));
  await wg(iface.ns, args);
}

export async function removePeer(iface: WgInterface, publicKey: string): Promise<void> {
  await wg(iface.ns, ['set', iface.ifname, 'peer', publicKey, 'remove']);
}

/** Gives the interface a new private key (the live key-change case). */
export async function setPrivateKey(iface: WgInterface, privateKey: string): Promise<void> {
  await wg(iface.ns, ['set', iface.ifname, 'private-key', secretFile(iface.ns, `${iface.ifname}-priv`, privateKey)]);
}

export interface PeerStatus {
  publicKey: string;
  hasPresharedKey: boolean;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds of the latest handshake; 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number;
}

export interface InterfaceStatus {
  publicKey: string;
  listenPort: number;
  fwmark: number;
  peers: PeerStatus[];
}

/** Parses `wg show <if> dump`. The private key column is dropped on purpose. */
export function parseDump(text: string): InterfaceStatus {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (lines.length === 0) throw new Error('empty wg dump');
  const head = lines[0]!.split('\t');
  if (head.length !== 4) throw new Error(`unexpected wg dump interface line (${head.length} fields)`);
  const num = (s: string | undefined): number => (s === undefined || s === 'off' || s === '(none)' ? 0 : Number(s));
  const status: InterfaceStatus = { publicKey: head[1]!, listenPort: num(head[2]), fwmark: num(head[3]), peers: [] };
  for (const line of lines.slice(1)) {
    const f = line.split('\t');
    if (f.length !== 8) throw new Error(`unexpected wg dump peer line (${f.length} fields)`);
    status.peers.push({
      publicKey: f[0]!,
      hasPresharedKey: f[1] !== '(none)',
      endpoint: f[2] === '(none)' ? null : f[2]!,
      allowedIps: f[3] === '(none)' ? [] : f[3]!.split(','),
      latestHandshake: num(f[4]),
      rxBytes: num(f[5]),
      txBytes: num(f[6]),
      persistentKeepalive: num(f[7]),
    });
  }
  return status;
}

export async function showStatus(iface: WgInterface): Promise<InterfaceStatus> {
  return parseDump((await wg(iface.ns, ['show', iface.ifname, 'dump'])).stdout);
}

export async function peerStatus(iface: WgInterface, publicKey: string): Promise<PeerStatus | undefined> {
  return (await showStatus(iface)).peers.find((p) => p.publicKey === publicKey);
}

/** `wg showconf` text (contains keys: compare it, never print it). */
export async function showConf(iface: WgInterface): Promise<string> {
  return (await wg(iface.ns, ['showconf', iface.ifname])).stdout;
}

/** Waits (bounded) until `wg show` reports a handshake with the peer. */
export async function waitForHandshake(iface: WgInterface, publicKey: string, timeoutMs = 10000): Promise<PeerStatus> {
  return waitFor(
    async () => {
      const p = await peerStatus(iface, publicKey);
      return p && p.latestHandshake > 0 ? p : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `a handshake on ${iface.ifname} (${iface.impl})` },
  );
}
