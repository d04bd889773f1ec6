/**
 * The node:crypto (OpenSSL) provider (design.md "Crypto providers"): OpenSSL
 * does ChaCha20-Poly1305 (RFC 8439, the transport hot path) beyond 128 bytes, X25519 (RFC 7748)
 * and BLAKE2s-256 of long inputs. The handshake's HASH/MAC/HMAC/KDF inputs are
 * a few blocks, where one node:crypto call costs more in object setup than
 * the hashing, so those run on our allocation-light blake2s.ts. OpenSSL has
 * no XChaCha20, so that comes from noble.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
} from 'node:crypto';
import type { CryptoProvider } from './provider.js';
import { checkBlake2sParams, requireLength } from './checks.js';
import { nobleProvider } from './noble.js';
import { blake2s as fastBlake2s, hmacBlake2s as fastHmacBlake2s } from './blake2s.js';
import { hashPair, kdf as fastKdf } from './blake2s-kdf.js';
import { nodeX25519, nodeX25519PublicKey } from './node-x25519.js';
import { aeadOpen, aeadSeal } from './poly1305-aead.js';

const TAG = 16;
const EMPTY = new Uint8Array(0);

// Short messages (pings, TCP ACKs, keepalives, the handshake's encrypted
// fields) go to the TypeScript ChaCha20-Poly1305 (poly1305-aead.ts, the same
// bytes): for them OpenSSL's per-call cipher object setup is the whole cost,
// and on a sparse flow, where caches are cold, it was the larger one —
// ping RTT through tswg↔tswg 1.59 → 1.44 ms and 1.14 → 1.04 ms (medians of 7
// alternating rounds, two runs), bulk throughput unchanged (iperf3 A/B).
const SHORT_AEAD = 128;

/** Plain Uint8Array view of a Buffer, so callers' deepEqual against Uint8Array works. */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

// Measured on Node 20 (µs of CPU): a 64-byte hash is 1.4 here vs 5.8 through
// createHash, 1 KiB is 7.0 vs 4.4; OpenSSL wins from a few hundred bytes on.
const SHORT_HASH = 256;

function nodeBlake2s(data: Uint8Array, outLen: number, key?: Uint8Array): Uint8Array {
  checkBlake2sParams(outLen, key);
  // OpenSSL's blake2s256 is unkeyed with a fixed 32-byte digest; keyed and short
  // digests (mac1/mac2/cookies) and the handshake's short HASH inputs go to our
  // allocation-light BLAKE2s.
  if (outLen !== 32 || (key !== undefined && key.length > 0) || data.length <= SHORT_HASH) return fastBlake2s(data, outLen, key);
  return view(createHash('blake2s256').update(data).digest());
}

// The AEAD passes the raw key bytes: measured on Node 20, a cached KeyObject
// (createSecretKey) gave no gain, since per-call cipher setup dominates.
function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, out?: Uint8Array): Uint8Array {
  requireLength(key, 32, 'ChaCha20-Poly1305 key');
  requireLength(nonce, 12, 'ChaCha20-Poly1305 nonce');
  const n = plaintext.length;
  if (out !== undefined) requireLength(out, n + TAG, 'ChaCha20-Poly1305 output');
  if (n <= SHORT_AEAD) return aeadSeal(key, nonce, plaintext, aad ?? EMPTY, out);
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: n });
  const body = c.update(plaintext);
  const tail = c.final(); // empty for a stream cipher, kept for correctness
  const tag = c.getAuthTag();
  if (out === undefined) {
    // Common case: exactly one allocation for the result.
    out = new Uint8Array(n + TAG);
  }
  out.set(body, 0);
  if (tail.length > 0) out.set(tail, body.length);
  out.set(tag, n);
  return out;
}

function open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array, out?: Uint8Array): Uint8Array | null {
  requireLength(key, 32, 'ChaCha20-Poly1305 key');
  requireLength(nonce, 12, 'ChaCha20-Poly1305 nonce');
  if (ciphertext.length < TAG) return null;
  const n = ciphertext.length - TAG;
  if (out !== undefined) requireLength(out, n, 'ChaCha20-Poly1305 output');
  if (n <= SHORT_AEAD) return aeadOpen(key, nonce, ciphertext, aad ?? EMPTY, out);
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG });
  d.setAuthTag(ciphertext.subarray(n));
  if (aad !== undefined && aad.length > 0) d.setAAD(aad, { plaintextLength: n });
  const body = d.update(ciphertext.subarray(0, n));
  try {
    d.final(); // throws when the tag does not verify
  } catch {
    body.fill(0); // never release unauthenticated plaintext
    return null;
  }
  if (out === undefined) return view(body);
  out.set(body, 0);
  return out;
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  x25519: nodeX25519,
  x25519PublicKey: nodeX25519PublicKey,
  blake2s: nodeBlake2s,
  // HMAC/KDF inputs are ≤ 2 blocks: 3.3 µs per HMAC here vs a createHmac call
  // each; KDF2 6.1 µs vs 14.9 µs (the PRK's pad states are computed once).
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
    return data.length <= SHORT_HASH ? fastHmacBlake2s(key, data) : view(createHmac('blake2s256', key).update(data).digest());
  },
  kdf: fastKdf,
  // Hash(H ‖ x) on words: ≤ 2 blocks, no join buffer or streaming object.
  hashPair,
  chacha20Poly1305Seal: seal,
  chacha20Poly1305Open: open,
  // OpenSSL has no XChaCha20 (draft-irtf-cfrg-xchacha); cookie replies are rare, so noble does them.
  xchacha20Poly1305Seal: nobleProvider.xchacha20Poly1305Seal,
  xchacha20Poly1305Open: nobleProvider.xchacha20Poly1305Open,
};

