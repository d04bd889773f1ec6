/**
 * The crypto provider interface (design.md "Crypto providers").
 *
 * Every primitive WireGuard needs (whitepaper §5.4 "Cryptographic primitives")
 * behind one interface, so the protocol code never knows whether noble
 * (pure TypeScript) or node:crypto (OpenSSL) does the work. Both providers
 * must pass every vector in vectors/.
 *
 * Conventions:
 * - Inputs are never modified. Outputs are fresh arrays unless an `out`
 *   buffer is given, in which case the result is written there and `out`
 *   (or a subarray of it) is returned.
 * - Failures that depend on network input (bad tag, low-order point) return
 *   null; they never throw. Wrong argument lengths are programming errors and
 *   throw RangeError.
 */
export interface CryptoProvider {
  /** 'noble' or 'node'. */
  readonly name: string;

  /**
   * X25519(privateKey, publicKey) per RFC 7748 §5 (the scalar is clamped).
   * Returns null when the shared secret is all zero (a low-order public key):
   * WireGuard treats that as failure (whitepaper §5.4).
   */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null;

  /** The public key for a 32-byte private key (scalar multiplication of the base point 9). */
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;

  /**
   * BLAKE2s (RFC 7693) with digest length `outLen` (1..32) and an optional key
   * (0..32 bytes). A 16-byte output is a real 16-byte BLAKE2s (the length is
   * in the parameter block), not a truncation of the 32-byte digest.
   */
  blake2s(data: Uint8Array, outLen: number, key?: Uint8Array): Uint8Array;

  /** HMAC (RFC 2104) over BLAKE2s-256, block size 64: 32-byte output. */
  hmacBlake2s(key: Uint8Array, data: Uint8Array): Uint8Array;

  /**
   * Optional KDF_n (whitepaper §5.4: PRK = HMAC(key, input), T1 = HMAC(PRK, 0x1),
   * T_i = HMAC(PRK, T_{i−1} ‖ i)) returning n fresh 32-byte outputs. A provider
   * that can key HMAC once for all n outputs offers it; without it, kdf.ts
   * builds KDF_n from hmacBlake2s. Same bytes either way. With `out` (n
   * arrays of 32 bytes, which may include `key`), the outputs are written
   * there and `out` is returned (the handshake state updates in place).
   */
  kdf?(key: Uint8Array, input: Uint8Array, n: 1 | 2 | 3, out?: readonly Uint8Array[]): Uint8Array[];

  /**
   * Optional HASH(a ‖ b) = BLAKE2s-256 of the concatenation (whitepaper §5.4,
   * the handshake's Hash(H ‖ x)), for providers that can skip the join;
   * without it, kdf.ts joins the parts and calls blake2s. Same bytes either way.
   * With `out` (32 bytes, which may be `a` or `b`) the digest is written there.
   */
  hashPair?(a: Uint8Array, b: Uint8Array, out?: Uint8Array): Uint8Array;

  /**
   * ChaCha20-Poly1305 AEAD (RFC 8439 §2.8) with a 12-byte nonce.
   * Returns ciphertext ‖ 16-byte tag (plaintext.length + 16 bytes).
   * `out`, when given, must be exactly plaintext.length + 16 bytes and must not
   * overlap the plaintext unless it is the same memory (in-place is allowed).
   */
  chacha20Poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad?: Uint8Array,
    out?: Uint8Array,
  ): Uint8Array;

  /**
   * Opens ciphertext ‖ tag. Returns the plaintext (ciphertext.length − 16
   * bytes) or null when the tag does not verify or the input is shorter than a
   * tag. `out`, when given, must be ciphertext.length − 16 bytes.
   */
  chacha20Poly1305Open(
    key: Uint8Array,
    nonce: Uint8Array,
    ciphertext: Uint8Array,
    aad?: Uint8Array,
    out?: Uint8Array,
  ): Uint8Array | null;

  /** XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with a 24-byte nonce; used for cookie replies. */
  xchacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;

  /** Opens an XChaCha20-Poly1305 box; null on a bad tag. */
  xchacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, aad?: Uint8Array): Uint8Array | null;
}
