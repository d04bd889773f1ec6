/**
 * The node:crypto (OpenSSL) provider (design.md "Crypto providers"): OpenSSL
 * does ChaCha20-Poly1305 (RFC 8439, the transport hot path), X25519 (RFC 7748)
 * and unkeyed BLAKE2s-256 / HMAC-BLAKE2s-256. OpenSSL has no keyed or
 * short-output BLAKE2s and no XChaCha20, so those come from noble.
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
import { blake2s as fastBlake2s } from './blake2s.js';
import { nodeX25519, nodeX25519PublicKey } from './node-x25519.js';

const TAG = 16;

/** Plain Uint8Array view of a Buffer, so callers' deepEqual against Uint8Array works. */
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function nodeBlake2s(data: Uint8Array, outLen: number, key?: Uint8Array): Uint8Array {
  checkBlake2sParams(outLen, key);
  // OpenSSL's blake2s256 is unkeyed with a fixed 32-byte digest; keyed and short
  // digests (mac1/mac2/cookies, on every handshake message received) go to our
  // allocation-light BLAKE2s, which is faster than noble's for these short inputs.
  if (outLen !== 32 || (key !== undefined && key.length > 0)) return fastBlake2s(data, outLen, key);
  return view(createHash('blake2s256').update(data).digest());
}

// The AEAD passes the raw key bytes: measured on Node 20, a cached KeyObject
// (createSecretKey) gave no gain, since per-call cipher setup dominates.
function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array, out?: Uint8Array): Uint8Array {
  requireLength(key, 32, 'ChaCha20-Poly1305 key');
  requireLength(nonce, 12, 'ChaCha20-Poly1305 nonce');
  const n = plaintext.length;
  if (out !== undefined) requireLength(out, n + TAG, 'ChaCha20-Poly1305 output');
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
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array {
    return view(createHmac('blake2s256', key).update(data).digest());
  },
  chacha20Poly1305Seal: seal,
  chacha20Poly1305Open: open,
  // OpenSSL has no XChaCha20 (draft-irtf-cfrg-xchacha); cookie replies are rare, so noble does them.
  xchacha20Poly1305Seal: nobleProvider.xchacha20Poly1305Seal,
  xchacha20Poly1305Open: nobleProvider.xchacha20Poly1305Open,
};

