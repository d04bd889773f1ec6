/**
 * Reply to a UAPI `get=1` request (cross-platform UAPI, "get" operation) in
 * exactly wireguard-go's order (protocol-checklist §10.3): device keys, then
 * each peer's keys, then `errno=0` and the empty line that ends the reply.
 * Keys are lowercase hex; allowed IPs are printed masked. formatSetLines is
 * the inverse of parseSet (what a client such as wg(8) sends).
 */
import type { ConfigDelta, DeviceSnapshot, PeerSnapshot } from '../core/config.js';
import { formatEndpoint } from '../core/endpoint.js';
import { isAllZero, toHex } from '../util/bytes.js';
import { formatPrefix } from '../util/ip.js';
import { formatErrno } from './errors.js';

export { formatErrno };

const ZERO_KEY_HEX = '0'.repeat(64);

/** Seconds and nanoseconds of a wall-clock time in ms (0/0 = never). */
export function splitWallMs(ms: number): { sec: number; nsec: number } {
  if (!(ms > 0)) return { sec: 0, nsec: 0 };
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.max(0, Math.round((ms - sec * 1000) * 1e6)));
  return { sec, nsec };
}

function count(n: number): string {
  return n > 0 ? String(Math.floor(n)) : '0';
}

function peerLines(p: PeerSnapshot, out: string[]): void {
  out.push(`public_key=${toHex(p.publicKey)}`);
  out.push(`preshared_key=${p.presharedKey === null ? ZERO_KEY_HEX : toHex(p.presharedKey)}`);
  out.push('protocol_version=1');
  if (p.endpoint !== null) out.push(`endpoint=${formatEndpoint(p.endpoint)}`);
  const t = splitWallMs(p.lastHandshakeWallMs);
  out.push(`last_handshake_time_sec=${t.sec}`);
  out.push(`last_handshake_time_nsec=${t.nsec}`);
  out.push(`tx_bytes=${count(p.txBytes)}`);
  out.push(`rx_bytes=${count(p.rxBytes)}`);
  out.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
  for (const a of p.allowedIps) out.push(`allowed_ip=${formatPrefix(a)}`);
}

/** The full get reply, ending in `errno=0\n\n`. */
export function formatGet(s: DeviceSnapshot): string {
  const out: string[] = [];
  if (s.privateKey !== null && !isAllZero(s.privateKey)) out.push(`private_key=${toHex(s.privateKey)}`);
  if (s.listenPort !== 0) out.push(`listen_port=${s.listenPort}`);
  if (s.fwmark !== 0) out.push(`fwmark=${s.fwmark}`);
  for (const p of s.peers) peerLines(p, out);
  return (out.length > 0 ? out.join('\n') + '\n' : '') + formatErrno(0);
}

/**
 * The `key=value` lines of a set request meaning `d` (without `set=1` and the
 * terminating empty line), in the order wg(8) sends them; parseSet() of the
 * result gives back `d`.
 */
export function formatSetLines(d: ConfigDelta): string[] {
  const out: string[] = [];
  if (d.privateKey !== undefined) out.push(`private_key=${d.privateKey === null ? ZERO_KEY_HEX : toHex(d.privateKey)}`);
  if (d.listenPort !== undefined) out.push(`listen_port=${d.listenPort}`);
  if (d.fwmark !== undefined) out.push(`fwmark=${d.fwmark}`);
  if (d.replacePeers) out.push('replace_peers=true');
  for (const p of d.peers) {
    out.push(`public_key=${toHex(p.publicKey)}`);
    if (p.remove) out.push('remove=true');
    if (p.updateOnly) out.push('update_only=true');
    if (p.presharedKey !== undefined) {
      out.push(`preshared_key=${p.presharedKey === null ? ZERO_KEY_HEX : toHex(p.presharedKey)}`);
    }
    if (p.endpoint !== undefined) out.push(`endpoint=${formatEndpoint(p.endpoint)}`);
    if (p.persistentKeepalive !== undefined) out.push(`persistent_keepalive_interval=${p.persistentKeepalive}`);
    if (p.replaceAllowedIps) out.push('replace_allowed_ips=true');
    for (const a of p.allowedIps ?? []) out.push(`allowed_ip=${a.add ? '' : '-'}${formatPrefix(a)}`);
  }
  return out;
}
