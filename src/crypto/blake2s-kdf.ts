/**
 * Whitepaper §5.4 KDF_n (HKDF over HMAC-BLAKE2s-256, RFC 2104 with a 64-byte
 * block) on BLAKE2s words for the handshake's shape: a 32-byte chaining key
 * and an input of at most one block (DH results, public keys, the PSK, or
 * nothing for Split). A digest's bytes are its state words serialized
 * little-endian (RFC 7693 §3.3), which is exactly how the next compression
 * reads them back as message words, so PRK and T_i never leave word form:
 * no byte copies, no streaming bookkeeping, no per-call objects. Other
 * shapes go to blake2s.ts's general HMAC. HASH(a ‖ b) of up to two blocks
 * (Hash(H ‖ x), whitepaper §5.4.2) runs the same way. Scratch is
 * module-level and wiped.
 */
import { IV, blake2s as generalBlake2s, kdf as generalKdf } from './blake2s.js';
import { compress } from './blake2s-compress.js';

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

/** dst = the little-endian words of src[off, off + len) (len ≤ 64), zero-padded to a block. */
function loadBytes(dst: Uint32Array, src: Uint8Array, off: number, len: number): void {
  const full = len >> 2;
  let i = 0;
  for (let o = off; i < full; i++, o += 4) dst[i] = src[o]! | (src[o + 1]! << 8) | (src[o + 2]! << 16) | (src[o + 3]! << 24);
  if (i < 16) dst.fill(0, i);
  for (let b = full << 2; b < len; b++) dst[b >> 2]! |= src[off + b]! << ((b & 3) << 3);
}

/** The digest bytes of state words w into out (32 bytes), or a fresh array. */
function toBytes(w: Uint32Array, out: Uint8Array = new Uint8Array(32)): Uint8Array {
  for (let i = 0, o = 0; i < 8; i++, o += 4) {
    const x = w[i]!;
    out[o] = x;
    out[o + 1] = x >>> 8;
    out[o + 2] = x >>> 16;
    out[o + 3] = x >>> 24;
  }
  return out;
}

const joined = new Uint8Array(128);

/**
 * HASH(a ‖ b) = BLAKE2s-256 (whitepaper §5.4) for a joint length of at most
 * two blocks — the handshake's Hash(H ‖ x) and Hash(label ‖ key) — straight
 * on words, without the streaming object's bookkeeping. Longer inputs go to
 * the general blake2s. The joined bytes and block are wiped. `out` (32
 * bytes) may be a or b: the parts are joined before it is written.
 */
export function hashPair(a: Uint8Array, b: Uint8Array, out?: Uint8Array): Uint8Array {
  const n = a.length + b.length;
  if (n > 128) {
    const all = new Uint8Array(n);
    all.set(a);
    all.set(b, a.length);
    const h = generalBlake2s(all, 32);
    all.fill(0);
    if (out === undefined) return h;
    out.set(h);
    h.fill(0);
    return out;
  }
  joined.set(a);
  joined.set(b, a.length);
  start(t);
  if (n > 64) {
    loadBytes(m, joined, 0, 64);
    compress(t, m, 64, false);
    loadBytes(m, joined, 64, n - 64);
  } else {
    loadBytes(m, joined, 0, n);
  }
  compress(t, m, n, true);
  const digest = toBytes(t, out);
  joined.fill(0, 0, n);
  m.fill(0);
  t.fill(0);
  return digest;
}

/**
 * KDF_n(key, input): PRK = HMAC(key, input), T1 = HMAC(PRK, 0x1),
 * T_i = HMAC(PRK, T_{i−1} ‖ i) — n 32-byte outputs, written into `out`
 * when given (it may hold `key` itself: the key is read first), else fresh;
 * every intermediate (PRK, pads, T words, the block) is wiped.
 */
export function kdf(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3, out?: readonly Uint8Array[]): Uint8Array[] {
  if (key.length !== 32 || input.length > 64) return copyOut(generalKdf(key, input, n), out);
  loadBytes(keyW, key, 0, 32);
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
    loadBytes(m, input, 0, input.length);
    mac(input.length, keyW);
  }
  // Expand under PRK (now in keyW).
  keyPads();
  // With `out` the caller's array is returned as is (no result array per call).
  const res = out !== undefined ? (out as Uint8Array[]) : new Array<Uint8Array>(n);
  m.fill(0);
  m[0] = 1;
  mac(1, t);
  res[0] = toBytes(t, out?.[0]);
  for (let i = 2; i <= n; i++) {
    for (let w = 0; w < 8; w++) m[w] = t[w]!;
    m.fill(0, 8);
    m[8] = i;
    mac(33, t);
    res[i - 1] = toBytes(t, out?.[i - 1]);
  }
  m.fill(0);
  inner.fill(0);
  outer.fill(0);
  keyW.fill(0);
  t.fill(0);
  return res;
}

/** Fresh KDF outputs copied into `out` (then wiped), or returned as they are. */
export function copyOut(fresh: Uint8Array[], out?: readonly Uint8Array[]): Uint8Array[] {
  if (out === undefined) return fresh;
  for (let i = 0; i < fresh.length; i++) {
    out[i]!.set(fresh[i]!);
    fresh[i]!.fill(0);
  }
  return out.slice(0, fresh.length);
}
