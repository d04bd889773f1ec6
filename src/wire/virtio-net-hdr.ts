/**
 * The 10-byte `virtio_net_hdr` that prefixes every TUN read and write once
 * the device is opened with IFF_VNET_HDR (protocol-checklist §12; Linux
 * include/uapi/linux/virtio_net.h). Fields are in host byte order, which is
 * little-endian on every platform tswg runs on (legacy virtio, no VERSION_1).
 */

export const VNET_HDR_LEN = 10;
/** flags: the checksum at csum_start + csum_offset still has to be completed. */
export const VNET_F_NEEDS_CSUM = 1;
export const VNET_GSO_NONE = 0;
export const VNET_GSO_TCPV4 = 1;
export const VNET_GSO_UDP = 3;
export const VNET_GSO_TCPV6 = 4;
export const VNET_GSO_UDP_L4 = 5;
export const VNET_GSO_ECN = 0x80;

/** TUNSETOFFLOAD bits (linux/if_tun.h). */
export const TUN_F_CSUM = 0x01;
export const TUN_F_TSO4 = 0x02;
export const TUN_F_TSO6 = 0x04;

export interface VnetHdr {
  flags: number;
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
}

const u16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);

/** Reads the header at b[off]; the caller checks there are VNET_HDR_LEN bytes. */
export function readVnetHdr(b: Uint8Array, off: number, out: VnetHdr): VnetHdr {
  out.flags = b[off]!;
  out.gsoType = b[off + 1]!;
  out.hdrLen = u16(b, off + 2);
  out.gsoSize = u16(b, off + 4);
  out.csumStart = u16(b, off + 6);
  out.csumOffset = u16(b, off + 8);
  return out;
}

/** Writes a header at b[off]. */
export function writeVnetHdr(b: Uint8Array, off: number, h: VnetHdr): void {
  b[off] = h.flags;
  b[off + 1] = h.gsoType;
  const put = (o: number, v: number): void => {
    b[off + o] = v & 0xff;
    b[off + o + 1] = (v >>> 8) & 0xff;
  };
  put(2, h.hdrLen);
  put(4, h.gsoSize);
  put(6, h.csumStart);
  put(8, h.csumOffset);
}
