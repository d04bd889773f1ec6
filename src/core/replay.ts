/**
 * Sliding-window replay filter for transport counters (whitepaper §5.4.6,
 * RFC 6479; checklist §6). Same geometry as the kernel and wireguard-go: a
 * ring of 128 64-bit blocks (8192 bits) of which one block is always being
 * recycled, so the usable window is 8128 counters behind the highest seen.
 * Called only after the packet authenticated, in per-keypair order.
 */

/** 2^64 − 2^13 − 1 (whitepaper §6.1 Reject-After-Messages). Local so core/replay has no ordering dependency. */
export const REPLAY_REJECT_AFTER_MESSAGES = (1n << 64n) - (1n << 13n) - 1n;

const BLOCK_BITS = 64;
const RING_BLOCKS = 128;
/** (128 − 1) × 64 = 8128: counters this far below the highest are still judged individually. */
export const REPLAY_WINDOW_SIZE = (RING_BLOCKS - 1) * BLOCK_BITS;

const TWO_32 = 0x1_0000_0000;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * The ring is kept as 256 u32 words (each 64-bit block = two words) and the
 * highest counter as two u32 halves, so only the entry point touches bigint.
 */
export class ReplayFilter {
  private readonly words = new Uint32Array((RING_BLOCKS * BLOCK_BITS) / 32);
  private lastHi = 0;
  private lastLo = 0;
  private readonly limit: bigint;
  // The limit as u32 halves for validateHalves (the hi half may exceed 2^32 − 1 for a limit ≥ 2^64).
  private readonly limitHi: number;
  private readonly limitLo: number;

  /** `limit`: counters ≥ this are always rejected (REJECT_AFTER_MESSAGES unless a test says otherwise). */
  constructor(limit: bigint = REPLAY_REJECT_AFTER_MESSAGES) {
    this.limit = limit;
    this.limitHi = limit <= 0n ? 0 : Number(limit >> 32n);
    this.limitLo = limit <= 0n ? 0 : Number(limit & 0xffff_ffffn);
  }

  /** Forget every counter (new keypair). */
  reset(): void {
    this.words.fill(0);
    this.lastHi = 0;
    this.lastLo = 0;
  }

  /** True if `counter` is fresh (and records it); false if replayed, too old, or over the limit. */
  validate(counter: bigint): boolean {
    if (counter < 0n || counter >= this.limit) return false;
    if (counter <= MAX_SAFE) {
      const n = Number(counter);
      return this.accept(Math.floor(n / TWO_32), n >>> 0);
    }
    return this.accept(Number(counter >> 32n), Number(counter & 0xffff_ffffn));
  }

  /**
   * validate() for the counter hi·2^32 + lo given as the u32 halves of a
   * transport header (whitepaper §5.4.6): the receive path's entry, with no
   * bigint per packet (a BigInt allocation and runtime calls each time).
   */
  validateHalves(hi: number, lo: number): boolean {
    if (hi > this.limitHi || (hi === this.limitHi && lo >= this.limitLo)) return false;
    return this.accept(hi, lo);
  }

  private accept(hi: number, lo: number): boolean {
    // counter − last as a double: exact whenever |difference| < 2^53, and any
    // larger magnitude is far beyond the ring anyway, so only its sign matters.
    const ahead = (hi - this.lastHi) * TWO_32 + (lo - this.lastLo);
    if (ahead > 0) {
      // Advance: clear every block the window slides over (at most the whole ring).
      let blocks = Math.floor(((this.lastLo % BLOCK_BITS) + ahead) / BLOCK_BITS);
      if (blocks > RING_BLOCKS) blocks = RING_BLOCKS;
      let block = this.lastLo >>> 6;
      for (let i = 0; i < blocks; i++) {
        block = (block + 1) & (RING_BLOCKS - 1);
        this.words[2 * block] = 0;
        this.words[2 * block + 1] = 0;
      }
      this.lastHi = hi;
      this.lastLo = lo;
    } else if (-ahead > REPLAY_WINDOW_SIZE) {
      return false; // too old to judge
    }
    const word = (lo >>> 5) & (this.words.length - 1);
    const bit = 1 << (lo & 31);
    if ((this.words[word]! & bit) !== 0) return false; // replay
    this.words[word] = this.words[word]! | bit;
    return true;
  }
}
