/**
 * Sortable unique event ids in the ULID layout (48-bit millisecond time +
 * 80 random bits, Crockford base32, 26 characters). Ids from one generator
 * are strictly increasing even within one millisecond or if the wall clock
 * steps back, so sorting ids sorts events (design.md "Events": "a sortable
 * unique id"). They contain no '.', as Standard Webhooks requires of webhook-id.
 */
import type { Clock, Random } from '../util/ports.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export class EventIdGenerator {
  private lastMs = -1;
  private readonly rand = new Uint8Array(10);

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /** Seeds monotonicity from an id produced by an earlier run (restart): new ids sort after it. */
  observe(id: string): void {
    const ms = decodeTime(id);
    if (ms !== null && ms >= this.lastMs) {
      this.lastMs = ms;
      this.decodeRandom(id);
    }
  }

  next(): string {
    const now = Math.floor(this.clock.wallNow());
    if (now > this.lastMs) {
      this.lastMs = now;
      this.random.fill(this.rand);
      this.rand[0]! &= 0x7f; // headroom so increments within one ms never overflow in practice
    } else if (!this.increment()) {
      this.lastMs += 1; // 2^79 ids in one ms: move to the next ms instead of wrapping
      this.random.fill(this.rand);
      this.rand[0]! &= 0x7f;
    }
    return encodeTime(this.lastMs) + encodeRandom(this.rand);
  }

  private increment(): boolean {
    for (let i = 9; i >= 0; i--) {
      if (this.rand[i] !== 0xff) {
        this.rand[i]! += 1;
        return true;
      }
      this.rand[i] = 0;
    }
    return false;
  }

  private decodeRandom(id: string): void {
    // 16 base32 chars = 80 bits, big-endian.
    let bits = 0;
    let acc = 0;
    let out = 0;
    for (let i = 10; i < 26; i++) {
      acc = (acc << 5) | ALPHABET.indexOf(id[i]!);
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        this.rand[out++] = (acc >> bits) & 0xff;
        acc &= (1 << bits) - 1;
      }
    }
  }
}

function encodeTime(ms: number): string {
  let s = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    s = ALPHABET[t % 32]! + s;
    t = Math.floor(t / 32);
  }
  return s;
}

function encodeRandom(b: Uint8Array): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (const byte of b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += ALPHABET[(acc >> bits) & 31]!;
    }
    acc &= (1 << bits) - 1;
  }
  return s;
}

/** The millisecond time inside an id, or null if it is not a well-formed id. */
export function decodeTime(id: string): number | null {
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return null;
  let t = 0;
  for (let i = 0; i < 10; i++) t = t * 32 + ALPHABET.indexOf(id[i]!);
  return t;
}
