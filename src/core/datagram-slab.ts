/**
 * Storage for outgoing transport datagrams (whitepaper §5.4.6 messages). A
 * typed array over 64 bytes gets its own off-heap backing store in V8 — a
 * calloc, a registry entry and a sweeper pass per packet, which a profile of
 * a bulk sender showed as ≈ 15 % of its CPU. Datagrams are short-lived (they
 * leave in the same event-loop turn), so we carve them out of one larger
 * zeroed ArrayBuffer instead; the slab is freed by the GC once its last
 * datagram is gone. Each region is handed out once, so its bytes are zero
 * (the padding of §5.4.6 relies on that).
 */

const SLAB_BYTES = 256 * 1024;
/** Larger requests get their own buffer so one datagram never pins a mostly empty slab. */
const MAX_CARVED = 16 * 1024;

export class DatagramSlab {
  private buf = new ArrayBuffer(0);
  private off = 0;

  /** A zeroed Uint8Array of `n` bytes, 8-byte aligned within its slab. */
  take(n: number): Uint8Array {
    if (n > MAX_CARVED) return new Uint8Array(n);
    if (this.off + n > this.buf.byteLength) {
      this.buf = new ArrayBuffer(SLAB_BYTES);
      this.off = 0;
    }
    const v = new Uint8Array(this.buf, this.off, n);
    this.off += (n + 7) & ~7;
    return v;
  }
}
