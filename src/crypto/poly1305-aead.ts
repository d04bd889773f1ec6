/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) for the pure-TypeScript provider, with
 * a faster Poly1305 (§2.5) than @noble/ciphers' (which is about three
 * quarters of its AEAD cost, issue 5). ChaCha20 is ours (chacha20.ts) for
 * the one-time key and short messages, where noble's per-call setup was the
 * larger cost, and noble's for longer ones.
 *
 * Poly1305 here keeps the accumulator in six 22-bit limbs held in doubles:
 * a limb product is < 2^46 and a reduced column sum (2^132 ≡ 20 mod
 * 2^130 − 5) stays below 2^53, so every step is exact float arithmetic with
 * 36 multiplications per block instead of noble's 100 on 13-bit limbs.
 * The MAC only takes zero-padded 16-byte blocks, which is all the AEAD
 * construction feeds it (§2.8: aad ‖ pad ‖ ciphertext ‖ pad ‖ lengths).
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { chacha20PolyKey, chacha20Xor } from './chacha20.js';

// Up to this many bytes the stream runs on chacha20.ts (≤ 4 blocks: every
// handshake field, keepalives, pings, TCP ACKs); beyond, noble's chacha20
// amortizes its setup and XORs whole words.
const SHORT_STREAM = 256;

/** RFC 8439 §2.4 from block `counter` on, through whichever ChaCha20 suits the length. */
function stream(key: Uint8Array, nonce: Uint8Array, src: Uint8Array, dst: Uint8Array, n: number): void {
  if (n <= SHORT_STREAM) chacha20Xor(key, nonce, 1, src, dst, n);
  else chacha20(key, nonce, src.subarray(0, n), dst.subarray(0, n), 1);
}

const M22 = 0x3fffff;
const B22 = 4194304; // 2^22
const B20 = 1048576; // 2^20

function le32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

/** Poly1305 state over one key, fed whole (zero-padded) 16-byte blocks. */
class Poly1305 {
  // r limbs, and 20·r for the wrapped columns.
  private r0 = 0; private r1 = 0; private r2 = 0; private r3 = 0; private r4 = 0; private r5 = 0;
  private s1 = 0; private s2 = 0; private s3 = 0; private s4 = 0; private s5 = 0;
  private h0 = 0; private h1 = 0; private h2 = 0; private h3 = 0; private h4 = 0; private h5 = 0;
  private readonly pad = new Uint8Array(16);

  init(key: Uint8Array): void {
    // r is clamped (RFC 8439 §2.5.1): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff.
    const w0 = le32(key, 0) & 0x0fffffff;
    const w1 = le32(key, 4) & 0x0ffffffc;
    const w2 = le32(key, 8) & 0x0ffffffc;
    const w3 = le32(key, 12) & 0x0ffffffc;
    this.r0 = w0 & M22;
    this.r1 = ((w0 >>> 22) | ((w1 & 0xfff) << 10)) & M22;
    this.r2 = ((w1 >>> 12) | ((w2 & 0x3) << 20)) & M22;
    this.r3 = (w2 >>> 2) & M22;
    this.r4 = ((w2 >>> 24) | ((w3 & 0x3fff) << 8)) & M22;
    this.r5 = w3 >>> 14;
    this.s1 = 20 * this.r1;
    this.s2 = 20 * this.r2;
    this.s3 = 20 * this.r3;
    this.s4 = 20 * this.r4;
    this.s5 = 20 * this.r5;
    this.h0 = this.h1 = this.h2 = this.h3 = this.h4 = this.h5 = 0;
  }

  /** Absorbs b[off, off+len) as blocks; a short tail is zero-padded to 16 bytes (the AEAD's padding). */
  update(b: Uint8Array, off: number, len: number): void {
    const end = off + len;
    const full = off + (len & ~15);
    let i = off;
    for (; i < full; i += 16) this.block(b, i);
    if (i < end) {
      const pad = this.pad;
      pad.fill(0);
      pad.set(b.subarray(i, end));
      this.block(pad, 0);
    }
  }

  private block(b: Uint8Array, o: number): void {
    const w0 = le32(b, o);
    const w1 = le32(b, o + 4);
    const w2 = le32(b, o + 8);
    const w3 = le32(b, o + 12);
    // h += block with its 2^128 bit (bit 18 of the top limb).
    const h0 = this.h0 + (w0 & M22);
    const h1 = this.h1 + (((w0 >>> 22) | ((w1 & 0xfff) << 10)) & M22);
    const h2 = this.h2 + (((w1 >>> 12) | ((w2 & 0x3) << 20)) & M22);
    const h3 = this.h3 + ((w2 >>> 2) & M22);
    const h4 = this.h4 + (((w2 >>> 24) | ((w3 & 0x3fff) << 8)) & M22);
    const h5 = this.h5 + ((w3 >>> 14) | 0x40000);
    const { r0, r1, r2, r3, r4, r5, s1, s2, s3, s4, s5 } = this;
    // h *= r mod 2^130 − 5, column by column.
    let d0 = h0 * r0 + h1 * s5 + h2 * s4 + h3 * s3 + h4 * s2 + h5 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s5 + h3 * s4 + h4 * s3 + h5 * s2;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s5 + h4 * s4 + h5 * s3;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s5 + h5 * s4;
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s5;
    let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0;
    let c = Math.floor(d0 / B22);
    d0 -= c * B22;
    d1 += c;
    c = Math.floor(d1 / B22);
    d1 -= c * B22;
    d2 += c;
    c = Math.floor(d2 / B22);
    d2 -= c * B22;
    d3 += c;
    c = Math.floor(d3 / B22);
    d3 -= c * B22;
    d4 += c;
    c = Math.floor(d4 / B22);
    d4 -= c * B22;
    d5 += c;
    c = Math.floor(d5 / B22);
    d5 -= c * B22;
    d0 += c * 20; // 2^132 ≡ 20
    c = Math.floor(d0 / B22);
    d0 -= c * B22;
    d1 += c;
    this.h0 = d0;
    this.h1 = d1;
    this.h2 = d2;
    this.h3 = d3;
    this.h4 = d4;
    this.h5 = d5;
  }

  /** Writes the tag (h mod p) + s mod 2^128 to out[0..16). */
  finish(key: Uint8Array, out: Uint8Array): void {
    let h0 = this.h0, h1 = this.h1, h2 = this.h2, h3 = this.h3, h4 = this.h4, h5 = this.h5;
    for (let round = 0; round < 2; round++) {
      let c = Math.floor(h0 / B22); h0 -= c * B22; h1 += c;
      c = Math.floor(h1 / B22); h1 -= c * B22; h2 += c;
      c = Math.floor(h2 / B22); h2 -= c * B22; h3 += c;
      c = Math.floor(h3 / B22); h3 -= c * B22; h4 += c;
      c = Math.floor(h4 / B22); h4 -= c * B22; h5 += c;
      c = Math.floor(h5 / B20); h5 -= c * B20; h0 += c * 5; // 2^130 ≡ 5
    }
    // Now h < 2^130 + small; subtract p once if h ≥ p, i.e. if h + 5 ≥ 2^130.
    let g0 = h0 + 5;
    let c = Math.floor(g0 / B22); g0 -= c * B22;
    let g1 = h1 + c; c = Math.floor(g1 / B22); g1 -= c * B22;
    let g2 = h2 + c; c = Math.floor(g2 / B22); g2 -= c * B22;
    let g3 = h3 + c; c = Math.floor(g3 / B22); g3 -= c * B22;
    let g4 = h4 + c; c = Math.floor(g4 / B22); g4 -= c * B22;
    const g5 = h5 + c;
    if (g5 >= B20) {
      h0 = g0; h1 = g1; h2 = g2; h3 = g3; h4 = g4; h5 = g5 - B20;
    }
    const w0 = (h0 | ((h1 & 0x3ff) << 22)) >>> 0;
    const w1 = ((h1 >>> 10) | ((h2 & 0xfffff) << 12)) >>> 0;
    const w2 = ((h2 >>> 20) | (h3 << 2) | ((h4 & 0xff) << 24)) >>> 0;
    const w3 = ((h4 >>> 8) | ((h5 & 0x3ffff) << 14)) >>> 0;
    let t = w0 + (le32(key, 16) >>> 0);
    putLe32(out, 0, t);
    t = w1 + (le32(key, 20) >>> 0) + (t > 0xffffffff ? 1 : 0);
    putLe32(out, 4, t);
    t = w2 + (le32(key, 24) >>> 0) + (t > 0xffffffff ? 1 : 0);
    putLe32(out, 8, t);
    t = w3 + (le32(key, 28) >>> 0) + (t > 0xffffffff ? 1 : 0);
    putLe32(out, 12, t);
  }
}

function putLe32(b: Uint8Array, o: number, v: number): void {
  const x = v % 0x1_0000_0000;
  b[o] = x & 0xff;
  b[o + 1] = (x >>> 8) & 0xff;
  b[o + 2] = (x >>> 16) & 0xff;
  b[o + 3] = (x >>> 24) & 0xff;
}

// Per-module scratch: the data path is single-threaded and these never escape.
const mac = new Poly1305();
const polyKey = new Uint8Array(32);
const lengths = new Uint8Array(16);
const tagBuf = new Uint8Array(16);
const EMPTY = new Uint8Array(0);

function setLen(o: number, n: number): void {
  lengths[o] = n & 0xff;
  lengths[o + 1] = (n >>> 8) & 0xff;
  lengths[o + 2] = (n >>> 16) & 0xff;
  lengths[o + 3] = (n >>> 24) & 0xff;
  const hi = Math.floor(n / 0x1_0000_0000);
  lengths[o + 4] = hi & 0xff;
  lengths[o + 5] = (hi >>> 8) & 0xff;
  lengths[o + 6] = 0;
  lengths[o + 7] = 0;
}

/** Tag over aad and ct (RFC 8439 §2.8) into tagBuf, with the one-time key from block 0. */
function tag(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array, ctOff: number, ctLen: number): Uint8Array {
  chacha20PolyKey(key, nonce, polyKey);
  mac.init(polyKey);
  if (aad.length > 0) mac.update(aad, 0, aad.length);
  mac.update(ct, ctOff, ctLen);
  setLen(0, aad.length);
  setLen(8, ctLen);
  mac.update(lengths, 0, 16);
  mac.finish(polyKey, tagBuf);
  polyKey.fill(0);
  return tagBuf;
}

/** Seals plaintext into out (plaintext.length + 16 bytes; may be the same memory). */
export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = EMPTY, out?: Uint8Array): Uint8Array {
  const n = plaintext.length;
  const dst = out ?? new Uint8Array(n + 16);
  if (n > 0) stream(key, nonce, plaintext, dst, n);
  dst.set(tag(key, nonce, aad, dst, 0, n), n);
  return dst;
}

/** Opens ciphertext ‖ tag into out (or a fresh array); null when the tag does not verify. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY, out?: Uint8Array): Uint8Array | null {
  if (sealed.length < 16) return null;
  const n = sealed.length - 16;
  const t = tag(key, nonce, aad, sealed, 0, n);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= t[i]! ^ sealed[n + i]!; // constant time
  if (diff !== 0) return null;
  const dst = out ?? new Uint8Array(n);
  if (n > 0) stream(key, nonce, sealed, dst, n);
  return dst;
}
