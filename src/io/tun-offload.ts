/**
 * The TUN side of offloads (protocol-checklist §12 "Offloads", as
 * wireguard-go does since 2023): with IFF_VNET_HDR + TUNSETOFFLOAD
 * CSUM|TSO4|TSO6 one read may carry a TCP super-packet of up to 64 KiB,
 * which is split into MTU-sized segments here (src/wire/tcp-segment.ts);
 * packets to write are coalesced per TCP flow into super-packets
 * (src/wire/tcp-coalesce.ts) so the kernel runs its receive path once per
 * run. Callers above Tun keep seeing plain IP packets both ways.
 */
import { completeChecksum, segmentTcp, segmentedSize, tcpLayout } from '../wire/tcp-segment.js';
import { TunWriteBatch } from '../wire/tcp-coalesce.js';
import {
  readVnetHdr,
  VNET_F_NEEDS_CSUM,
  VNET_GSO_NONE,
  VNET_GSO_TCPV4,
  VNET_GSO_TCPV6,
  VNET_HDR_LEN,
  type VnetHdr,
} from '../wire/virtio-net-hdr.js';
import type { NativeAddon } from './native.js';

export interface DecodedBatch {
  buffer: Buffer;
  lengths: Uint32Array;
  count: number;
}

/** A lone packet's write: an empty header (no GSO, checksum complete), one part. */
const ZERO_HDR = new Uint8Array(VNET_HDR_LEN);
const ONE_PART = Uint32Array.of(1);

export class TunOffload {
  /** Reads whose header could not be honoured (unknown GSO type, bad offsets). */
  dropped = 0;
  /** Super-packets split, and the segments they became. */
  superPackets = 0;
  segments = 0;
  /** Writes that carried a coalesced super-packet. */
  coalescedWrites = 0;
  private readonly h: VnetHdr = { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 };
  private readonly sizes: number[] = [];
  private readonly outLens: number[] = [];
  private lengths = new Uint32Array(256);
  /**
   * Made at the first write, not with the TUN: the daemon's data-path
   * warm-up (runtime/jit-warmup.ts) runs between the two, and V8 fixes the
   * class's field layout during it. An instance made earlier keeps a stale
   * layout, which optimised code rejects (a deoptimisation at the first
   * real packet, seen with --trace-deopt).
   */
  private batch: TunWriteBatch | null = null;

  constructor(
    private readonly native: NativeAddon,
    private readonly fd: number,
  ) {}

  /**
   * Turns one reader batch of [vnet header ‖ packet] reads into plain
   * packets packed back to back in a fresh buffer (4-byte aligned, so the
   * checksum fast path applies), with their lengths. A lone packet with no
   * GSO and no checksum to complete comes back as a view into `buf`.
   */
  decode(buf: Uint8Array, lengths: Uint32Array, count: number): DecodedBatch {
    const h = this.h;
    // A lone plain packet (a ping, a DNS query: sparse traffic) is handed on
    // as a view behind its header, with no copy and none of the loops below.
    // The reader's batch buffer is fresh memory per batch, so the view is as
    // safe to keep as a copy. Between sparse packets the caches are cold, and
    // the fewer pages touched the better: with these two lone-packet paths
    // (here and in write) tswg↔tswg's added ping RTT fell by 0.01–0.08 ms in
    // six of six alternating same-minute runs (docs/performance.md, tenth
    // session), close to a TUN without the offload.
    if (count === 1 && lengths[0]! > VNET_HDR_LEN) {
      const n = lengths[0]!;
      readVnetHdr(buf, 0, h);
      if (h.gsoType === VNET_GSO_NONE && (h.flags & VNET_F_NEEDS_CSUM) === 0) {
        this.lengths[0] = n - VNET_HDR_LEN;
        const packet = Buffer.from(buf.buffer, buf.byteOffset + VNET_HDR_LEN, n - VNET_HDR_LEN);
        return { buffer: packet, lengths: this.lengths, count: 1 };
      }
    }
    const sizes = this.sizes;
    sizes.length = 0;
    let total = 0;
    let off = buf.byteOffset;
    const src = new Uint8Array(buf.buffer, 0, buf.byteOffset + buf.length);
    for (let i = 0; i < count; i++) {
      const n = lengths[i]!;
      let size = -1;
      if (n > VNET_HDR_LEN) {
        readVnetHdr(src, off, h);
        const gso = h.gsoType;
        if (gso === VNET_GSO_NONE) size = n - VNET_HDR_LEN;
        else if ((gso === VNET_GSO_TCPV4 || gso === VNET_GSO_TCPV6) && h.gsoSize > 0) {
          const l = tcpLayout(src, off + VNET_HDR_LEN, n - VNET_HDR_LEN);
          if (l !== null) size = segmentedSize(l, h.gsoSize);
        }
      }
      sizes.push(size);
      if (size >= 0) total += size;
      off += n;
    }
    // Unzeroed: every byte of [0, o) is written below and the tail is cut off.
    const out = Buffer.allocUnsafe(total);
    const outLens = this.outLens;
    outLens.length = 0;
    let o = 0;
    off = buf.byteOffset;
    for (let i = 0; i < count; i++) {
      const n = lengths[i]!;
      const size = sizes[i]!;
      if (size < 0) {
        this.dropped++;
        off += n;
        continue;
      }
      readVnetHdr(src, off, h);
      const pkt = off + VNET_HDR_LEN;
      const plen = n - VNET_HDR_LEN;
      if (h.gsoType === VNET_GSO_NONE) {
        out.set(src.subarray(pkt, pkt + plen), o);
        if ((h.flags & VNET_F_NEEDS_CSUM) !== 0 && !completeChecksum(out, o, plen, h.csumStart, h.csumOffset)) {
          this.dropped++;
          off += n;
          continue;
        }
        outLens.push(plen);
        o += plen;
      } else {
        const l = tcpLayout(src, pkt, plen)!;
        const before = outLens.length;
        o = segmentTcp(src, pkt, l, h.gsoSize, out, o, outLens);
        this.superPackets++;
        this.segments += outLens.length - before;
      }
      off += n;
    }
    if (this.lengths.length < outLens.length) this.lengths = new Uint32Array(outLens.length * 2);
    const lens = this.lengths;
    for (let i = 0; i < outLens.length; i++) lens[i] = outLens[i]!;
    return { buffer: o === total ? out : out.subarray(0, o), lengths: lens, count: outLens.length };
  }

  /**
   * Writes packets (coalesced where possible). Returns how many of the
   * input packets the kernel took and calls `refused(errno, packets)` for
   * each write it refused; never blocks.
   */
  write(packets: readonly Uint8Array[], refused: (errno: number, packets: number) => void): number {
    // A lone packet cannot be coalesced: one write behind an empty header.
    if (packets.length === 1) {
      const r = this.native.writeTunVnet(this.fd, ZERO_HDR, ONE_PART, packets, 0, 1, 0);
      if (r < 0) {
        refused(-r, 1);
        return 0;
      }
      return 1;
    }
    const b = (this.batch ??= new TunWriteBatch());
    b.reset();
    b.coalesce(packets);
    let written = 0;
    let i = 0;
    let part = 0;
    while (i < b.n) {
      const r = this.native.writeTunVnet(this.fd, b.hdrs, b.counts, b.parts, i, b.n, part);
      if (r < 0) {
        // Write i was refused: count its packets and go on with the next one.
        const c = b.counts[i]!;
        refused(-r, c === 1 ? 1 : c - 1);
        part += c;
        i++;
        continue;
      }
      // r < remaining: write i + r failed; the next call reports its errno.
      for (let k = i; k < i + r; k++) {
        const c = b.counts[k]!;
        if (c > 1) this.coalescedWrites++;
        written += c === 1 ? 1 : c - 1;
        part += c;
      }
      i += r;
    }
    b.reset();
    return written;
  }
}
