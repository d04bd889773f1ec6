/**
 * Whitepaper §5.4 KDF_n (HKDF over HMAC-BLAKE2s-256, RFC 2104 with a 64-byte
 * block) on BLAKE2s words for the handshake's shape: a 32-byte chaining key
 * and an input of at most one block (DH results, public keys, the PSK, or
 * nothing for Split). A digest's bytes are its state words serialized
 * little-endian (RFC 7693 §3.3), which is exactly how the next compression
 * reads them back as message words, so PRK and T_i never leave word form:
 * no byte copies, no streaming bookkeeping, no per-call objects. Other
 * shapes go to blake2s.ts's general HMAC. Scratch is module-level and wiped.
 */
import { IV, compress, kdf as generalKdf } from './blake2s.js';

const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;
// Parameter block word 0 (RFC 7693 §2.5): digest length 32, no key, fanout = depth = 1.
const PARAM0 = 0x01010020;

/** The message block being compressed. */
const m = new Uint32Array(16);
/** Chaining values after the key ⊕ ipad and key ⊕ opad blocks. */
const inner = new Uint32Array(8);
const outer = new Uint32Array(8);
/** The HMAC key (ck, then PRK) and the running T_i, as words. */
const keyW = new Uint32Array(8);
const t = new Uint32Array(8);

function start(h: Uint32Array): void {
  h.set(IV);
  h[0]! ^= PARAM0;
}

/** m = keyW ⊕ pad, zero key bytes padded with the pad byte (RFC 2104 §2). */
function padBlock(pad: number): void {
  for (let i = 0; i < 8; i++) m[i] = keyW[i]! ^ pad;
  for (let i = 8; i < 16; i++) m[i] = pad;
}

/** inner/outer from keyW. */
function keyPads(): void {
  padBlock(IPAD);
  start(inner);
  compress(inner, m, 64, false);
  padBlock(OPAD);
  start(outer);
  compress(outer, m, 64, false);
}

/**
 * HMAC under the keyPads() key of the message now in m (`len` ≤ 64 bytes,
 * zero-padded; at least 1): out = Hash(K ⊕ opad ‖ Hash(K ⊕ ipad ‖ msg)).
 */
function mac(len: number, out: Uint32Array): void {
  out.set(inner);
  compress(out, m, 64 + len, true);
  for (let i = 0; i < 8; i++) m[i] = out[i]!;
  m.fill(0, 8);
  out.set(outer);
  compress(out, m, 96, true);
}

function loadBytes(dst: Uint32Array, src: Uint8Array, len: number): void {
  dst.fill(0);
  for (let i = 0; i < len; i++) dst[i >> 2]! |= src[i]! << ((i & 3) << 3);
}

function toBytes(w: Uint32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = w[i >> 2]! >>> ((i & 3) << 3);
  return out;
}

/**
 * KDF_n(key, input): PRK = HMAC(key, input), T1 = HMAC(PRK, 0x1),
 * T_i = HMAC(PRK, T_{i−1} ‖ i) — n fresh 32-byte outputs; every
 * intermediate (PRK, pads, T words, the block) is wiped.
 */
export function kdf(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] {
  if (key.length !== 32 || input.length > 64) return generalKdf(key, input, n);
  loadBytes(keyW, key, 32);
  // Extract. With an empty input the K ⊕ ipad block is itself the final block.
  if (input.length === 0) {
    padBlock(IPAD);
    start(t);
    compress(t, m, 64, true);
    padBlock(OPAD);
    start(keyW);
    compress(keyW, m, 64, false);
    for (let i = 0; i < 8; i++) m[i] = t[i]!;
    m.fill(0, 8);
    compress(keyW, m, 96, true);
  } else {
    keyPads();
    loadBytes(m, input, input.length);
    mac(input.length, keyW);
  }
  // Expand under PRK (now in keyW).
  keyPads();
  const out: Uint8Array[] = [];
  m.fill(0);
  m[0] = 1;
  mac(1, t);
  out.push(toBytes(t));
  for (let i = 2; i <= n; i++) {
    for (let w = 0; w < 8; w++) m[w] = t[w]!;
    m.fill(0, 8);
    m[8] = i;
    mac(33, t);
    out.push(toBytes(t));
  }
  m.fill(0);
  inner.fill(0);
  outer.fill(0);
  keyW.fill(0);
  t.fill(0);
  return out;
}
