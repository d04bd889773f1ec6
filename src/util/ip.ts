/**
 * IP address, CIDR prefix and UDP endpoint text <-> bytes.
 *
 * Parsers are strict and never throw: text arrives over UAPI and from config
 * files, so anything malformed is `null`. IPv6 output is the RFC 5952 §4
 * canonical form (lowercase, longest zero run compressed, IPv4-mapped
 * addresses as `::ffff:a.b.c.d` per RFC 5952 §5). No node:net, so util stays
 * portable and usable from the sans-IO layers.
 */

/**
 * A CIDR prefix with host bits cleared (4 or 16 bytes). Structurally identical
 * to `AllowedIp` in src/core/config.ts; declared here because util may not
 * import from core (layers point left).
 */
export interface AllowedIp {
  readonly ip: Uint8Array;
  readonly cidr: number;
}

/** Structurally identical to `Endpoint` in src/core/endpoint.ts (see above). */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

const DIGIT0 = 0x30;

/** Strict decimal: 1..maxLen digits, no sign, no leading zero (except "0"). */
function parseDecimal(s: string, maxLen: number): number {
  if (s.length === 0 || s.length > maxLen) return -1;
  if (s.length > 1 && s.charCodeAt(0) === DIGIT0) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - DIGIT0;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Dotted quad into out[at..at+4); false if malformed (leading zeros rejected: no octal ambiguity). */
function parseIpv4Into(s: string, out: Uint8Array, at: number): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    const v = parseDecimal(parts[i]!, 3);
    if (v < 0 || v > 255) return false;
    out[at + i] = v;
  }
  return true;
}

function parseHexGroup(s: string): number {
  if (s.length === 0 || s.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
    else return -1;
    v = (v << 4) | d;
  }
  return v;
}

/** Parses the groups on one side of "::" into 16-bit words; null if malformed. */
function parseGroups(side: string, allowTrailingV4: boolean): number[] | null {
  if (side === '') return [];
  const parts = side.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && allowTrailingV4 && p.includes('.')) {
      const v4 = new Uint8Array(4);
      if (!parseIpv4Into(p, v4, 0)) return null;
      words.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      continue;
    }
    const w = parseHexGroup(p);
    if (w < 0) return null;
    words.push(w);
  }
  return words;
}

/** RFC 4291 §2.2 text forms (no zone index). */
function parseIpv6(s: string): Uint8Array | null {
  const dbl = s.indexOf('::');
  let words: number[];
  if (dbl < 0) {
    const all = parseGroups(s, true);
    if (all === null || all.length !== 8) return null;
    words = all;
  } else {
    if (s.indexOf('::', dbl + 1) >= 0) return null;
    const head = parseGroups(s.slice(0, dbl), false);
    const tail = parseGroups(s.slice(dbl + 2), true);
    if (head === null || tail === null) return null;
    // "::" stands for one or more zero groups (RFC 4291 §2.2 item 2).
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

/** IPv4 (4 bytes) or IPv6 (16 bytes, IPv4-mapped text allowed); null if malformed. */
export function parseIp(text: string): Uint8Array | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return null;
  if (text.includes(':')) return parseIpv6(text);
  const out = new Uint8Array(4);
  return parseIpv4Into(text, out, 0) ? out : null;
}

/** True for ::ffff:0:0/96, the IPv4-mapped IPv6 block (RFC 4291 §2.5.5.2). */
export function isIpv4Mapped(ip: Uint8Array): boolean {
  if (ip.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

/** The 4-byte address for an IPv4-mapped IPv6 address; any other address unchanged. */
export function unmapIp(ip: Uint8Array): Uint8Array {
  return isIpv4Mapped(ip) ? ip.slice(12, 16) : ip;
}

function formatIpv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Dotted quad, or RFC 5952 canonical IPv6. Throws only on a wrong length (a programming error). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return formatIpv4(bytes, 0);
  if (bytes.length !== 16) throw new RangeError(`IP address must be 4 or 16 bytes, got ${bytes.length}`);
  if (isIpv4Mapped(bytes)) return `::ffff:${formatIpv4(bytes, 12)}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  // RFC 5952 §4.2: compress the longest run of >= 2 zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    words
      .slice(from, to)
      .map((w) => w.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** Canonical text of an address (keeps the family: `::ffff:a.b.c.d` stays IPv6); null if malformed. */
export function canonicalAddress(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip);
}

/** Copy of `ip` with every bit past `cidr` cleared. */
export function maskIp(ip: Uint8Array, cidr: number): Uint8Array {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bitsHere = cidr - 8 * i;
    if (bitsHere >= 8) out[i] = ip[i]!;
    else if (bitsHere > 0) out[i] = ip[i]! & (0xff << (8 - bitsHere));
  }
  return out;
}

/** `addr/cidr` or a bare address (= /32 or /128); host bits are masked off. Null if malformed. */
export function parsePrefix(text: string): AllowedIp | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const max = ip.length * 8;
  if (slash < 0) return { ip, cidr: max };
  const cidr = parseDecimal(text.slice(slash + 1), 3);
  if (cidr < 0 || cidr > max) return null;
  return { ip: maskIp(ip, cidr), cidr };
}

/** `addr/cidr` in canonical form (the address is masked first, as wg show prints it). */
export function formatPrefix(p: AllowedIp): string {
  return `${formatIp(maskIp(p.ip, p.cidr))}/${p.cidr}`;
}

/** Numeric `a.b.c.d:port` or `[v6]:port` with port 1..65535; address canonicalised. Null if malformed. */
export function parseEndpoint(text: string): Endpoint | null {
  if (typeof text !== 'string') return null;
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return null;
    host = text.slice(1, close);
    if (!host.includes(':')) return null; // brackets are for IPv6 only
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return null;
    host = text.slice(0, colon);
    if (host.includes(':')) return null; // IPv6 needs brackets
    portText = text.slice(colon + 1);
  }
  const ip = parseIp(host);
  if (ip === null) return null;
  const port = parseDecimal(portText, 5);
  if (port < 1 || port > 65535) return null;
  return { address: formatIp(ip), port };
}

/**
 * Bytes identifying a UDP source for cookies (whitepaper §5.4.7 "source IP
 * address and port"): IP bytes ‖ port (u16 big-endian). An IPv4-mapped IPv6
 * address is keyed as its IPv4 address, so a dual-stack socket reporting
 * `::ffff:a.b.c.d` yields the same key as `a.b.c.d`. The key is local (only we
 * verify cookies we issued), so its layout is not a wire format.
 */
export function endpointKey(e: Endpoint): Uint8Array {
  const parsed = parseIp(e.address);
  const ip = parsed === null ? new Uint8Array(16) : unmapIp(parsed);
  const out = new Uint8Array(ip.length + 2);
  out.set(ip, 0);
  out[ip.length] = (e.port >>> 8) & 0xff;
  out[ip.length + 1] = e.port & 0xff;
  return out;
}
