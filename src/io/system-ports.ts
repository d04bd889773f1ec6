/**
 * The real Clock and Random the runtime injects into the sans-IO core
 * (src/util/ports.ts): performance.now() is monotonic (timers, keypair ages,
 * rate limits) and Date.now() is wall time (TAI64N, last_handshake_time).
 */
import { webcrypto } from 'node:crypto';
import type { Clock, Random } from '../util/ports.js';

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
};

/** getRandomValues accepts at most 65536 bytes per call (WebCrypto §10.1.1). */
const MAX_CHUNK = 65536;

export const systemRandom: Random = {
  fill(buf: Uint8Array): Uint8Array {
    for (let off = 0; off < buf.length; off += MAX_CHUNK) {
      webcrypto.getRandomValues(buf.subarray(off, Math.min(buf.length, off + MAX_CHUNK)));
    }
    return buf;
  },
};
