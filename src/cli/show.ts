/**
 * `wg show <if>` and `wg show <if> dump` text for a DeviceSnapshot, as
 * wireguard-tools show.c prints it without colour: peers sorted newest
 * handshake first (never-handshaked last), "N minutes, N seconds ago" ages,
 * byte counts in B/KiB/MiB/GiB/TiB with two decimals (C printf rounding).
 */
import type { DeviceSnapshot, PeerSnapshot } from '../core/config.js';
import { formatEndpoint } from '../core/endpoint.js';
import { isAllZero, toBase64 } from '../util/bytes.js';
import { formatPrefix } from '../util/ip.js';
import { splitWallMs } from '../uapi/format.js';

export interface ShowOptions {
  /** Current wall-clock time in ms (for "latest handshake: … ago"). */
  readonly nowMs: number;
  /** Print private and preshared keys instead of "(hidden)" (wg's WG_HIDE_KEYS=never). */
  readonly showKeys?: boolean;
}

/** show.c pretty_time: "1 year, 2 days, 3 hours, 4 minutes, 5 seconds", zero units left out. */
export function prettyTime(totalSeconds: number): string {
  let left = Math.max(0, Math.floor(totalSeconds));
  const units: Array<[string, number]> = [
    ['year', 365 * 24 * 3600],
    ['day', 24 * 3600],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(left / size);
    left %= size;
    if (n) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}

/** "%.2f" of num/den with C's round-half-to-even on the exact value. */
function fixed2(num: bigint, den: bigint): string {
  const scaled = num * 100n;
  let q = scaled / den;
  const twiceRem = (scaled % den) * 2n;
  if (twiceRem > den || (twiceRem === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** show.c bytes(): "512 B", "1.50 KiB", … "2.00 TiB". */
export function formatBytes(n: number): string {
  const b = BigInt(Math.max(0, Math.floor(n)));
  const units = ['KiB', 'MiB', 'GiB'];
  if (b < 1024n) return `${b} B`;
  for (let i = 0; i < units.length; i++) {
    const den = 1024n ** BigInt(i + 1);
    if (b < den * 1024n) return `${fixed2(b, den)} ${units[i]}`;
  }
  return `${fixed2(b, 1024n ** 4n)} TiB`;
}

function ago(sec: number, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  if (now === sec) return 'Now';
  if (now < sec) return '(System clock wound backward; connection problems may ensue.)';
  return `${prettyTime(now - sec)} ago`;
}

/** show.c peer order: newest handshake first; peers that never handshook last (stable otherwise). */
export function sortPeers(peers: readonly PeerSnapshot[]): PeerSnapshot[] {
  const t = (p: PeerSnapshot): { sec: number; nsec: number } => splitWallMs(p.lastHandshakeWallMs);
  return [...peers].sort((a, b) => {
    const ta = t(a);
    const tb = t(b);
    const za = ta.sec === 0 && ta.nsec === 0;
    const zb = tb.sec === 0 && tb.nsec === 0;
    if (za !== zb) return za ? 1 : -1;
    return tb.sec - ta.sec || tb.nsec - ta.nsec;
  });
}

function hasKey(k: Uint8Array | null): k is Uint8Array {
  return k !== null && !isAllZero(k);
}

/** `wg show <ifname>` (no colour). */
export function formatShow(ifname: string, s: DeviceSnapshot, opts: ShowOptions): string {
  const secret = (k: Uint8Array): string => (opts.showKeys ? toBase64(k) : '(hidden)');
  const lines: string[] = [`interface: ${ifname}`];
  if (hasKey(s.privateKey)) {
    // wg derives the public key from the private key it read; without one it prints neither.
    if (s.publicKey !== null) lines.push(`  public key: ${toBase64(s.publicKey)}`);
    lines.push(`  private key: ${secret(s.privateKey)}`);
  }
  if (s.listenPort) lines.push(`  listening port: ${s.listenPort}`);
  if (s.fwmark) lines.push(`  fwmark: 0x${s.fwmark.toString(16)}`);
  for (const p of sortPeers(s.peers)) {
    lines.push('', `peer: ${toBase64(p.publicKey)}`);
    if (hasKey(p.presharedKey)) lines.push(`  preshared key: ${secret(p.presharedKey)}`);
    if (p.endpoint !== null) lines.push(`  endpoint: ${formatEndpoint(p.endpoint)}`);
    lines.push(`  allowed ips: ${p.allowedIps.length ? p.allowedIps.map(formatPrefix).join(', ') : '(none)'}`);
    const { sec } = splitWallMs(p.lastHandshakeWallMs);
    if (sec) lines.push(`  latest handshake: ${ago(sec, opts.nowMs)}`);
    if (p.rxBytes || p.txBytes) lines.push(`  transfer: ${formatBytes(p.rxBytes)} received, ${formatBytes(p.txBytes)} sent`);
    if (p.persistentKeepalive) lines.push(`  persistent keepalive: every ${prettyTime(p.persistentKeepalive)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * `wg show <ifname> dump`: tab-separated, keys unhidden, peers in get order.
 * With `withInterface` every line starts with the interface name (`wg show all dump`).
 */
export function formatDump(ifname: string, s: DeviceSnapshot, _nowMs?: number, withInterface = false): string {
  const pre = withInterface ? `${ifname}\t` : '';
  const maybe = (k: Uint8Array | null): string => (hasKey(k) ? toBase64(k) : '(none)');
  const havePriv = hasKey(s.privateKey);
  let out = `${pre}${maybe(s.privateKey)}\t${havePriv && s.publicKey ? toBase64(s.publicKey) : '(none)'}\t${s.listenPort}\t${
    s.fwmark ? `0x${s.fwmark.toString(16)}` : 'off'
  }\n`;
  for (const p of s.peers) {
    out += [
      `${pre}${toBase64(p.publicKey)}`,
      maybe(p.presharedKey),
      p.endpoint ? formatEndpoint(p.endpoint) : '(none)',
      p.allowedIps.length ? p.allowedIps.map(formatPrefix).join(',') : '(none)',
      String(splitWallMs(p.lastHandshakeWallMs).sec),
      String(Math.floor(p.rxBytes)),
      String(Math.floor(p.txBytes)),
      p.persistentKeepalive ? String(p.persistentKeepalive) : 'off',
    ].join('\t');
    out += '\n';
  }
  return out;
}
