/**
 * The Internet checksum (RFC 1071) for the TUN offload path: segments split
 * from a TSO super-packet need their IPv4 header and TCP checksums computed
 * (protocol-checklist §12 "Offloads"), and coalesced packets need the TCP
 * pseudo-header sum (RFC 9293 §3.1) as a partial checksum. Sums are kept
 * unfolded as plain numbers (exact below 2^53) and folded at the end.
 */

/** Little-endian host: the 32-bit fast path reads words in host order and swaps once. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Folds a sum to 16 bits with end-around carry (RFC 1071 §4.1). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/**
 * Adds the big-endian 16-bit words of b[off, off+len) to `sum` (an odd last
 * byte is padded with zero). Aligned runs are summed 32 bits at a time: on a
 * little-endian host that sum, folded, is the byte-swapped network sum
 * (swapping bytes is multiplication by 2^8 modulo 2^16−1).
 */
export function onesSum(b: Uint8Array, off: number, len: number, sum = 0): number {
  let s = sum;
  let i = off;
  const end = off + len;
  if (LITTLE_ENDIAN && len >= 32 && ((b.byteOffset + off) & 3) === 0) {
    const words = len >>> 2;
    const u32 = new Uint32Array(b.buffer, b.byteOffset + off, words);
    let w = 0;
    for (let k = 0; k < words; k++) w += u32[k]!;
    w = foldSum(w);
    s += ((w & 0xff) << 8) | (w >>> 8);
    i += words << 2;
  }
  for (; i + 1 < end; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < end) s += b[i]! << 8;
  return s;
}

/** The checksum field value for a sum: the one's complement of the folded sum. */
export function finishSum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/**
 * Pseudo-header sum for TCP/UDP over IPv4 (RFC 9293 §3.1) or IPv6 (RFC 8200
 * §8.1): source and destination addresses from the IP header at `ip`, the
 * protocol number and the transport length.
 */
export function pseudoHeaderSum(pkt: Uint8Array, ip: number, version: 4 | 6, proto: number, transportLen: number): number {
  const s = version === 4 ? onesSum(pkt, ip + 12, 8) : onesSum(pkt, ip + 8, 32);
  return s + proto + (transportLen >>> 16) + (transportLen & 0xffff);
}

/** Writes a 16-bit big-endian value. */
export function putU16(b: Uint8Array, off: number, v: number): void {
  b[off] = (v >>> 8) & 0xff;
  b[off + 1] = v & 0xff;
}

/** Recomputes the IPv4 header checksum of the header at `ip` (RFC 791 §3.1). */
export function setIpv4HeaderChecksum(pkt: Uint8Array, ip: number): void {
  const ihl = (pkt[ip]! & 0x0f) * 4;
  pkt[ip + 10] = 0;
  pkt[ip + 11] = 0;
  putU16(pkt, ip + 10, finishSum(onesSum(pkt, ip, ihl)));
}
