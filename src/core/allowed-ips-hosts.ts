/**
 * Cryptokey routing (whitepaper §2) with a hash index of host routes (/32,
 * /128) in front of the trie of allowed-ips.ts. A server's peers mostly own
 * one host route each; the trie walk for those grows with the table
 * (≈ 26 → 100 → 370 ns at 10 / 1,000 / 10,000 prefixes, cache misses per
 * level), a hash probe does not. A host route is the longest possible match,
 * so a hit answers the lookup; anything else falls through to the trie.
 */
import { AllowedIps } from './allowed-ips.js';

interface Host6<P> {
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  peer: P;
}

/** Big-endian 32-bit word as a signed int32 (the same form allowed-ips.ts uses). */
function word(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

function mix(a0: number, a1: number, a2: number, a3: number): number {
  return (a0 ^ Math.imul(a1, 0x9e3779b1) ^ Math.imul(a2, 0x85ebca6b) ^ Math.imul(a3, 0xc2b2ae35)) | 0;
}

export class IndexedAllowedIps<P> extends AllowedIps<P> {
  private readonly host4 = new Map<number, P>();
  /** Buckets by a hash of the four words (collisions are compared word by word). */
  private readonly host6 = new Map<number, Host6<P>[]>();

  override insert(ip: Uint8Array, cidr: number, peer: P): void {
    super.insert(ip, cidr, peer);
    if (ip.length === 4 && cidr === 32) this.host4.set(word(ip, 0), peer);
    else if (ip.length === 16 && cidr === 128) this.setHost6(ip, peer);
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
        const p = this.host4.get(word(buf, offset));
        if (p !== undefined) return p;
      }
    } else if (this.host6.size > 0) {
      const a0 = word(buf, offset);
      const a1 = word(buf, offset + 4);
      const a2 = word(buf, offset + 8);
      const a3 = word(buf, offset + 12);
      const bucket = this.host6.get(mix(a0, a1, a2, a3));
      if (bucket !== undefined) {
        for (const h of bucket) if (h.w0 === a0 && h.w1 === a1 && h.w2 === a2 && h.w3 === a3) return h.peer;
      }
    }
    return super.lookup(buf, offset, length);
  }

  private setHost6(ip: Uint8Array, peer: P): void {
    const w0 = word(ip, 0), w1 = word(ip, 4), w2 = word(ip, 8), w3 = word(ip, 12);
    const k = mix(w0, w1, w2, w3);
    let bucket = this.host6.get(k);
    if (bucket === undefined) this.host6.set(k, (bucket = []));
    const same = bucket.find((h) => h.w0 === w0 && h.w1 === w1 && h.w2 === w2 && h.w3 === w3);
    if (same) same.peer = peer;
    else bucket.push({ w0, w1, w2, w3, peer });
  }

  private forgetHost(ip: Uint8Array, cidr: number): void {
    if (ip.length === 4 && cidr === 32) {
      this.host4.delete(word(ip, 0));
    } else if (ip.length === 16 && cidr === 128) {
      const w0 = word(ip, 0), w1 = word(ip, 4), w2 = word(ip, 8), w3 = word(ip, 12);
      const k = mix(w0, w1, w2, w3);
      const bucket = this.host6.get(k);
      if (bucket === undefined) return;
      const rest = bucket.filter((h) => !(h.w0 === w0 && h.w1 === w1 && h.w2 === w2 && h.w3 === w3));
      if (rest.length === 0) this.host6.delete(k);
      else this.host6.set(k, rest);
    }
  }
}
