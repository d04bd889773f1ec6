/**
 * TCP segmentation for TUN offload reads (protocol-checklist §12
 * "Offloads"): with TUNSETOFFLOAD TSO4/TSO6 the kernel hands one TCP
 * "super-packet" of up to 64 KiB plus a virtio_net_hdr giving the segment
 * size; before encryption it must become MTU-sized packets exactly as the
 * kernel's own segmentation would make them (RFC 9293 sequence numbers,
 * FIN/PSH only on the last segment, CWR only on the first, fresh IPv4
 * lengths/IDs/header checksums, full TCP checksums). Also completes a
 * CHECKSUM_PARTIAL packet (NEEDS_CSUM without GSO). Pure functions.
 */
import { finishSum, onesSum, pseudoHeaderSum, putU16, setIpv4HeaderChecksum } from './checksum.js';

export const IPPROTO_TCP = 6;
export const TCP_FIN = 0x01;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_CWR = 0x80;

/** Where the headers of a plain TCP/IP packet end. */
export interface TcpLayout {
  version: 4 | 6;
  /** IP header length (IPv4 IHL × 4, or 40: no IPv6 extension headers). */
  ipLen: number;
  /** TCP header length (data offset × 4). */
  tcpLen: number;
  hdrLen: number;
  payloadLen: number;
}

/**
 * The layout of pkt[off, off+len) if it is an unfragmented TCP packet whose
 * headers fit; null otherwise. The IP length fields are not trusted: the
 * read length is (a TSO super-packet's IPv4 total length may be stale).
 */
export function tcpLayout(pkt: Uint8Array, off: number, len: number): TcpLayout | null {
  if (len < 40) return null;
  const v = pkt[off]! >> 4;
  let ipLen: number;
  let version: 4 | 6;
  if (v === 4) {
    ipLen = (pkt[off]! & 0x0f) * 4;
    if (ipLen < 20 || pkt[off + 9] !== IPPROTO_TCP) return null;
    if ((pkt[off + 6]! & 0x3f) !== 0 || pkt[off + 7] !== 0) return null; // MF or fragment offset
    version = 4;
  } else if (v === 6) {
    ipLen = 40;
    if (pkt[off + 6] !== IPPROTO_TCP) return null;
    version = 6;
  } else {
    return null;
  }
  if (len < ipLen + 20) return null;
  const tcpLen = (pkt[off + ipLen + 12]! >> 4) * 4;
  if (tcpLen < 20 || ipLen + tcpLen > len) return null;
  return { version, ipLen, tcpLen, hdrLen: ipLen + tcpLen, payloadLen: len - ipLen - tcpLen };
}

/** Bytes segmentTcp writes for this super-packet and segment size. */
export function segmentedSize(l: TcpLayout, gsoSize: number): number {
  const n = Math.max(1, Math.ceil(l.payloadLen / gsoSize));
  return n * l.hdrLen + l.payloadLen;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Fixes lengths and checksums of the one TCP packet at out[o] with `payload`
 * payload bytes (headers already in place, TCP checksum field arbitrary).
 */
function finishSegment(out: Uint8Array, o: number, l: TcpLayout, payload: number): void {
  const tcp = o + l.ipLen;
  const tcpTotal = l.tcpLen + payload;
  if (l.version === 4) {
    putU16(out, o + 2, l.hdrLen + payload);
    setIpv4HeaderChecksum(out, o);
  } else {
    putU16(out, o + 4, tcpTotal);
  }
  out[tcp + 16] = 0;
  out[tcp + 17] = 0;
  const sum = onesSum(out, tcp, tcpTotal, pseudoHeaderSum(out, o, l.version, IPPROTO_TCP, tcpTotal));
  putU16(out, tcp + 16, finishSum(sum));
}

/**
 * Splits the super-packet pkt[off, off+len) (layout `l`) into segments of at
 * most `gsoSize` payload bytes, written back to back into `out` from
 * `outOff` (room: segmentedSize); each segment's length is pushed to
 * `lengths`. Returns the offset after the last segment.
 */
export function segmentTcp(
  pkt: Uint8Array,
  off: number,
  l: TcpLayout,
  gsoSize: number,
  out: Uint8Array,
  outOff: number,
  lengths: number[],
): number {
  const hdr = pkt.subarray(off, off + l.hdrLen);
  const seq0 = readU32(pkt, off + l.ipLen + 4);
  const id0 = l.version === 4 ? (pkt[off + 4]! << 8) | pkt[off + 5]! : 0;
  const flags = pkt[off + l.ipLen + 13]!;
  const n = Math.max(1, Math.ceil(l.payloadLen / gsoSize));
  let o = outOff;
  for (let k = 0; k < n; k++) {
    const start = k * gsoSize;
    const payload = Math.min(gsoSize, l.payloadLen - start);
    out.set(hdr, o);
    out.set(pkt.subarray(off + l.hdrLen + start, off + l.hdrLen + start + payload), o + l.hdrLen);
    const tcp = o + l.ipLen;
    putU32(out, tcp + 4, (seq0 + start) >>> 0);
    let f = flags;
    if (k < n - 1) f &= ~(TCP_FIN | TCP_PSH);
    if (k > 0) f &= ~TCP_CWR;
    out[tcp + 13] = f;
    if (l.version === 4) putU16(out, o + 4, (id0 + k) & 0xffff);
    finishSegment(out, o, l, payload);
    lengths.push(l.hdrLen + payload);
    o += l.hdrLen + payload;
  }
  return o;
}

/**
 * Completes a CHECKSUM_PARTIAL packet in place: the field at
 * csumStart + csumOffset holds the pseudo-header sum, so the one's
 * complement of the sum from csumStart to the end is the final checksum.
 * False when the offsets do not fit the packet.
 */
export function completeChecksum(pkt: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number): boolean {
  if (csumStart + csumOffset + 2 > len) return false;
  const sum = onesSum(pkt, off + csumStart, len - csumStart);
  let c = finishSum(sum);
  // A UDP checksum of zero means "none" (RFC 768); transmit all ones instead.
  if (c === 0 && csumOffset === 6) c = 0xffff;
  putU16(pkt, off + csumStart + csumOffset, c);
  return true;
}
