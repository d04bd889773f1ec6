/**
 * The pure-TypeScript crypto provider (design.md "Crypto providers"), built on
 * the audited noble libraries. It is the reference every vector is checked
 * against and the fallback when node:crypto lacks a primitive or fails its
 * self-check. Primitives: whitepaper §5.4; RFC 7748, RFC 8439, RFC 7693,
 * draft-irtf-cfrg-xchacha.
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import type { CryptoProvider } from './provider.js';
import { checkBlake2sParams, EMPTY, requireLength } from './checks.js';
import { isAllZero } from '../util/bytes.js';
import { aeadOpen, aeadSeal } from './poly1305-aead.js';
import { kdfFromHmac } from './kdf.js';
import { copyOut } from './blake2s-kdf.js';

const TAG = 16;

/** X25519 per RFC 7748 §5; all-zero output (low-order point) → null. */
export function nobleX25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  requireLength(privateKey, 32, 'X25519 private key');
  requireLength(publicKey, 32, 'X25519 public key');
  let shared: Uint8Array;
  try {
    // noble rejects an all-zero result by throwing; we map that to null.
    shared = x25519.scalarMult(privateKey, publicKey);
  } catch {
    return null;
  }
  return isAllZero(shared) ? null : shared;
}

/** Keyed or unkeyed BLAKE2s with the digest length in the parameter block (RFC 7693 §2.5). */
export function nobleBlake2s(data: Uint8Array, outLen: number, key?: Uint8Array): Uint8Array {
  checkBlake2sParams(outLen, key);
  return key !== undefined && key.length > 0 ? blake2s(data, { dkLen: outLen, key }) : blake2s(data, { dkLen: outLen });
}

function nobleHmac(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(blake2s, key, data);
}

export const nobleProvider: CryptoProvider = {
  name: 'noble',

  x25519: nobleX25519,

  x25519PublicKey(privateKey: Uint8Array): Uint8Array {
    requireLength(privateKey, 32, 'X25519 private key');
    return x25519.scalarMultBase(privateKey);
  },

  blake2s: nobleBlake2s,

  hmacBlake2s: nobleHmac,

  // The generic KDF_n over noble's HMAC. Declared (not left to kdf.ts's
  // fallback) so both providers have the same members in the same order:
  // measured, a node responder run after a noble one lost ≈ 30 % when the
  // provider objects differed in shape (polymorphic call sites in the shared
  // protocol code).
  kdf(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3, out?: readonly Uint8Array[]): Uint8Array[] {
    return copyOut(kdfFromHmac(nobleHmac, key, input, n), out);
  },

  // Declared for the same reason as kdf (same shape as the node provider): noble's BLAKE2s of the join.
  hashPair(a: Uint8Array, b: Uint8Array, out?: Uint8Array): Uint8Array {
    const all = new Uint8Array(a.length + b.length);
    all.set(a);
    all.set(b, a.length);
    const h = blake2s(all, { dkLen: 32 });
    all.fill(0); // inputs such as τ (whitepaper §5.4.3) must not linger
    if (out === undefined) return h;
    out.set(h);
    h.fill(0);
    return out;
  },

  chacha20Poly1305Seal(key, nonce, plaintext, aad, out) {
    requireLength(key, 32, 'ChaCha20-Poly1305 key');
    requireLength(nonce, 12, 'ChaCha20-Poly1305 nonce');
    if (out !== undefined) requireLength(out, plaintext.length + TAG, 'ChaCha20-Poly1305 output');
    // noble's ChaCha20 with our faster Poly1305 (poly1305-aead.ts); same bytes as noble's AEAD.
    return aeadSeal(key, nonce, plaintext, aad ?? EMPTY, out);
  },

  chacha20Poly1305Open(key, nonce, ciphertext, aad, out) {
    requireLength(key, 32, 'ChaCha20-Poly1305 key');
    requireLength(nonce, 12, 'ChaCha20-Poly1305 nonce');
    if (ciphertext.length < TAG) return null;
    if (out !== undefined) requireLength(out, ciphertext.length - TAG, 'ChaCha20-Poly1305 output');
    return aeadOpen(key, nonce, ciphertext, aad ?? EMPTY, out);
  },

  xchacha20Poly1305Seal(key, nonce, plaintext, aad) {
    requireLength(key, 32, 'XChaCha20-Poly1305 key');
    requireLength(nonce, 24, 'XChaCha20-Poly1305 nonce');
    return xchacha20poly1305(key, nonce, aad ?? EMPTY).encrypt(plaintext);
  },

  xchacha20Poly1305Open(key, nonce, ciphertext, aad) {
    requireLength(key, 32, 'XChaCha20-Poly1305 key');
    requireLength(nonce, 24, 'XChaCha20-Poly1305 nonce');
    if (ciphertext.length < TAG) return null;
    try {
      return xchacha20poly1305(key, nonce, aad ?? EMPTY).decrypt(ciphertext);
    } catch {
      return null;
    }
  },
};
