/**
 * X25519 (RFC 7748 §5) through node:crypto for the `node` provider. OpenSSL
 * only computes X25519 on KeyObjects, and building one from DER (PKCS#8 /
 * SPKI, RFC 8410) costs 4–15× the scalar multiplication itself on Node 20
 * (OpenSSL 3's decoder chain). So raw keys are imported as JWK (RFC 8037
 * OKP), private KeyObjects are cached per key array and public ones per key
 * value. Falls back to DER if this Node refuses the JWK form. Trade-off: the
 * JWK path hands the private scalar to Node as a base64url string, which
 * cannot be wiped; like the KeyObject itself (OpenSSL memory), it stays in
 * the process until garbage collection, as the DER path's KeyObject did.
 */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { requireLength } from './checks.js';
import { isAllZero } from '../util/bytes.js';

// DER wrappers for raw X25519 keys (RFC 8410 §7 PKCS#8 / §4 SPKI, OID 1.3.101.110): the fallback path.
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);

// A JWK private key needs an `x` member; OpenSSL derives the public value from
// `d` and ignores it (checked once by jwkWorks below), so a fixed placeholder
// saves computing it twice.
const PLACEHOLDER_X = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

const b64url = (raw: Uint8Array): string => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const b = Buffer.alloc(prefix.length + raw.length);
  b.set(prefix, 0);
  b.set(raw, prefix.length);
  return b;
}

function importPrivateJwk(priv: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64url(priv), x: PLACEHOLDER_X }, format: 'jwk' });
}

function importPrivateDer(priv: Uint8Array): KeyObject {
  const d = der(PKCS8_PREFIX, priv);
  try {
    return createPrivateKey({ key: d, format: 'der', type: 'pkcs8' });
  } finally {
    d.fill(0);
  }
}

/**
 * One-time check that the JWK import really derives the key from `d`
 * (RFC 7748 §6.1: Alice's private key and public key).
 */
function jwkWorks(): boolean {
  try {
    const alicePriv = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
    const alicePub = Buffer.from('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a', 'hex');
    return publicBytes(importPrivateJwk(alicePriv)).equals(alicePub);
  } catch {
    return false;
  }
}

let useJwk: boolean | undefined;

function importPrivate(priv: Uint8Array): KeyObject {
  useJwk ??= jwkWorks();
  return useJwk ? importPrivateJwk(priv) : importPrivateDer(priv);
}

function importPublic(pub: Uint8Array, b64: string): KeyObject {
  if (useJwk !== false) {
    try {
      return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64 }, format: 'jwk' });
    } catch {
      // fall through to DER (same acceptance rules: any 32 bytes, RFC 7748 §5)
    }
  }
  return createPublicKey({ key: der(SPKI_PREFIX, pub), format: 'der', type: 'spki' });
}

function publicBytes(priv: KeyObject): Buffer {
  const x = createPublicKey(priv).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('X25519 public key export failed');
  return Buffer.from(x, 'base64url');
}

/**
 * Private KeyObjects per key array: the device's static key is used for
 * every handshake, and an ephemeral for its public value and then one or two
 * DHs. The cached copy is compared with the array's current contents on each
 * use, so a wiped or rewritten key is never served from the cache. A bounded
 * Map in least-recently-used order rather than a WeakMap: inserting a fresh
 * key into a WeakMap cost ≈ 2 µs (V8 ephemeron bookkeeping), once per
 * handshake for the new ephemeral; an evicted entry's copy is wiped at once.
 */
const PRIVATE_CACHE_MAX = 64;
const privateCache = new Map<Uint8Array, { copy: Uint8Array; key: KeyObject }>();

function samebytes(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 32; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

function privateKeyObject(priv: Uint8Array): KeyObject {
  const hit = privateCache.get(priv);
  if (hit !== undefined) {
    if (!samebytes(hit.copy, priv)) {
      hit.copy.set(priv);
      hit.key = importPrivate(priv);
    }
    privateCache.delete(priv); // most recently used goes last
    privateCache.set(priv, hit);
    return hit.key;
  }
  const key = importPrivate(priv);
  if (privateCache.size >= PRIVATE_CACHE_MAX) {
    const [oldest, entry] = privateCache.entries().next().value!;
    entry.copy.fill(0);
    privateCache.delete(oldest);
  }
  privateCache.set(priv, { copy: Uint8Array.from(priv), key });
  return key;
}

/**
 * Public KeyObjects by value, bounded (oldest out first): a responder uses
 * the initiator's ephemeral twice (es, ee) and each peer's static in every
 * handshake with it. Public values are not secret.
 */
const PUBLIC_CACHE_MAX = 2048;
const publicCache = new Map<string, KeyObject>();

function publicKeyObject(pub: Uint8Array): KeyObject {
  const b64 = b64url(pub);
  let key = publicCache.get(b64);
  if (key !== undefined) return key;
  key = importPublic(pub, b64);
  if (publicCache.size >= PUBLIC_CACHE_MAX) publicCache.delete(publicCache.keys().next().value!);
  publicCache.set(b64, key);
  return key;
}

/** X25519(privateKey, publicKey); null for an all-zero result (low-order point, whitepaper §5.4). */
export function nodeX25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
  requireLength(privateKey, 32, 'X25519 private key');
  requireLength(publicKey, 32, 'X25519 public key');
  let shared: Buffer;
  try {
    // OpenSSL refuses an all-zero shared secret by throwing (RFC 7748 §6.1 check).
    shared = diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) });
  } catch {
    return null;
  }
  if (isAllZero(shared)) return null;
  return new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
}

/** The public key of a private key (the KeyObject stays cached for the DHs that follow). */
export function nodeX25519PublicKey(privateKey: Uint8Array): Uint8Array {
  requireLength(privateKey, 32, 'X25519 private key');
  const b = publicBytes(privateKeyObject(privateKey));
  return Uint8Array.from(b);
}
