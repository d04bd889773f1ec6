/**
 * Inner IP header helpers for the data path (whitepaper §5.4.6; checklist §2.4, §8).
 *
 * After decryption the receiver trims padding using the inner header's length
 * field and checks the inner source address against allowed IPs; before
 * encryption the sender routes on the destination address. These run per
 * packet, so they only read fields in place and never allocate beyond the
 * small result object for addresses.
 */

export const IPV4_HEADER_MIN = 20;
export const IPV6_HEADER_SIZE = 40;

/** Where an address sits inside a packet buffer. */
export interface AddressSlice {
  readonly offset: number;
  readonly length: 4 | 16;
}

// Shared, frozen results: the offsets are fixed per IP version, so no allocation.
const V4_SRC: AddressSlice = Object.freeze({ offset: 12, length: 4 });
const V4_DST: AddressSlice = Object.freeze({ offset: 16, length: 4 });
const V6_SRC: AddressSlice = Object.freeze({ offset: 8, length: 16 });
const V6_DST: AddressSlice = Object.freeze({ offset: 24, length: 16 });

/** IP version from the high nibble of byte 0; 0 for empty buffers and any other version. */
export function ipVersion(buf: Uint8Array): 4 | 6 | 0 {
  if (buf.length === 0) return 0;
  const v = buf[0]! >> 4;
  return v === 4 ? 4 : v === 6 ? 6 : 0;
}

/**
 * Length of the IP packet at the start of `buf` per its own header, or −1 if
 * malformed: IPv4 needs IHL ≥ 5 and 20 ≤ total length ≤ buf (and header
 * within total length); IPv6 needs a full 40-byte header and
 * 40 + payload length ≤ buf. Anything past the result is WireGuard padding.
 */
export function innerPacketLength(buf: Uint8Array): number {
  const version = ipVersion(buf);
  if (version === 4) {
    if (buf.length < IPV4_HEADER_MIN) return -1;
    const ihlBytes = (buf[0]! & 0x0f) * 4;
    const total = (buf[2]! << 8) | buf[3]!;
    if (ihlBytes < IPV4_HEADER_MIN || total < IPV4_HEADER_MIN || total < ihlBytes || total > buf.length) return -1;
    return total;
  }
  if (version === 6) {
    if (buf.length < IPV6_HEADER_SIZE) return -1;
    const total = IPV6_HEADER_SIZE + ((buf[4]! << 8) | buf[5]!);
    return total > buf.length ? -1 : total;
  }
  return -1;
}

/** Source address location (IPv4 bytes 12–15, IPv6 bytes 8–23); null if the header is short or not IP. */
export function sourceAddress(buf: Uint8Array): AddressSlice | null {
  const version = ipVersion(buf);
  if (version === 4) return buf.length >= IPV4_HEADER_MIN ? V4_SRC : null;
  if (version === 6) return buf.length >= IPV6_HEADER_SIZE ? V6_SRC : null;
  return null;
}

/** Destination address location (IPv4 bytes 16–19, IPv6 bytes 24–39); null if the header is short or not IP. */
export function destinationAddress(buf: Uint8Array): AddressSlice | null {
  const version = ipVersion(buf);
  if (version === 4) return buf.length >= IPV4_HEADER_MIN ? V4_DST : null;
  if (version === 6) return buf.length >= IPV6_HEADER_SIZE ? V6_DST : null;
  return null;
}
