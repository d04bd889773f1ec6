/**
 * Cryptokey routing (whitepaper §2) with a hash index of host routes (/32,
 * /128) in front of the trie of allowed-ips.ts. A server's peers mostly own
 * one host route each; the trie walk for those grows with the table
 * (≈ 30 → 140 → 200 ns at 10 / 1,000 / 10,000 prefixes, cache misses per
 * level), a hash probe does not. A host route is the longest possible match,
 * so a hit answers the lookup; anything else falls through to the trie.
 */
import { AllowedIps } from './allowed-ips.js';

/** Big-endian 32-bit word as a signed int32 (the same form allowed-ips.ts uses). */
function word(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

/** Final avalanche so consecutive addresses (198.19.0.1, .2, …) spread over the table. */
function avalanche(h: number): number {
  return Math.imul(h ^ (h >>> 16), 0x45d9f3b) ^ (h >>> 13);
}

function mix(a0: number, a1: number, a2: number, a3: number): number {
  return avalanche(a0 ^ Math.imul(a1, 0x9e3779b1) ^ Math.imul(a2, 0x85ebca6b) ^ Math.imul(a3, 0xc2b2ae35));
}

/** The hash of a key: IPv4 (width 1) hashes its one word alone, so a lookup does no work for the other three. */
function hashOf(width: 1 | 4, a0: number, a1: number, a2: number, a3: number): number {
  return width === 1 ? avalanche(a0) : mix(a0, a1, a2, a3);
}

/**
 * Open addressing with linear probing over typed arrays: the `width` key
 * words of slot i sit together in `keys`, its peer in `vals` (undefined =
 * empty). At most half full, so a probe usually touches one slot — two
 * memory reads per lookup however many host routes there are (a Map of
 * buckets of objects cost three or four dependent reads for IPv6). Removal
 * shifts later entries of the run back, so no tombstones accumulate.
 */
class HostTable<P> {
  private keys: Int32Array;
  private vals: (P | undefined)[];
  private mask: number;
  private used = 0;

  constructor(private readonly width: 1 | 4) {
    this.keys = new Int32Array(16 * width);
    this.vals = new Array<P | undefined>(16).fill(undefined);
    this.mask = 15;
  }

  get size(): number {
    return this.used;
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private find(a0: number, a1: number, a2: number, a3: number): number {
    const k = this.keys;
    const w = this.width;
    let i = hashOf(w, a0, a1, a2, a3) & this.mask;
    while (this.vals[i] !== undefined) {
      const o = i * w;
      if (k[o] === a0 && (w === 1 || (k[o + 1] === a1 && k[o + 2] === a2 && k[o + 3] === a3))) return i;
      i = (i + 1) & this.mask;
    }
    return i;
  }

  /** Lookup of an IPv4 key (width 1): the data path's probe, kept free of the width test. */
  get1(a0: number): P | undefined {
    const k = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = avalanche(a0) & mask;
    for (;;) {
      const v = vals[i];
      if (v === undefined || k[i] === a0) return v;
      i = (i + 1) & mask;
    }
  }

  /** Lookup of an IPv6 key (width 4). */
  get4(a0: number, a1: number, a2: number, a3: number): P | undefined {
    const k = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = mix(a0, a1, a2, a3) & mask;
    for (;;) {
      const v = vals[i];
      const o = i << 2;
      if (v === undefined || (k[o] === a0 && k[o + 1] === a1 && k[o + 2] === a2 && k[o + 3] === a3)) return v;
      i = (i + 1) & mask;
    }
  }

  set(a0: number, a1: number, a2: number, a3: number, peer: P): void {
    let i = this.find(a0, a1, a2, a3);
    if (this.vals[i] === undefined) {
      if (2 * (this.used + 1) > this.vals.length) {
        this.grow();
        i = this.find(a0, a1, a2, a3);
      }
      this.used++;
      this.writeKey(i, a0, a1, a2, a3);
    }
    this.vals[i] = peer;
  }

  delete(a0: number, a1: number, a2: number, a3: number): void {
    let i = this.find(a0, a1, a2, a3);
    if (this.vals[i] === undefined) return;
    this.used--;
    // Backward shift: move each later entry of the run into the hole unless
    // its home slot lies cyclically after the hole (then it must stay).
    const w = this.width;
    let j = i;
    for (;;) {
      j = (j + 1) & this.mask;
      if (this.vals[j] === undefined) break;
      const o = j * w;
      const home = hashOf(w, this.keys[o]!, w === 1 ? 0 : this.keys[o + 1]!, w === 1 ? 0 : this.keys[o + 2]!, w === 1 ? 0 : this.keys[o + 3]!) & this.mask;
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.keys.copyWithin(i * w, o, o + w);
      this.vals[i] = this.vals[j];
      i = j;
    }
    this.vals[i] = undefined;
  }

  clear(): void {
    this.keys = new Int32Array(16 * this.width);
    this.vals = new Array<P | undefined>(16).fill(undefined);
    this.mask = 15;
    this.used = 0;
  }

  private writeKey(i: number, a0: number, a1: number, a2: number, a3: number): void {
    const o = i * this.width;
    this.keys[o] = a0;
    if (this.width === 4) {
      this.keys[o + 1] = a1;
      this.keys[o + 2] = a2;
      this.keys[o + 3] = a3;
    }
  }

  private grow(): void {
    const { keys, vals, width: w } = this;
    const cap = vals.length * 2;
    this.keys = new Int32Array(cap * w);
    this.vals = new Array<P | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    for (let s = 0; s < vals.length; s++) {
      const v = vals[s];
      if (v === undefined) continue;
      const o = s * w;
      const a1 = w === 1 ? 0 : keys[o + 1]!;
      const a2 = w === 1 ? 0 : keys[o + 2]!;
      const a3 = w === 1 ? 0 : keys[o + 3]!;
      const i = this.find(keys[o]!, a1, a2, a3);
      this.writeKey(i, keys[o]!, a1, a2, a3);
      this.vals[i] = v;
    }
  }
}

export class IndexedAllowedIps<P> extends AllowedIps<P> {
  private readonly host4 = new HostTable<P>(1);
  private readonly host6 = new HostTable<P>(4);

  override insert(ip: Uint8Array, cidr: number, peer: P): void {
    super.insert(ip, cidr, peer);
    if (ip.length === 4 && cidr === 32) this.host4.set(word(ip, 0), 0, 0, 0, peer);
    else if (ip.length === 16 && cidr === 128) this.host6.set(word(ip, 0), word(ip, 4), word(ip, 8), word(ip, 12), peer);
  }

  override remove(ip: Uint8Array, cidr: number, peer: P): boolean {
    const removed = super.remove(ip, cidr, peer);
    if (removed) this.forgetHost(ip, cidr);
    return removed;
  }

  override removeByPeer(peer: P): void {
    for (const e of this.entriesForPeer(peer)) this.forgetHost(e.ip, e.cidr);
    super.removeByPeer(peer);
  }

  override clear(): void {
    super.clear();
    this.host4.clear();
    this.host6.clear();
  }

  /** Longest-prefix match; no allocation (a host-route hit never walks the trie). */
  override lookup(buf: Uint8Array, offset: number, length: 4 | 16): P | undefined {
    if (offset < 0 || offset + length > buf.length) return undefined;
    if (length === 4) {
      if (this.host4.size > 0) {
        const p = this.host4.get1(word(buf, offset));
        if (p !== undefined) return p;
      }
    } else if (this.host6.size > 0) {
      const p = this.host6.get4(word(buf, offset), word(buf, offset + 4), word(buf, offset + 8), word(buf, offset + 12));
      if (p !== undefined) return p;
    }
    return super.lookup(buf, offset, length);
  }

  private forgetHost(ip: Uint8Array, cidr: number): void {
    if (ip.length === 4 && cidr === 32) this.host4.delete(word(ip, 0), 0, 0, 0);
    else if (ip.length === 16 && cidr === 128) this.host6.delete(word(ip, 0), word(ip, 4), word(ip, 8), word(ip, 12));
  }
}
