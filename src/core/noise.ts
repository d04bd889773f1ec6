/**
 * The Noise Protocol Framework pieces WireGuard is built from (Noise rev. 34
 * §5.2 SymmetricState, §5.1 CipherState, §7.5 IK, §9 psk modifier), over the
 * injected CryptoProvider with HASH = BLAKE2s and HKDF = HMAC-BLAKE2s
 * (whitepaper §5.4). Prologue, keys and payloads are parameters, so the same
 * code reproduces the cacophony IKpsk2 vector and builds WireGuard messages
 * (src/core/handshake.ts). Failures (zero DH, bad tag) return null.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { hash, hashInto, kdf2, kdfInto } from '../crypto/kdf.js';
import { transportNonce } from '../crypto/aead-nonce.js';
import { wipe } from '../util/bytes.js';

const EMPTY = new Uint8Array(0);
const ZERO_NONCE = new Uint8Array(12);
// τ of the psk token (Noise §9 MixKeyAndHash temp_h): hashed into h at once, then wiped.
const tempH = new Uint8Array(32);

export interface KeyPair {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * Noise §5.2 SymmetricState: chaining key `ck`, handshake hash `h`, and the
 * embedded CipherState key `k` (null = no key yet) with nonce `n`.
 */
export class SymmetricState {
  k: Uint8Array | null = null;
  n = 0n;

  constructor(
    private readonly p: CryptoProvider,
    public ck: Uint8Array,
    public h: Uint8Array,
  ) {}

  /**
   * Noise §5.2 InitializeSymmetric(protocol_name) followed by MixHash(prologue):
   * h = name padded to 32 bytes if it fits, else HASH(name); ck = h.
   */
  static initialize(p: CryptoProvider, protocolName: Uint8Array, prologue: Uint8Array): SymmetricState {
    let h: Uint8Array;
    if (protocolName.length <= 32) {
      h = new Uint8Array(32);
      h.set(protocolName);
    } else {
      h = hash(p, protocolName);
    }
    const st = new SymmetricState(p, h.slice(), h);
    st.mixHash(prologue);
    return st;
  }

  /** A copy that can be advanced without touching this state (used so failures leave state untouched). */
  clone(): SymmetricState {
    const c = new SymmetricState(this.p, this.ck.slice(), this.h.slice());
    c.k = this.k ? this.k.slice() : null;
    c.n = this.n;
    return c;
  }

  // The updates below overwrite ck, h and k in place (KDF/HASH into the
  // existing arrays): the state owns them (constructors get fresh or sliced
  // arrays, clone() slices), the old value is thereby wiped, and a responder
  // handshake allocates ≈ 15 fewer typed arrays (≈ 250 bytes of heap each).

  /** h = HASH(h ‖ data). */
  mixHash(data: Uint8Array): void {
    hashInto(this.p, this.h, data, this.h);
  }

  /** (ck, k) = HKDF(ck, ikm, 2); n = 0. */
  mixKey(ikm: Uint8Array): void {
    this.k ??= new Uint8Array(32);
    kdfInto(this.p, this.ck, ikm, [this.ck, this.k]);
    this.n = 0n;
  }

  /**
   * MixKey for a token whose key is never used: the next token MixKeys again
   * before any encryption (e → es in message 1; e → ee → se → psk in message
   * 2). Only ck = HKDF(ck, ikm, 1) is computed — WireGuard's "Ci := Kdf1(Ci, …)"
   * (whitepaper §5.4.2–§5.4.3) — and k is wiped and unset, so a misuse
   * cannot encrypt under a stale key.
   */
  mixChainOnly(ikm: Uint8Array): void {
    kdfInto(this.p, this.ck, ikm, [this.ck]);
    wipe(this.k);
    this.k = null;
    this.n = 0n;
  }

  /** (ck, temp_h, k) = HKDF(ck, ikm, 3); MixHash(temp_h); n = 0 (the psk token, Noise §9). */
  mixKeyAndHash(ikm: Uint8Array): void {
    this.k ??= new Uint8Array(32);
    kdfInto(this.p, this.ck, ikm, [this.ck, tempH, this.k]);
    this.mixHash(tempH);
    tempH.fill(0);
    this.n = 0n;
  }

  /** ciphertext = AEAD(k, n++, plaintext, ad = h); MixHash(ciphertext). Without a key it is the identity. */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    let ct: Uint8Array;
    if (this.k === null) {
      ct = plaintext.slice();
    } else {
      ct = this.p.chacha20Poly1305Seal(this.k, nonceFor(this.n), plaintext, this.h);
      this.n++;
    }
    this.mixHash(ct);
    return ct;
  }

  /** Inverse of encryptAndHash; null (and state unchanged) when the tag does not verify. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array | null {
    let pt: Uint8Array | null;
    if (this.k === null) {
      pt = ciphertext.slice();
    } else {
      pt = this.p.chacha20Poly1305Open(this.k, nonceFor(this.n), ciphertext, this.h);
      if (pt === null) return null;
      this.n++;
    }
    this.mixHash(ciphertext);
    return pt;
  }

  /** Noise §5.2 Split(): (k1, k2) = HKDF(ck, empty, 2). k1 is initiator→responder. */
  split(): [Uint8Array, Uint8Array] {
    return kdf2(this.p, this.ck, EMPTY);
  }

  /** Overwrites ck, h and k with zeros. */
  wipe(): void {
    wipe(this.ck);
    wipe(this.h);
    wipe(this.k);
    this.k = null;
  }
}

// Noise §5.1: ChaChaPoly nonce = 4 zero bytes ‖ 64-bit little-endian n (WireGuard's transport layout).
function nonceFor(n: bigint): Uint8Array {
  return n === 0n ? ZERO_NONCE : transportNonce(n);
}

/** Noise §5.1 CipherState for the transport phase: key plus a counter nonce, empty AD by default. */
export class CipherState {
  n = 0n;
  constructor(
    private readonly p: CryptoProvider,
    readonly k: Uint8Array,
  ) {}

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    const ct = this.p.chacha20Poly1305Seal(this.k, transportNonce(this.n), plaintext, ad);
    this.n++;
    return ct;
  }

  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
    const pt = this.p.chacha20Poly1305Open(this.k, transportNonce(this.n), ciphertext, ad);
    if (pt !== null) this.n++;
    return pt;
  }
}

/** The three parts of IK message 1: e, encrypted s, encrypted payload. */
export interface IkMessage1 {
  ephemeral: Uint8Array;
  encryptedStatic: Uint8Array;
  encryptedPayload: Uint8Array;
}

/**
 * Pre-message of IK ("<- s"): both sides MixHash the responder's static
 * public key after the prologue.
 */
export function mixResponderStatic(st: SymmetricState, responderStaticPublic: Uint8Array): void {
  st.mixHash(responderStaticPublic);
}

/**
 * Initiator writes "-> e, es, s, ss" plus payload (psk modifier: "e" also
 * MixKeys, Noise §9.2). `staticStatic` is DH(s, rs), which WireGuard
 * precomputes per peer. Null on an all-zero DH. Advances `st`.
 */
export function writeMessage1(
  p: CryptoProvider,
  st: SymmetricState,
  e: KeyPair,
  s: KeyPair,
  rs: Uint8Array,
  staticStatic: Uint8Array,
  payload: Uint8Array,
): IkMessage1 | null {
  // e (its key is replaced by es before use)
  st.mixHash(e.publicKey);
  st.mixChainOnly(e.publicKey);
  // es
  const es = p.x25519(e.privateKey, rs);
  if (es === null) return null;
  st.mixKey(es);
  wipe(es);
  // s
  const encryptedStatic = st.encryptAndHash(s.publicKey);
  // ss
  st.mixKey(staticStatic);
  const encryptedPayload = st.encryptAndHash(payload);
  return { ephemeral: e.publicKey.slice(), encryptedStatic, encryptedPayload };
}

export interface ReadMessage1Result<T> {
  remoteStatic: Uint8Array;
  payload: Uint8Array;
  /** Whatever `resolve` returned for the decrypted static key. */
  context: T;
}

/**
 * Responder reads "-> e, es, s, ss" plus payload. After the static key is
 * decrypted, `resolve(rs)` supplies DH(s, rs) and a caller context (WireGuard:
 * the peer and its precomputed static-static), or undefined to reject
 * (unknown peer). Null on any failure; `st` is then in an unspecified state,
 * so callers pass a fresh or cloned state.
 */
export function readMessage1<T>(
  p: CryptoProvider,
  st: SymmetricState,
  s: KeyPair,
  msg: IkMessage1,
  resolve: (remoteStatic: Uint8Array) => { staticStatic: Uint8Array; context: T } | undefined,
): ReadMessage1Result<T> | null {
  // e (its key is replaced by es before use)
  st.mixHash(msg.ephemeral);
  st.mixChainOnly(msg.ephemeral);
  // es
  const es = p.x25519(s.privateKey, msg.ephemeral);
  if (es === null) return null;
  st.mixKey(es);
  wipe(es);
  // s
  const remoteStatic = st.decryptAndHash(msg.encryptedStatic);
  if (remoteStatic === null) return null;
  const resolved = resolve(remoteStatic);
  if (resolved === undefined) return null;
  // ss
  st.mixKey(resolved.staticStatic);
  const payload = st.decryptAndHash(msg.encryptedPayload);
  if (payload === null) return null;
  return { remoteStatic, payload, context: resolved.context };
}

/** The two parts of IK message 2: e and the encrypted payload. */
export interface IkMessage2 {
  ephemeral: Uint8Array;
  encryptedPayload: Uint8Array;
}

/**
 * Responder writes "<- e, ee, se, psk" plus payload (psk2 modifier: the psk
 * token ends message 2, and "e" also MixKeys). `re` is the initiator's
 * ephemeral, `rs` its static. Null on an all-zero DH.
 */
export function writeMessage2(
  p: CryptoProvider,
  st: SymmetricState,
  e: KeyPair,
  re: Uint8Array,
  rs: Uint8Array,
  psk: Uint8Array,
  payload: Uint8Array,
): IkMessage2 | null {
  // e, ee, se: each key is replaced by the next token's before use (psk sets the one used)
  st.mixHash(e.publicKey);
  st.mixChainOnly(e.publicKey);
  // ee
  const ee = p.x25519(e.privateKey, re);
  if (ee === null) return null;
  st.mixChainOnly(ee);
  wipe(ee);
  // se (initiator static, responder ephemeral)
  const se = p.x25519(e.privateKey, rs);
  if (se === null) return null;
  st.mixChainOnly(se);
  wipe(se);
  // psk
  st.mixKeyAndHash(psk);
  const encryptedPayload = st.encryptAndHash(payload);
  return { ephemeral: e.publicKey.slice(), encryptedPayload };
}

/**
 * Initiator reads "<- e, ee, se, psk" plus payload with its ephemeral `e` and
 * static `s`. Null on any failure (callers pass a cloned state).
 */
export function readMessage2(
  p: CryptoProvider,
  st: SymmetricState,
  e: KeyPair,
  s: KeyPair,
  psk: Uint8Array,
  msg: IkMessage2,
): Uint8Array | null {
  // e, ee, se: each key is replaced by the next token's before use (psk sets the one used)
  st.mixHash(msg.ephemeral);
  st.mixChainOnly(msg.ephemeral);
  // ee
  const ee = p.x25519(e.privateKey, msg.ephemeral);
  if (ee === null) return null;
  st.mixChainOnly(ee);
  wipe(ee);
  // se
  const se = p.x25519(s.privateKey, msg.ephemeral);
  if (se === null) return null;
  st.mixChainOnly(se);
  wipe(se);
  // psk
  st.mixKeyAndHash(psk);
  return st.decryptAndHash(msg.encryptedPayload);
}
