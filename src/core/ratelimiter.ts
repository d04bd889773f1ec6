/**
 * Per-source token bucket for handshake messages under load (whitepaper
 * §5.3 "DoS mitigation"; checklist §9). Consulted only after mac1/mac2 pass:
 * 20 packets/s per source with a burst of 5. Sources are keyed like the
 * kernel's ratelimiter.c: an IPv4 address, or a whole IPv6 /64 (one host
 * usually owns the /64, so per-address buckets would be trivially evaded).
 * Time comes from the injected Clock, in milliseconds.
 */
import { isIpv4Mapped } from '../util/ip.js';
import type { Clock } from '../util/ports.js';

export const PACKETS_PER_SECOND = 20;
export const PACKETS_BURSTABLE = 5;
/** Tokens are measured in milliseconds of credit: one packet costs 1/20 s. */
const PACKET_COST_MS = 1000 / PACKETS_PER_SECOND;
const MAX_TOKENS_MS = PACKET_COST_MS * PACKETS_BURSTABLE;
/** Entries idle longer than this are forgotten (wireguard-go garbageCollectTime). */
export const RATELIMITER_IDLE_MS = 1000;
/** Kernel default cap (8 × 8192 buckets): beyond it, new sources are refused rather than growing memory. */
export const RATELIMITER_DEFAULT_MAX_ENTRIES = 65536;

interface Bucket {
  tokens: number;
  last: number;
}

export class RateLimiter {
  private readonly v4 = new Map<number, Bucket>();
  private readonly v6 = new Map<string, Bucket>();
  private lastGc: number;

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number = RATELIMITER_DEFAULT_MAX_ENTRIES,
  ) {
    this.lastGc = clock.now();
  }

  /** Number of sources currently tracked. */
  get size(): number {
    return this.v4.size + this.v6.size;
  }

  /**
   * True if a packet from `ip` (4 or 16 bytes; IPv4-mapped IPv6 counts as
   * IPv4) may be processed now. Anything else is refused, never thrown.
   */
  allow(ip: Uint8Array): boolean {
    const now = this.clock.now();
    // Self-collect at most once per idle period, so a caller that never calls gc() stays bounded.
    if (now - this.lastGc >= RATELIMITER_IDLE_MS) this.gc();
    if (ip.length === 4) return this.take(this.v4, word(ip, 0), now);
    if (ip.length !== 16) return false;
    if (isIpv4Mapped(ip)) return this.take(this.v4, word(ip, 12), now);
    // The /64 (first 8 bytes) as four UTF-16 code units: a short key without a hex detour.
    const key = String.fromCharCode(
      (ip[0]! << 8) | ip[1]!,
      (ip[2]! << 8) | ip[3]!,
      (ip[4]! << 8) | ip[5]!,
      (ip[6]! << 8) | ip[7]!,
    );
    return this.take(this.v6, key, now);
  }

  /** Drops every source idle for more than 1 s (call about once a second). */
  gc(): void {
    const now = this.clock.now();
    this.lastGc = now;
    for (const table of [this.v4, this.v6] as Map<unknown, Bucket>[]) {
      for (const [k, b] of table) if (now - b.last > RATELIMITER_IDLE_MS) table.delete(k);
    }
  }

  private take<K>(table: Map<K, Bucket>, key: K, now: number): boolean {
    const b = table.get(key);
    if (b === undefined) {
      if (this.size >= this.maxEntries) return false;
      // A new source pays for this packet out of a full bucket.
      table.set(key, { tokens: MAX_TOKENS_MS - PACKET_COST_MS, last: now });
      return true;
    }
    b.tokens = Math.min(MAX_TOKENS_MS, b.tokens + Math.max(0, now - b.last));
    b.last = now;
    // ≥ as in the kernel (wireguard-go's > relies on real time passing between calls).
    if (b.tokens >= PACKET_COST_MS) {
      b.tokens -= PACKET_COST_MS;
      return true;
    }
    return false;
  }
}

function word(ip: Uint8Array, at: number): number {
  return ((ip[at]! << 24) | (ip[at + 1]! << 16) | (ip[at + 2]! << 8) | ip[at + 3]!) >>> 0;
}

