/**
 * ICMP echo packets for the in-tunnel liveness probe (probe.ts): build an
 * echo request inside a complete IPv4 or IPv6 packet, and recognise an echo
 * reply. Byte layouts: IPv4 header RFC 791 §3.1, ICMP echo RFC 792, IPv6
 * header RFC 8200 §3, ICMPv6 echo RFC 4443 §4, checksum RFC 1071; the ICMPv6
 * checksum covers the pseudo-header of RFC 8200 §8.1. Parsing never throws:
 * anything that is not a well-formed, checksum-valid echo reply is null.
 */

export const ICMP_PROTOCOL = 1;
export const ICMPV6_NEXT_HEADER = 58;
const ICMP_ECHO_REQUEST = 8;
const ICMP_ECHO_REPLY = 0;
const ICMPV6_ECHO_REQUEST = 128;
const ICMPV6_ECHO_REPLY = 129;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const ECHO_HEADER = 8;
const TTL = 64;

/**
 * RFC 1071 Internet checksum of `data` (16-bit big-endian words, an odd last
 * byte padded with zero), continuing from a partial sum `initial`. Returns the
 * ones' complement of the folded sum; a buffer that already holds a correct
 * checksum therefore yields 0.
 */
export function internetChecksum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (even !== data.length) sum += data[even]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Unfolded sum of the IPv6 pseudo-header (RFC 8200 §8.1) for ICMPv6 of `length` bytes. */
function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  let sum = 0;
  for (const a of [src, dst]) for (let i = 0; i < 16; i += 2) sum += (a[i]! << 8) | a[i + 1]!;
  return sum + (length >>> 16) + (length & 0xffff) + ICMPV6_NEXT_HEADER;
}

export interface EchoFields {
  /** Source and destination addresses: both 4 bytes (IPv4) or both 16 bytes (IPv6). */
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** Echo identifier and sequence number (16 bits each). */
  readonly id: number;
  readonly seq: number;
  readonly data?: Uint8Array;
}

/** A complete IPv4/ICMP or IPv6/ICMPv6 echo request packet, checksums filled in. */
export function buildEchoRequest(f: EchoFields): Uint8Array {
  if (f.src.length !== f.dst.length || (f.src.length !== 4 && f.src.length !== 16)) {
    throw new RangeError('echo request: source and destination must both be IPv4 or both IPv6');
  }
  const data = f.data ?? new Uint8Array(0);
  const v6 = f.src.length === 16;
  const ipLen = v6 ? IPV6_HEADER : IPV4_HEADER;
  const icmpLen = ECHO_HEADER + data.length;
  const pkt = new Uint8Array(ipLen + icmpLen);
  const view = new DataView(pkt.buffer);
  if (v6) {
    pkt[0] = 0x60; // version 6, traffic class 0, flow label 0
    view.setUint16(4, icmpLen);
    pkt[6] = ICMPV6_NEXT_HEADER;
    pkt[7] = TTL; // hop limit
    pkt.set(f.src, 8);
    pkt.set(f.dst, 24);
  } else {
    pkt[0] = 0x45; // version 4, IHL 5 words
    view.setUint16(2, pkt.length);
    view.setUint16(4, f.seq & 0xffff); // identification: unique enough per probe
    pkt[8] = TTL;
    pkt[9] = ICMP_PROTOCOL;
    pkt.set(f.src, 12);
    pkt.set(f.dst, 16);
    view.setUint16(10, internetChecksum(pkt.subarray(0, IPV4_HEADER)));
  }
  pkt[ipLen] = v6 ? ICMPV6_ECHO_REQUEST : ICMP_ECHO_REQUEST;
  view.setUint16(ipLen + 4, f.id & 0xffff);
  view.setUint16(ipLen + 6, f.seq & 0xffff);
  pkt.set(data, ipLen + ECHO_HEADER);
  const icmp = pkt.subarray(ipLen);
  view.setUint16(ipLen + 2, internetChecksum(icmp, v6 ? pseudoHeaderSum(f.src, f.dst, icmpLen) : 0));
  return pkt;
}

export interface EchoReply {
  readonly version: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly id: number;
  readonly seq: number;
}

/**
 * The echo reply in `pkt`, or null if it is anything else or malformed
 * (truncated, wrong lengths, bad IPv4 header or ICMP checksum, IPv6
 * extension headers — Linux answers echoes without them).
 */
export function parseEchoReply(pkt: Uint8Array): EchoReply | null {
  if (pkt.length < 1) return null;
  const version = pkt[0]! >> 4;
  const view = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  if (version === 4) {
    if (pkt.length < IPV4_HEADER || pkt[9] !== ICMP_PROTOCOL) return null;
    const ihl = (pkt[0]! & 0x0f) * 4;
    const total = view.getUint16(2);
    if (ihl < IPV4_HEADER || total > pkt.length || total < ihl + ECHO_HEADER) return null;
    if ((view.getUint16(6) & 0x3fff) !== 0) return null; // a fragment
    if (internetChecksum(pkt.subarray(0, ihl)) !== 0) return null;
    const icmp = pkt.subarray(ihl, total);
    if (icmp[0] !== ICMP_ECHO_REPLY || icmp[1] !== 0 || internetChecksum(icmp) !== 0) return null;
    return { version: 4, src: pkt.slice(12, 16), dst: pkt.slice(16, 20), id: view.getUint16(ihl + 4), seq: view.getUint16(ihl + 6) };
  }
  if (version === 6) {
    if (pkt.length < IPV6_HEADER + ECHO_HEADER || pkt[6] !== ICMPV6_NEXT_HEADER) return null;
    const len = view.getUint16(4);
    if (len < ECHO_HEADER || IPV6_HEADER + len > pkt.length) return null;
    const icmp = pkt.subarray(IPV6_HEADER, IPV6_HEADER + len);
    const src = pkt.subarray(8, 24);
    const dst = pkt.subarray(24, 40);
    if (icmp[0] !== ICMPV6_ECHO_REPLY || icmp[1] !== 0 || internetChecksum(icmp, pseudoHeaderSum(src, dst, len)) !== 0) return null;
    return { version: 6, src: src.slice(), dst: dst.slice(), id: view.getUint16(IPV6_HEADER + 4), seq: view.getUint16(IPV6_HEADER + 6) };
  }
  return null;
}

/**
 * Cheap pre-check for the data path: could `pkt` be an ICMP/ICMPv6 packet at
 * all? (Protocol byte only; parseEchoReply does the real validation.)
 */
export function mayBeIcmp(pkt: Uint8Array): boolean {
  const v = pkt.length > 0 ? pkt[0]! >> 4 : 0;
  return (v === 4 && pkt.length >= IPV4_HEADER && pkt[9] === ICMP_PROTOCOL) || (v === 6 && pkt.length >= IPV6_HEADER && pkt[6] === ICMPV6_NEXT_HEADER);
}
