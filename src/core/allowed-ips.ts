/**
 * Cryptokey routing table (whitepaper §2 "Cryptokey Routing"; checklist §8):
 * CIDR prefix → peer, longest-prefix match, one path-compressed binary trie
 * per address family like the kernel's allowedips.c. Lookups read the address
 * straight out of a packet buffer and allocate nothing; their cost is bounded
 * by the trie depth (≤ 33 / 129 nodes), not by the number of prefixes.
 */
import type { AllowedIp } from './config.js';

/**
 * One trie node: a masked prefix (four big-endian 32-bit words; IPv4 uses only
 * w0) and, if a prefix was inserted here, its peer. Nodes without a peer are
 * pure branch points and exist only while they have two children.
 * Words and masks are kept as signed int32 so V8 stores them unboxed (small
 * integers); the masks and the position of the branching bit are computed
 * once here instead of on every lookup.
 */
class Node<P> {
  peer: P | undefined = undefined;
  parent: Node<P> | null = null;
  c0: Node<P> | null = null;
  c1: Node<P> | null = null;
  readonly m0: number;
  readonly m1: number;
  readonly m2: number;
  readonly m3: number;
  /** Which word holds bit number `cidr` (the bit that picks a child), and its shift. */
  readonly bitWord: number;
  readonly bitShift: number;
  constructor(
    readonly w0: number,
    readonly w1: number,
    readonly w2: number,
    readonly w3: number,
    readonly cidr: number,
    readonly v6: boolean,
  ) {
    this.m0 = wordMask(cidr, 0);
    this.m1 = wordMask(cidr, 1);
    this.m2 = wordMask(cidr, 2);
    this.m3 = wordMask(cidr, 3);
    this.bitWord = cidr >>> 5;
    this.bitShift = 31 - (cidr & 31);
  }
}

/** Mask (signed int32) of the bits of word `k` (0..3) that lie inside a /cidr prefix. */
function wordMask(cidr: number, k: number): number {
  const bits = cidr - 32 * k;
  if (bits >= 32) return -1;
  if (bits <= 0) return 0;
  return -1 << (32 - bits);
}

/** Big-endian 32-bit word as a signed int32. */
function readWord(buf: Uint8Array, at: number): number {
  return (buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
}

/** Writes a word as four big-endian bytes. */
function putWord(buf: Uint8Array, at: number, w: number): void {
  buf[at] = w >>> 24;
  buf[at + 1] = (w >>> 16) & 0xff;
  buf[at + 2] = (w >>> 8) & 0xff;
  buf[at + 3] = w & 0xff;
}

/** Bit `pos` (0 = most significant) of the 128-bit value a0..a3. */
function bitAt(pos: number, a0: number, a1: number, a2: number, a3: number): number {
  const k = pos >>> 5;
  const w = k === 0 ? a0 : k === 1 ? a1 : k === 2 ? a2 : a3;
  return (w >>> (31 - (pos & 31))) & 1;
}

/** The child of `n` on the side of address a0..a3 (the bit right after n's prefix). */
function childToward<P>(n: Node<P>, a0: number, a1: number, a2: number, a3: number): Node<P> | null {
  const k = n.bitWord;
  const w = k === 0 ? a0 : k === 1 ? a1 : k === 2 ? a2 : a3;
  return ((w >>> n.bitShift) & 1) === 0 ? n.c0 : n.c1;
}

/** True if the first n.cidr bits of a0..a3 equal the node's prefix. */
function covers<P>(n: Node<P>, a0: number, a1: number, a2: number, a3: number): boolean {
  return (a0 & n.m0) === n.w0 && (a1 & n.m1) === n.w1 && (a2 & n.m2) === n.w2 && (a3 & n.m3) === n.w3;
}

/** Number of leading bits two 128-bit values share (0..128). */
function commonBits<P>(a: readonly number[], b: Node<P>): number {
  // No temporary array: this runs at every level of every insert (a bulk load walks ≈ 15 levels per prefix).
  let x = a[0]! ^ b.w0;
  if (x !== 0) return Math.clz32(x);
  x = a[1]! ^ b.w1;
  if (x !== 0) return 32 + Math.clz32(x);
  x = a[2]! ^ b.w2;
  if (x !== 0) return 64 + Math.clz32(x);
  x = a[3]! ^ b.w3;
  return x !== 0 ? 96 + Math.clz32(x) : 128;
}

export class AllowedIps<P> {
  private root4: Node<P> | null = null;
  private root6: Node<P> | null = null;
  /** Nodes holding a prefix, per peer, in insertion order (for entriesForPeer/removeByPeer). */
  private readonly byPeer = new Map<P, Set<Node<P>>>();
  private count = 0;
  private nodes = 0;

  /** Number of prefixes in the table. */
  get size(): number {
    return this.count;
  }

  /** Number of trie nodes including branch points (diagnostics/tests: 0 when empty). */
  get nodeCount(): number {
    return this.nodes;
  }

  /**
   * Adds `ip/cidr` (host bits masked) for `peer`. An existing identical prefix
   * is moved to `peer` (checklist §8). Throws RangeError on a bad length/cidr,
   * which the UAPI parser has already excluded.
   */
  insert(ip: Uint8Array, cidr: number, peer: P): void {
    const key = this.key(ip, cidr);
    const v6 = ip.length === 16;
    const root = v6 ? this.root6 : this.root4;
    if (root === null) {
      this.attach(null, 0, this.leaf(key, cidr, v6, peer), v6);
      return;
    }
    let node: Node<P> = root;
    while (true) {
      const common = Math.min(commonBits(key, node), node.cidr, cidr);
      if (common === node.cidr) {
        // node's prefix covers the new one
        if (node.cidr === cidr) {
          this.assign(node, peer);
          return;
        }
        const dir = bitAt(node.cidr, key[0]!, key[1]!, key[2]!, key[3]!);
        const child: Node<P> | null = dir === 0 ? node.c0 : node.c1;
        if (child === null) {
          this.attach(node, dir, this.leaf(key, cidr, v6, peer), v6);
          return;
        }
        node = child;
        continue;
      }
      const parent = node.parent;
      const parentDir = parent === null ? 0 : parent.c0 === node ? 0 : 1;
      if (common === cidr) {
        // the new prefix covers node: slot it in above node
        const fresh = this.leaf(key, cidr, v6, peer);
        this.attach(parent, parentDir, fresh, v6);
        this.attach(fresh, bitAt(cidr, node.w0, node.w1, node.w2, node.w3), node, v6);
        return;
      }
      // they diverge at bit `common`: a peerless branch node holds both
      const masked = key.map((w, k) => w & wordMask(common, k));
      const branch = new Node<P>(masked[0]!, masked[1]!, masked[2]!, masked[3]!, common, v6);
      this.nodes++;
      const fresh = this.leaf(key, cidr, v6, peer);
      this.attach(parent, parentDir, branch, v6);
      const freshDir = bitAt(common, key[0]!, key[1]!, key[2]!, key[3]!);
      this.attach(branch, freshDir, fresh, v6);
      this.attach(branch, 1 - freshDir, node, v6);
      return;
    }
  }

  /** Removes `ip/cidr` only if it is present and belongs to `peer` (UAPI `allowed_ip=-prefix`). */
  remove(ip: Uint8Array, cidr: number, peer: P): boolean {
    const key = this.key(ip, cidr);
    let node = ip.length === 16 ? this.root6 : this.root4;
    while (node !== null && node.cidr <= cidr && covers(node, key[0]!, key[1]!, key[2]!, key[3]!)) {
      if (node.cidr === cidr) {
        if (node.peer !== peer || node.peer === undefined) return false;
        this.unassign(node);
        return true;
      }
      node = bitAt(node.cidr, key[0]!, key[1]!, key[2]!, key[3]!) === 0 ? node.c0 : node.c1;
    }
    return false;
  }

  /** Removes every prefix of `peer`. */
  removeByPeer(peer: P): void {
    const set = this.byPeer.get(peer);
    if (set === undefined) return;
    for (const node of [...set]) this.unassign(node);
  }

  /**
   * Longest-prefix match for the address at buf[offset .. offset+length)
   * (the inner packet's source or destination). No allocation.
   */
  lookup(buf: Uint8Array, offset: number, length: 4 | 16): P | undefined {
    if (offset < 0 || offset + length > buf.length) return undefined;
    const a0 = readWord(buf, offset);
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let node: Node<P> | null;
    if (length === 16) {
      a1 = readWord(buf, offset + 4);
      a2 = readWord(buf, offset + 8);
      a3 = readWord(buf, offset + 12);
      node = this.root6;
    } else {
      node = this.root4;
    }
    const maxBits = length * 8;
    let best: P | undefined;
    while (node !== null && covers(node, a0, a1, a2, a3)) {
      if (node.peer !== undefined) best = node.peer;
      if (node.cidr === maxBits) break;
      node = childToward(node, a0, a1, a2, a3);
    }
    return best;
  }

  /** Convenience: lookup of a bare 4- or 16-byte address. */
  lookupAddress(ip: Uint8Array): P | undefined {
    return ip.length === 4 || ip.length === 16 ? this.lookup(ip, 0, ip.length) : undefined;
  }

  /** The peer's prefixes (masked, fresh byte arrays) in the order they were last assigned to it. */
  entriesForPeer(peer: P): AllowedIp[] {
    const set = this.byPeer.get(peer);
    if (set === undefined) return [];
    const out: AllowedIp[] = [];
    for (const n of set) {
      const bytes = new Uint8Array(n.v6 ? 16 : 4);
      putWord(bytes, 0, n.w0);
      if (n.v6) {
        putWord(bytes, 4, n.w1);
        putWord(bytes, 8, n.w2);
        putWord(bytes, 12, n.w3);
      }
      out.push({ ip: bytes, cidr: n.cidr });
    }
    return out;
  }

  clear(): void {
    this.root4 = null;
    this.root6 = null;
    this.byPeer.clear();
    this.count = 0;
    this.nodes = 0;
  }

  /** Validated, masked prefix as four u32 words. */
  private key(ip: Uint8Array, cidr: number): number[] {
    if (ip.length !== 4 && ip.length !== 16) throw new RangeError('allowed IP must be 4 or 16 bytes');
    if (!Number.isInteger(cidr) || cidr < 0 || cidr > ip.length * 8) throw new RangeError(`bad cidr ${cidr}`);
    const v6 = ip.length === 16;
    return [
      readWord(ip, 0) & wordMask(cidr, 0),
      v6 ? readWord(ip, 4) & wordMask(cidr, 1) : 0,
      v6 ? readWord(ip, 8) & wordMask(cidr, 2) : 0,
      v6 ? readWord(ip, 12) & wordMask(cidr, 3) : 0,
    ];
  }

  private leaf(key: readonly number[], cidr: number, v6: boolean, peer: P): Node<P> {
    const n = new Node<P>(key[0]!, key[1]!, key[2]!, key[3]!, cidr, v6);
    this.nodes++;
    this.assign(n, peer);
    return n;
  }

  /** Gives node `n` to `peer` (moving it from its previous owner, to the end of the peer's list). */
  private assign(n: Node<P>, peer: P): void {
    if (n.peer !== undefined) this.byPeer.get(n.peer)?.delete(n);
    else this.count++;
    n.peer = peer;
    let set = this.byPeer.get(peer);
    if (set === undefined) this.byPeer.set(peer, (set = new Set()));
    set.add(n);
  }

  /** Makes `child` the `dir` child of `parent` (or the family root when parent is null). */
  private attach(parent: Node<P> | null, dir: number, child: Node<P> | null, v6: boolean): void {
    if (parent === null) {
      if (v6) this.root6 = child;
      else this.root4 = child;
    } else if (dir === 0) parent.c0 = child;
    else parent.c1 = child;
    if (child !== null) child.parent = parent;
  }

  /** Drops the prefix at `n` and removes nodes that no longer carry a prefix or a branch. */
  private unassign(n: Node<P>): void {
    const set = this.byPeer.get(n.peer as P);
    set?.delete(n);
    if (set !== undefined && set.size === 0) this.byPeer.delete(n.peer as P);
    n.peer = undefined;
    this.count--;
    let cur: Node<P> | null = n;
    // A peerless node with fewer than two children is redundant; splice it out and re-check its parent.
    while (cur !== null && cur.peer === undefined && (cur.c0 === null || cur.c1 === null)) {
      const only: Node<P> | null = cur.c0 ?? cur.c1;
      const parent: Node<P> | null = cur.parent;
      this.attach(parent, parent !== null && parent.c1 === cur ? 1 : 0, only, cur.v6);
      cur.parent = cur.c0 = cur.c1 = null;
      this.nodes--;
      cur = parent;
    }
  }
}
