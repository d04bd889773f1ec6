/**
 * The real Clock and Random the runtime injects into the sans-IO core
 * (src/util/ports.ts): performance.now() is monotonic (timers, keypair ages,
 * rate limits) and Date.now() is wall time (TAI64N, last_handshake_time).
 * Random draws from the OS CSPRNG through a pool: one system call costs
 * 6–7 µs whatever its size, and a handshake wants 32 bytes (an ephemeral key).
 */
import { randomFillSync } from 'node:crypto';
import type { Clock, Random } from '../util/ports.js';

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
};

/** Pool size: 128 ephemeral keys per system call. */
const POOL_BYTES = 4096;
/** Requests above this go straight to the source (pooling them saves nothing). */
const DIRECT_BYTES = 256;
/** randomFillSync accepts at most 2^31 − 1 bytes per call; keep calls modest. */
const MAX_CHUNK = 65536;

/**
 * Hands out bytes of a CSPRNG in order, each byte once: what a request
 * takes is zeroed in the pool at once, so no byte is ever given twice and
 * bytes already handed out do not linger here. `source` must fill its
 * argument with CSPRNG output (the OS generator in production).
 */
export class RandomPool implements Random {
  private readonly pool: Uint8Array;
  /** Next unused byte; pool.length = empty. */
  private pos: number;

  constructor(
    private readonly source: (buf: Uint8Array) => void,
    size = POOL_BYTES,
  ) {
    this.pool = new Uint8Array(size);
    this.pos = size;
  }

  fill(buf: Uint8Array): Uint8Array {
    const n = buf.length;
    if (n > DIRECT_BYTES || n > this.pool.length) {
      for (let off = 0; off < n; off += MAX_CHUNK) this.source(buf.subarray(off, Math.min(n, off + MAX_CHUNK)));
      return buf;
    }
    if (this.pool.length - this.pos < n) {
      // Refill the whole pool; the unused tail is overwritten, never handed out twice.
      this.source(this.pool);
      this.pos = 0;
    }
    const end = this.pos + n;
    buf.set(this.pool.subarray(this.pos, end));
    this.pool.fill(0, this.pos, end);
    this.pos = end;
    return buf;
  }
}

export const systemRandom: Random = new RandomPool((buf) => {
  randomFillSync(buf);
});
