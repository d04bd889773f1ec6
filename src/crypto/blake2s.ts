/**
 * BLAKE2s (RFC 7693) for the handshake's short inputs (whitepaper §5.4
 * HASH/MAC/HMAC/KDF: at most a few blocks each). One call into node:crypto
 * costs 3–5 µs of object setup for ≤ 2 compression-function runs; this
 * allocation-free implementation runs a compression in well under a
 * microsecond, and HMAC (RFC 2104) keeps the padded-key states so KDF_n
 * (whitepaper §5.4) pays the key setup once for all its outputs.
 */
import { compress } from './blake2s-compress.js';

// RFC 7693 §2.6 IV (= SHA-256's): the parameter block is XORed into it.
export const IV = Uint32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
);

// Message words of the block being compressed (module scratch; wiped after
// each use) — only on big-endian hosts. On little-endian ones (every platform
// Node ships for) the block's own Uint32Array view is read directly: RFC 7693
// §2.4 words are little-endian, and loading them byte by byte cost ≈ 15 % of
// a compression.
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const scratchWords = new Uint32Array(16);

/** The words of a buffered block: its own view on little-endian hosts, a wiped-after-use copy on big-endian ones. */
function compressBlock(h: Uint32Array, block: Uint8Array, words: Uint32Array, t: number, last: boolean): void {
  if (LITTLE_ENDIAN) {
    compress(h, words, t, last);
    return;
  }
  for (let i = 0, off = 0; i < 16; i++, off += 4) {
    scratchWords[i] = block[off]! | (block[off + 1]! << 8) | (block[off + 2]! << 16) | (block[off + 3]! << 24);
  }
  compress(h, scratchWords, t, last);
  scratchWords.fill(0); // the block itself is wiped by its owner
}

const pad = new Uint8Array(64);

/** Streaming BLAKE2s with a fixed digest length and optional key (RFC 7693 §3.3). */
export class Blake2s {
  readonly h = new Uint32Array(8);
  private readonly buf = new Uint8Array(64);
  private readonly words = new Uint32Array(this.buf.buffer);
  private fill = 0;
  private done = 0;

  constructor(
    private readonly outLen: number,
    key?: Uint8Array,
  ) {
    this.reset(key);
  }

  /** Back to the start state (parameter block: digest length, key length, fanout = depth = 1). */
  reset(key?: Uint8Array): this {
    const kl = key === undefined ? 0 : key.length;
    this.h.set(IV);
    this.h[0]! ^= 0x01010000 ^ (kl << 8) ^ this.outLen;
    this.fill = 0;
    this.done = 0;
    this.buf.fill(0);
    if (kl > 0) {
      this.buf.set(key!);
      this.fill = 64; // the key block is one full block of input
    }
    return this;
  }

  /** Streams `data` in, keeping the last block for digestInto (BLAKE2 finalizes it). */
  update(data: Uint8Array): this {
    const buf = this.buf;
    let fill = this.fill;
    for (let i = 0; i < data.length; ) {
      if (fill === 64) {
        this.done += 64;
        compressBlock(this.h, buf, this.words, this.done, false);
        fill = 0;
      }
      const n = Math.min(64 - fill, data.length - i);
      for (let j = 0; j < n; j++) buf[fill + j] = data[i + j]!;
      fill += n;
      i += n;
    }
    this.fill = fill;
    return this;
  }

  /**
   * After exactly one full block: compresses it as a non-final block and
   * returns the chaining value. Only valid when more input will follow
   * (BLAKE2 finalizes the last block itself, never an empty one).
   */
  chainAfterFirstBlock(): Uint32Array {
    if (this.fill !== 64 || this.done !== 0) throw new RangeError('needs exactly one buffered block');
    this.done = 64;
    compressBlock(this.h, this.buf, this.words, 64, false);
    this.fill = 0;
    this.buf.fill(0);
    return this.h;
  }

  /** Continues from a chaining value saved by chainAfterFirstBlock (64 bytes done). */
  resume(chain: Uint32Array): this {
    this.h.set(chain);
    this.done = 64;
    this.fill = 0;
    return this;
  }

  /** Writes the digest into `out` (outLen bytes) and wipes the buffered input. */
  digestInto(out: Uint8Array): Uint8Array {
    this.buf.fill(0, this.fill);
    compressBlock(this.h, this.buf, this.words, this.done + this.fill, true);
    for (let i = 0; i < this.outLen; i++) out[i] = this.h[i >> 2]! >>> (8 * (i & 3));
    this.buf.fill(0);
    return out;
  }
}

const scratch = new Map<number, Blake2s>();

/** BLAKE2s of `data` with digest length 1..32 and an optional 0..32-byte key. */
export function blake2s(data: Uint8Array, outLen: number, key?: Uint8Array): Uint8Array {
  if (!Number.isInteger(outLen) || outLen < 1 || outLen > 32) throw new RangeError('BLAKE2s digest length must be 1..32');
  if (key !== undefined && key.length > 32) throw new RangeError('BLAKE2s key must be at most 32 bytes');
  let st = scratch.get(outLen);
  if (st === undefined) scratch.set(outLen, (st = new Blake2s(outLen)));
  return st.reset(key).update(data).digestInto(new Uint8Array(outLen));
}

/**
 * HMAC-BLAKE2s-256 (RFC 2104, 64-byte block) with the inner and outer
 * key-padded blocks compressed once per key: whitepaper §5.4 KDF_n makes n
 * HMACs under the same PRK. Reusable: setKey() re-keys without allocating.
 */
export class HmacBlake2s {
  private readonly inner = new Uint32Array(8);
  private readonly outer = new Uint32Array(8);
  /** K ⊕ ipad, kept for an empty message (then the pad block is the final block). */
  private readonly ipad = new Uint8Array(64);
  private readonly st = new Blake2s(32);
  private readonly tmp = new Uint8Array(32);

  constructor(key?: Uint8Array) {
    if (key !== undefined) this.setKey(key);
  }

  setKey(key: Uint8Array): this {
    // Keys longer than a block are hashed first (RFC 2104 §2); WireGuard's are 32 bytes.
    const k = key.length > 64 ? blake2s(key, 32) : key;
    this.ipad.fill(0x36);
    for (let i = 0; i < k.length; i++) this.ipad[i]! ^= k[i]!;
    this.inner.set(this.st.reset().update(this.ipad).chainAfterFirstBlock());
    pad.fill(0x5c);
    for (let i = 0; i < k.length; i++) pad[i]! ^= k[i]!;
    this.outer.set(this.st.reset().update(pad).chainAfterFirstBlock());
    pad.fill(0);
    if (k !== key) k.fill(0);
    return this;
  }

  /** HMAC(key, data) into `out` (32 bytes; may be `data` itself). */
  macInto(data: Uint8Array, out: Uint8Array): Uint8Array {
    if (data.length === 0) this.st.reset().update(this.ipad).digestInto(this.tmp);
    else this.st.resume(this.inner).update(data).digestInto(this.tmp);
    this.st.resume(this.outer).update(this.tmp).digestInto(out);
    this.tmp.fill(0);
    return out;
  }

  /** Wipes the key-derived states. */
  wipe(): void {
    this.inner.fill(0);
    this.outer.fill(0);
    this.ipad.fill(0);
    this.st.h.fill(0);
  }
}

const extract = new HmacBlake2s();
const expand = new HmacBlake2s();
const prk = new Uint8Array(32);
const counterBlock = new Uint8Array(33);

/** HMAC-BLAKE2s-256(key, data). */
export function hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
  const out = extract.setKey(key).macInto(data, new Uint8Array(32));
  extract.wipe();
  return out;
}

/**
 * KDF_n(key, input) of whitepaper §5.4: PRK = HMAC(key, input),
 * T1 = HMAC(PRK, 0x1), T_i = HMAC(PRK, T_{i−1} ‖ i). The PRK's pad states are
 * computed once for all n outputs; PRK and scratch are wiped.
 */
export function kdf(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] {
  extract.setKey(key).macInto(input, prk);
  extract.wipe();
  expand.setKey(prk);
  prk.fill(0);
  const out: Uint8Array[] = [];
  counterBlock[0] = 1;
  let prev = expand.macInto(counterBlock.subarray(0, 1), new Uint8Array(32));
  out.push(prev);
  for (let i = 2; i <= n; i++) {
    counterBlock.set(prev, 0);
    counterBlock[32] = i;
    prev = expand.macInto(counterBlock, new Uint8Array(32));
    out.push(prev);
  }
  counterBlock.fill(0);
  expand.wipe();
  return out;
}
