/**
 * The whitepaper §5.4 hash functions on top of a CryptoProvider:
 * HASH (BLAKE2s-256), MAC (keyed BLAKE2s with a 16-byte digest), HMAC
 * (HMAC-BLAKE2s-256) and KDF1..3 (HKDF-style extract-and-expand, Noise §4.3
 * "HKDF" with BLAKE2s). Outputs are fresh 32-byte (16 for MAC) arrays; the
 * intermediate PRK is wiped.
 */
import type { CryptoProvider } from './provider.js';
import { concatBytes, wipe } from '../util/bytes.js';
import { copyOut } from './blake2s-kdf.js';

// The handshake hashes two short parts at a time (Hash(H ‖ x), x ≤ 48 bytes):
// they are joined in this reused buffer rather than a fresh array per call,
// which above 64 bytes V8 also backs off-heap (an allocation the GC tracks).
const joinScratch = new Uint8Array(256);

/** HASH(parts…) = BLAKE2s-256 of the concatenation, unkeyed. */
export function hash(p: CryptoProvider, ...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return p.blake2s(parts[0]!, 32);
  if (parts.length === 2 && p.hashPair !== undefined) return p.hashPair(parts[0]!, parts[1]!);
  if (parts.length === 2 && parts[0]!.length + parts[1]!.length <= joinScratch.length) {
    const a = parts[0]!;
    const n = a.length + parts[1]!.length;
    joinScratch.set(a, 0);
    joinScratch.set(parts[1]!, a.length);
    const out = p.blake2s(joinScratch.subarray(0, n), 32);
    joinScratch.fill(0, 0, n); // inputs such as τ (whitepaper §5.4.3) must not linger
    return out;
  }
  return p.blake2s(concatBytes(...parts), 32);
}

/**
 * MAC(key, data) = keyed BLAKE2s with digest length 16 in the parameter block
 * (whitepaper §5.4: "Mac(key, input) Keyed-Blake2s(key, input, 16)"); it is
 * not a truncated 32-byte digest.
 */
export function mac(p: CryptoProvider, key: Uint8Array, data: Uint8Array): Uint8Array {
  return p.blake2s(data, 16, key);
}

/** HMAC(key, data) = RFC 2104 HMAC with BLAKE2s-256 (64-byte block). */
export function hmac(p: CryptoProvider, key: Uint8Array, data: Uint8Array): Uint8Array {
  return p.hmacBlake2s(key, data);
}

const ONE = Uint8Array.of(1);

/**
 * KDF_n from an HMAC function (whitepaper §5.4 "Kdf_n"): PRK = HMAC(key, input),
 * T_i = HMAC(PRK, T_{i-1} ‖ i) with T_0 empty. The generic construction, for
 * providers without a faster one; the PRK and scratch are wiped.
 */
export function kdfFromHmac(
  hmacFn: (key: Uint8Array, data: Uint8Array) => Uint8Array,
  key: Uint8Array,
  input: Uint8Array,
  n: 1 | 2 | 3,
): Uint8Array[] {
  const prk = hmacFn(key, input);
  const out: Uint8Array[] = [];
  let prev = hmacFn(prk, ONE);
  out.push(prev);
  const buf = new Uint8Array(33);
  for (let i = 2; i <= n; i++) {
    buf.set(prev, 0);
    buf[32] = i;
    prev = hmacFn(prk, buf);
    out.push(prev);
  }
  wipe(prk);
  wipe(buf);
  return out;
}

function expand(p: CryptoProvider, key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3): Uint8Array[] {
  // A provider's own KDF (e.g. one that keys the PRK's HMAC once for all outputs) wins when offered.
  if (p.kdf !== undefined) return p.kdf(key, input, n);
  return kdfFromHmac((k, d) => p.hmacBlake2s(k, d), key, input, n);
}

/** KDF1(key, input) → T1. */
export function kdf1(p: CryptoProvider, key: Uint8Array, input: Uint8Array): Uint8Array {
  return expand(p, key, input, 1)[0]!;
}

/** KDF2(key, input) → (T1, T2). */
export function kdf2(p: CryptoProvider, key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const t = expand(p, key, input, 2);
  return [t[0]!, t[1]!];
}

/** KDF3(key, input) → (T1, T2, T3). */
export function kdf3(p: CryptoProvider, key: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const t = expand(p, key, input, 3);
  return [t[0]!, t[1]!, t[2]!];
}

/**
 * KDF_n(key, input) into existing 32-byte arrays, n = out.length (they may
 * include `key`): the handshake's chaining key and cipher key are updated in
 * place instead of replaced by fresh arrays (≈ 250 bytes of V8 heap each).
 */
export function kdfInto(p: CryptoProvider, key: Uint8Array, input: Uint8Array, out: readonly Uint8Array[]): void {
  const n = out.length as 1 | 2 | 3;
  if (p.kdf !== undefined) p.kdf(key, input, n, out);
  else copyOut(kdfFromHmac((k, d) => p.hmacBlake2s(k, d), key, input, n), out);
}

/** out = HASH(a ‖ b) (32 bytes; out may be a or b). */
export function hashInto(p: CryptoProvider, a: Uint8Array, b: Uint8Array, out: Uint8Array): void {
  if (p.hashPair !== undefined) {
    p.hashPair(a, b, out);
    return;
  }
  const h = hash(p, a, b);
  out.set(h);
  wipe(h);
}
