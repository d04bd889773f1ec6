/**
 * TCP coalescing for TUN offload writes (protocol-checklist §12
 * "Offloads": decrypted packets of one flow become one super-packet with a
 * virtio_net_hdr, like the kernel's GRO). Consecutive in-order segments of
 * one TCP flow with identical headers apart from sequence number, lengths
 * and checksums are merged: the kernel then runs its TCP receive path once
 * per super-packet instead of once per segment. The super-packet carries a
 * partial checksum (NEEDS_CSUM, pseudo-header sum in the TCP field); every
 * segment was already authenticated by the AEAD. Anything else is written
 * as it came, with an empty header. Pure: it only plans the writes.
 */
import { objectArray } from '../util/object-array.js';
import { foldSum, pseudoHeaderSum, putU16, setIpv4HeaderChecksum } from './checksum.js';
import { IPPROTO_TCP, TCP_ACK, TCP_PSH, tcpLayout, type TcpLayout } from './tcp-segment.js';
import {
  VNET_F_NEEDS_CSUM,
  VNET_GSO_TCPV4,
  VNET_GSO_TCPV6,
  VNET_HDR_LEN,
  writeVnetHdr,
  type VnetHdr,
} from './virtio-net-hdr.js';

/** Largest IPv4 total length / IPv6 payload length. */
const MAX_IP_LEN = 0xffff;

/**
 * Planned TUN writes: write i is the VNET_HDR_LEN bytes at hdrs[i*10]
 * followed by parts[k, k + counts[i]) (k = sum of earlier counts).
 */
export class TunWriteBatch {
  hdrs: Uint8Array;
  counts: Uint32Array;
  readonly parts = objectArray<Uint8Array>();
  n = 0;
  private readonly h: VnetHdr = { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 };

  constructor(capacity = 128) {
    this.hdrs = new Uint8Array(capacity * VNET_HDR_LEN);
    this.counts = new Uint32Array(capacity);
  }

  reset(): void {
    this.n = 0;
    this.parts.length = 0;
  }

  private grow(): void {
    const hdrs = new Uint8Array(this.hdrs.length * 2);
    hdrs.set(this.hdrs);
    const counts = new Uint32Array(this.counts.length * 2);
    counts.set(this.counts);
    this.hdrs = hdrs;
    this.counts = counts;
  }

  /** A packet written as is (empty header: no GSO, checksum already complete). */
  addPlain(p: Uint8Array): void {
    if (this.n === this.counts.length) this.grow();
    this.hdrs.fill(0, this.n * VNET_HDR_LEN, (this.n + 1) * VNET_HDR_LEN);
    this.counts[this.n++] = 1;
    this.parts.push(p);
  }

  /** A super-packet: `head` (IP+TCP headers) then the payload of each segment. */
  addSuper(head: Uint8Array, payloads: Uint8Array[], h: VnetHdr): void {
    if (this.n === this.counts.length) this.grow();
    writeVnetHdr(this.hdrs, this.n * VNET_HDR_LEN, h);
    this.counts[this.n++] = 1 + payloads.length;
    this.parts.push(head);
    for (const p of payloads) this.parts.push(p);
  }

  /** Plans the writes for `packets` (in order), merging runs of one TCP flow. */
  coalesce(packets: readonly Uint8Array[]): void {
    const count = packets.length;
    let i = 0;
    while (i < count) {
      const p = packets[i]!;
      const l = tcpLayout(p, 0, p.length);
      const flags = l === null ? 0 : p[l.ipLen + 13]!;
      if (l === null || l.payloadLen === 0 || (flags !== TCP_ACK && flags !== (TCP_ACK | TCP_PSH))) {
        this.addPlain(p);
        i++;
        continue;
      }
      const gso = l.payloadLen;
      let total = (l.version === 4 ? l.hdrLen : l.tcpLen) + gso;
      let nextSeq = (readU32(p, l.ipLen + 4) + gso) >>> 0;
      let lastFlags = flags;
      let j = i + 1;
      if (flags === TCP_ACK) {
        while (j < count) {
          const q = packets[j]!;
          const lq = tcpLayout(q, 0, q.length);
          if (lq === null || !sameFlow(p, l, q, lq) || readU32(q, lq.ipLen + 4) !== nextSeq) break;
          const qf = q[lq.ipLen + 13]!;
          if ((qf !== TCP_ACK && qf !== (TCP_ACK | TCP_PSH)) || lq.payloadLen === 0 || lq.payloadLen > gso) break;
          if (total + lq.payloadLen > MAX_IP_LEN) break;
          total += lq.payloadLen;
          nextSeq = (nextSeq + lq.payloadLen) >>> 0;
          lastFlags = qf;
          j++;
          // A short segment or PSH ends the run, as in the kernel's GRO.
          if (lq.payloadLen < gso || qf !== TCP_ACK) break;
        }
      }
      if (j === i + 1) this.addPlain(p);
      else this.addRun(packets, i, j, l, gso, lastFlags);
      i = j;
    }
  }

  private addRun(packets: readonly Uint8Array[], from: number, to: number, l: TcpLayout, gso: number, lastFlags: number): void {
    const first = packets[from]!;
    const head = first.slice(0, l.hdrLen);
    const payloads: Uint8Array[] = [];
    let payloadTotal = 0;
    for (let k = from; k < to; k++) {
      const q = packets[k]!;
      payloads.push(q.subarray(l.hdrLen));
      payloadTotal += q.length - l.hdrLen;
    }
    const tcpTotal = l.tcpLen + payloadTotal;
    if (l.version === 4) {
      putU16(head, 2, l.hdrLen + payloadTotal);
      setIpv4HeaderChecksum(head, 0);
    } else {
      putU16(head, 4, tcpTotal);
    }
    head[l.ipLen + 13] = lastFlags;
    // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, not inverted.
    putU16(head, l.ipLen + 16, foldSum(pseudoHeaderSum(head, 0, l.version, IPPROTO_TCP, tcpTotal)));
    const h = this.h;
    h.flags = VNET_F_NEEDS_CSUM;
    h.gsoType = l.version === 4 ? VNET_GSO_TCPV4 : VNET_GSO_TCPV6;
    h.hdrLen = l.hdrLen;
    h.gsoSize = gso;
    h.csumStart = l.ipLen;
    h.csumOffset = 16;
    this.addSuper(head, payloads, h);
  }
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Same flow and mergeable headers: addresses, ports, ACK number, window,
 * urgent pointer and options identical; IPv4 TOS/flags/TTL/options or IPv6
 * traffic class/flow label/hop limit identical.
 */
function sameFlow(p: Uint8Array, l: TcpLayout, q: Uint8Array, lq: TcpLayout): boolean {
  if (lq.version !== l.version || lq.ipLen !== l.ipLen || lq.tcpLen !== l.tcpLen) return false;
  const t = l.ipLen;
  if (l.version === 4) {
    if (p[1] !== q[1] || p[6] !== q[6] || p[8] !== q[8]) return false;
    if (!sameBytes(p, q, 12, l.ipLen)) return false;
  } else if (!sameBytes(p, q, 0, 4) || p[7] !== q[7] || !sameBytes(p, q, 8, 40)) {
    return false;
  }
  return (
    sameBytes(p, q, t, t + 4) && // ports
    sameBytes(p, q, t + 8, t + 12) && // ACK number
    sameBytes(p, q, t + 14, t + 16) && // window
    sameBytes(p, q, t + 18, t + l.tcpLen) // urgent pointer and options
  );
}
