/**
 * The device-wide index table (whitepaper §5.4.2 "I_i", checklist §5):
 * random 32-bit receiver indices mapped to the handshake or keypair they
 * name. Indices are drawn from the injected Random and are unique among live
 * entries (retry on collision); 0 is never handed out, so it can mean "none".
 */
import type { Random } from '../util/ports.js';

export class IndexTable<T> {
  private readonly map = new Map<number, T>();
  private readonly buf = new Uint8Array(4);

  constructor(private readonly random: Random) {}

  /** A fresh random non-zero index not currently in use, now pointing at `value`. */
  allocate(value: T): number {
    // The table holds at most a few entries per peer, so a retry is rare and
    // the loop ends quickly; 2^32 − 1 candidates never run out in practice.
    for (;;) {
      this.random.fill(this.buf);
      const index = (this.buf[0]! | (this.buf[1]! << 8) | (this.buf[2]! << 16) | (this.buf[3]! << 24)) >>> 0;
      if (index === 0 || this.map.has(index)) continue;
      this.map.set(index, value);
      return index;
    }
  }

  get(index: number): T | undefined {
    return this.map.get(index);
  }

  /**
   * Re-points an existing index (handshake → keypair at session derivation).
   * Ignored if the index is not live, so a stale index cannot be resurrected.
   */
  set(index: number, value: T): void {
    if (this.map.has(index)) this.map.set(index, value);
  }

  /** Releases an index; unknown indices (and 0) are ignored. */
  free(index: number): void {
    this.map.delete(index);
  }

  get size(): number {
    return this.map.size;
  }
}
