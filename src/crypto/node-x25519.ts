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

/**
 * The public value of a private KeyObject, from its own JWK export: OpenSSL
 * derived it at import, and createPublicKey(priv) would make a second
 * KeyObject per ephemeral — two more native handles for the next scavenge
 * to finalise — at ≈ 5 µs against ≈ 1.7 µs (Node 20). The export also holds
 * the scalar as base64url text, the same exposure the JWK import already
 * has (see the module comment); it is dropped at once.
 */
function publicBytes(priv: KeyObject): Buffer {
  const x = priv.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('X25519 public key export failed');
  return Buffer.from(x, 'base64url');
}

/**
 * Private KeyObjects per key array: the device's static key is used for
 * every handshake, and an ephemeral for its public value and then one or two
 * DHs. The cached copy is compared with the array's current contents on each
 * use, so a wiped or rewritten key is never served from the cache. 64 slots
 * found by identity in a linear scan, the least recently used one replaced:
 * no per-insert object, copy or Map iterator, and no Map reordering per hit
 * (a WeakMap cost ≈ 2 µs per fresh key in V8 ephemeron bookkeeping). An
 * evicted slot's copy is wiped at once.
 */
const PRIVATE_SLOTS = 64;
const privArrays: (Uint8Array | null)[] = new Array<Uint8Array | null>(PRIVATE_SLOTS).fill(null);
const privKeys: (KeyObject | null)[] = new Array<KeyObject | null>(PRIVATE_SLOTS).fill(null);
/** Slot i's copy of the key bytes is privCopies[32i, 32i + 32). */
const privCopies = new Uint8Array(PRIVATE_SLOTS * 32);
const privUsed = new Float64Array(PRIVATE_SLOTS);
let privClock = 0;

function sameAsCopy(priv: Uint8Array, slot: number): boolean {
  const o = slot * 32;
  let d = 0;
  for (let i = 0; i < 32; i++) d |= priv[i]! ^ privCopies[o + i]!;
  return d === 0;
}

function privateKeyObject(priv: Uint8Array): KeyObject {
  let slot = -1;
  let oldest = 0;
  for (let i = 0; i < PRIVATE_SLOTS; i++) {
    if (privArrays[i] === priv) {
      slot = i;
      break;
    }
    if (privUsed[i]! < privUsed[oldest]!) oldest = i;
  }
  if (slot >= 0 && sameAsCopy(priv, slot)) {
    privUsed[slot] = ++privClock;
    return privKeys[slot]!;
  }
  if (slot < 0) slot = oldest;
  const key = importPrivate(priv);
  privArrays[slot] = priv;
  privKeys[slot] = key;
  privCopies.set(priv, slot * 32); // overwrites (wipes) the evicted key's copy
  privUsed[slot] = ++privClock;
  return key;
}

/**
 * Public KeyObjects by value. A responder uses each initiator ephemeral
 * twice in a row (es, ee) and never again, and each peer's static in every
 * handshake with it; public values are not secret. A key seen for the first
 * time goes to a small ring (enough for the es → ee reuse), so ephemerals die
 * young instead of surviving scavenges in a big cache and piling up as
 * old-generation garbage with native handles; a key that misses again while
 * its fingerprint is still recorded for its slot (a returning static) goes
 * to a direct-mapped table indexed by bits of the key. Hits must match all
 * 32 bytes; a colliding key just replaces the slot (chosen ephemerals can
 * force that, as a stream of fresh ones evicts from any bounded cache). No
 * base64 string per lookup, and no Map: the bounded Map this replaces
 * evicted with keys().next(), which walks the deleted entries piled at its
 * front (≈ 5 µs per fresh ephemeral in profiles).
 */
const PUBLIC_SLOTS = 4096; // a power of two
const pubKeys: (KeyObject | null)[] = new Array<KeyObject | null>(PUBLIC_SLOTS).fill(null);
/** Slot i's key bytes are pubCopies[32i, 32i + 32). */
const pubCopies = new Uint8Array(PUBLIC_SLOTS * 32);
/** Per slot, the fingerprint of the last key that missed there (0 = none). */
const seen = new Int32Array(PUBLIC_SLOTS);
const RECENT = 8; // a power of two
const recentKeys: (KeyObject | null)[] = new Array<KeyObject | null>(RECENT).fill(null);
const recentCopies = new Uint8Array(RECENT * 32);
let recentNext = 0;

function sameAt(copies: Uint8Array, o: number, pub: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 32; i++) d |= copies[o + i]! ^ pub[i]!;
  return d === 0;
}

function publicKeyObject(pub: Uint8Array): KeyObject {
  const slot = (pub[0]! | (pub[1]! << 8) | (pub[17]! << 16)) & (PUBLIC_SLOTS - 1);
  const cached = pubKeys[slot];
  if (cached !== null && sameAt(pubCopies, slot * 32, pub)) return cached!;
  for (let r = 0; r < RECENT; r++) {
    const k = recentKeys[r];
    if (k !== null && sameAt(recentCopies, r * 32, pub)) return k!;
  }
  const key = importPublic(pub, b64url(pub));
  const fp = (pub[4]! | (pub[5]! << 8) | (pub[6]! << 16) | (pub[7]! << 24) | 1) | 0;
  if (seen[slot] === fp) {
    pubKeys[slot] = key;
    pubCopies.set(pub, slot * 32);
  } else {
    seen[slot] = fp;
    recentKeys[recentNext] = key;
    recentCopies.set(pub, recentNext * 32);
    recentNext = (recentNext + 1) & (RECENT - 1);
  }
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
  // A plain Uint8Array view before the zero check keeps that loop's element
  // accesses monomorphic (a Buffer there cost ≈ 0.5 µs per DH in profiles).
  const out = new Uint8Array(shared.buffer, shared.byteOffset, shared.byteLength);
  let acc = 0;
  for (let i = 0; i < out.length; i++) acc |= out[i]!;
  return acc === 0 ? null : out;
}

/** The public key of a private key (the KeyObject stays cached for the DHs that follow). */
export function nodeX25519PublicKey(privateKey: Uint8Array): Uint8Array {
  requireLength(privateKey, 32, 'X25519 private key');
  return Uint8Array.from(publicBytes(privateKeyObject(privateKey)));
}
