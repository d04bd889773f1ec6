/**
 * ChaCha20 (RFC 8439 §2.3 block function, §2.4 encryption) for short
 * messages: the Poly1305 one-time key (§2.6, block 0) and payloads of a few
 * blocks (handshake fields, keepalives, pings). @noble/ciphers' chacha20
 * costs ≈ 7 µs of per-call setup (typed-array views, copies, checks) before
 * its first block, more than the 1–3 blocks themselves; this one keeps the
 * state in locals and writes through a module scratch block that is wiped.
 */

// §2.3: "expand 32-byte k" as four little-endian words.
const C0 = 0x61707865;
const C1 = 0x3320646e;
const C2 = 0x79622d32;
const C3 = 0x6b206574;

/** Key words 0..7 and nonce words 8..10 of the current call (wiped after it). */
const kn = new Uint32Array(11);
/** One keystream block as words (wiped after each call). */
const ks = new Uint32Array(16);

function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function loadKeyNonce(key: Uint8Array, nonce: Uint8Array): void {
  for (let i = 0; i < 8; i++) kn[i] = le32(key, 4 * i);
  kn[8] = le32(nonce, 0);
  kn[9] = le32(nonce, 4);
  kn[10] = le32(nonce, 8);
}

/** §2.3 block function: ks = the keystream block for `counter` under kn. */
function block(counter: number): void {
  const j4 = kn[0]!, j5 = kn[1]!, j6 = kn[2]!, j7 = kn[3]!, j8 = kn[4]!, j9 = kn[5]!, j10 = kn[6]!, j11 = kn[7]!;
  const j12 = counter | 0, j13 = kn[8]!, j14 = kn[9]!, j15 = kn[10]!;
  let x0 = C0, x1 = C1, x2 = C2, x3 = C3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  for (let r = 0; r < 10; r++) {
    // §2.1 quarter round (a += b; d ^= a; d <<<= 16; c += d; b ^= c; b <<<= 12; … 8; … 7), columns then diagonals (§2.3.1).
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16); x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24); x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16); x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24); x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16); x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24); x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16); x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24); x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);

    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16); x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24); x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16); x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24); x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16); x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24); x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16); x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24); x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  // §2.3: add the input state word by word.
  ks[0] = x0 + C0; ks[1] = x1 + C1; ks[2] = x2 + C2; ks[3] = x3 + C3;
  ks[4] = x4 + j4; ks[5] = x5 + j5; ks[6] = x6 + j6; ks[7] = x7 + j7;
  ks[8] = x8 + j8; ks[9] = x9 + j9; ks[10] = x10 + j10; ks[11] = x11 + j11;
  ks[12] = x12 + j12; ks[13] = x13 + j13; ks[14] = x14 + j14; ks[15] = x15 + j15;
}

/**
 * §2.4: dst[0, len) = src[0, len) XOR the keystream from block `counter` on
 * (key 32 bytes, nonce 12 bytes). dst may be src (in place). Counters stay
 * far below 2^32 here (short messages only).
 */
export function chacha20Xor(key: Uint8Array, nonce: Uint8Array, counter: number, src: Uint8Array, dst: Uint8Array, len: number): void {
  loadKeyNonce(key, nonce);
  for (let off = 0; off < len; off += 64, counter++) {
    block(counter);
    const n = Math.min(64, len - off);
    // The keystream's bytes are its words serialized little-endian (§2.3.2).
    for (let i = 0; i < n; i++) dst[off + i] = src[off + i]! ^ (ks[i >> 2]! >>> ((i & 3) << 3));
  }
  ks.fill(0);
  kn.fill(0);
}

/** §2.6 Poly1305 key generation: out[0, 32) = the first 32 bytes of block 0. */
export function chacha20PolyKey(key: Uint8Array, nonce: Uint8Array, out: Uint8Array): void {
  loadKeyNonce(key, nonce);
  block(0);
  for (let i = 0; i < 32; i++) out[i] = ks[i >> 2]! >>> ((i & 3) << 3);
  ks.fill(0);
  kn.fill(0);
}
