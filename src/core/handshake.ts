/**
 * WireGuard's handshake (whitepaper §5.4.2–§5.4.5): Noise IKpsk2 from
 * noise.ts with prologue = IDENTIFIER, a 12-byte TAI64N payload in the
 * initiation and an empty payload in the response, wrapped in the message
 * layouts of protocol-checklist §2. Every function is all-or-nothing: on any
 * failure (zero DH, bad tag, wrong state) it returns null/false and leaves the
 * Handshake untouched. mac1/mac2 are left zero here; cookie.ts fills them.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Random } from '../util/ports.js';
import { hash } from '../crypto/kdf.js';
import { tai64n } from '../crypto/tai64n.js';
import { generatePrivateKey } from '../crypto/keys.js';
import { wipe } from '../util/bytes.js';
import { CONSTRUCTION, IDENTIFIER, INITIATION_SIZE, MESSAGE_INITIATION, MESSAGE_RESPONSE, RESPONSE_SIZE } from '../wire/constants.js';
import {
  INITIATION_EPHEMERAL_OFFSET,
  INITIATION_SENDER_OFFSET,
  INITIATION_STATIC_OFFSET,
  INITIATION_TIMESTAMP_OFFSET,
  RESPONSE_EMPTY_OFFSET,
  RESPONSE_EPHEMERAL_OFFSET,
  RESPONSE_RECEIVER_OFFSET,
  RESPONSE_SENDER_OFFSET,
  parseInitiation,
  parseResponse,
  writeHeader,
  writeU32LE,
} from '../wire/messages.js';
import { SymmetricState, readMessage1, readMessage2, writeMessage1, writeMessage2, type KeyPair } from './noise.js';

export interface LocalIdentity {
  privateKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface PeerHandshakeKeys {
  remoteStatic: Uint8Array;
  /** 32 zero bytes if none is configured (whitepaper §5.4: Q). */
  presharedKey: Uint8Array;
  /** DH(S_priv, S_remote) (precomputed here, computed on first use by PeerKeys); null if all zero (low-order key) → the peer is unusable. */
  staticStatic: Uint8Array | null;
}

/**
 * Builds a peer's handshake keys: a missing PSK becomes 32 zero bytes (Q),
 * and DH(S_priv, S_remote) is precomputed (null when it is all zero, i.e. a
 * low-order remote key, which makes the peer unusable — checklist §3.1 step 4).
 * Recompute whenever the local private key changes.
 */
export function peerHandshakeKeys(
  p: CryptoProvider,
  local: LocalIdentity,
  remoteStatic: Uint8Array,
  presharedKey: Uint8Array | null,
): PeerHandshakeKeys {
  return {
    remoteStatic,
    presharedKey: presharedKey ?? new Uint8Array(32),
    staticStatic: p.x25519(local.privateKey, remoteStatic),
  };
}

export type HandshakeState =
  | 'none'
  | 'initiation-created'
  | 'initiation-consumed'
  | 'response-created'
  | 'response-consumed';

/** Per-peer handshake state (whitepaper §5.4; kernel noise_handshake). */
export class Handshake {
  state: HandshakeState = 'none';
  /** Our index for this handshake; 0 = none. The caller owns the index-table entry. */
  localIndex = 0;
  /** The peer's index (its sender index); 0 = none. */
  remoteIndex = 0;
  /** Greatest TAI64N accepted from this peer (replay guard, §5.1); survives clear(). */
  lastTimestamp: Uint8Array | null = null;
  /** Monotonic ms of the last consumed initiation (flood guard); survives clear(). */
  lastInitiationConsumedAt = -Infinity;
  /** Chaining key C and hash H between messages (internal; exposed for tests). */
  chainingKey: Uint8Array | null = null;
  hash: Uint8Array | null = null;
  /** Our ephemeral private key while an initiation is outstanding. */
  ephemeralPrivate: Uint8Array | null = null;
  /** The peer's ephemeral from its initiation (responder side). */
  remoteEphemeral: Uint8Array | null = null;

  /**
   * Wipes ephemeral, C and H and resets the indices to 0; state → none.
   * Free `localIndex` from the index table before calling this.
   */
  clear(): void {
    wipe(this.chainingKey);
    wipe(this.hash);
    wipe(this.ephemeralPrivate);
    wipe(this.remoteEphemeral);
    this.chainingKey = null;
    this.hash = null;
    this.ephemeralPrivate = null;
    this.remoteEphemeral = null;
    this.localIndex = 0;
    this.remoteIndex = 0;
    this.state = 'none';
  }
}

export interface DecryptedInitiation {
  remoteStatic: Uint8Array;
  peer: PeerHandshakeKeys;
  remoteIndex: number;
  remoteEphemeral: Uint8Array;
  /** The 12-byte TAI64N the initiator sent. */
  timestamp: Uint8Array;
  chainingKey: Uint8Array;
  hash: Uint8Array;
}

const EMPTY = new Uint8Array(0);

let initialCk: Uint8Array | null = null;
let initialH: Uint8Array | null = null;

/** "Ci := Hash(Construction)" — C0, the same for every handshake. */
export function initialChainingKey(p: CryptoProvider): Uint8Array {
  initialCk ??= hash(p, CONSTRUCTION);
  return initialCk.slice();
}

/** "Hi := Hash(Ci ‖ Identifier)" — H0 (Noise: MixHash(prologue = IDENTIFIER)). */
export function initialHash(p: CryptoProvider): Uint8Array {
  initialH ??= hash(p, initialChainingKey(p), IDENTIFIER);
  return initialH.slice();
}

// H after the pre-message for the last responder key seen: a responder
// starts every handshake from its own static key, so this hash is the same
// each time (public values only).
let startFor: { p: CryptoProvider; key: Uint8Array; h: Uint8Array } | null = null;

// C0, H0, then "Hi := Hash(Hi ‖ Sr_pub)" (both sides; Noise pre-message "<- s").
function startState(p: CryptoProvider, responderStatic: Uint8Array): SymmetricState {
  if (startFor === null || startFor.p !== p || !sameKey(startFor.key, responderStatic)) {
    const st = new SymmetricState(p, initialChainingKey(p), initialHash(p));
    st.mixHash(responderStatic);
    startFor = { p, key: responderStatic.slice(), h: st.h };
    return new SymmetricState(p, st.ck, st.h.slice());
  }
  return new SymmetricState(p, initialChainingKey(p), startFor.h.slice());
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ephemeralPair(p: CryptoProvider, random: Random): KeyPair {
  // "(E_priv, E_pub) := DH-Generate()"
  const privateKey = generatePrivateKey(random);
  return { privateKey, publicKey: p.x25519PublicKey(privateKey) };
}

/**
 * Initiator, whitepaper §5.4.2 / checklist §3.1. Returns the 148-byte
 * initiation with mac1/mac2 zero, or null (peer unusable, zero DH). On success
 * hs.state = initiation-created and hs.localIndex = senderIndex (free the
 * previous localIndex first).
 */
export function createInitiation(
  p: CryptoProvider,
  local: LocalIdentity,
  peer: PeerHandshakeKeys,
  hs: Handshake,
  senderIndex: number,
  wallMs: number,
  random: Random,
): Uint8Array | null {
  if (peer.staticStatic === null) return null;
  // "Ci := Hash(Construction)"; "Hi := Hash(Ci ‖ Identifier)"; "Hi := Hash(Hi ‖ Sr_pub)"
  const st = startState(p, peer.remoteStatic);
  // "(Ei_priv, Ei_pub) := DH-Generate()"
  const e = ephemeralPair(p, random);
  // Token e:   "msg.ephemeral := Ei_pub"; "Ci := Kdf1(Ci, msg.ephemeral)"; "Hi := Hash(Hi ‖ msg.ephemeral)"
  // Token es:  "(Ci, κ) := Kdf2(Ci, DH(Ei_priv, Sr_pub))"
  // Token s:   "msg.static := Aead(κ, 0, Si_pub, Hi)"; "Hi := Hash(Hi ‖ msg.static)"
  // Token ss:  "(Ci, κ) := Kdf2(Ci, DH(Si_priv, Sr_pub))" (precomputed per peer)
  // Payload:   "msg.timestamp := Aead(κ, 0, Timestamp(), Hi)"; "Hi := Hash(Hi ‖ msg.timestamp)"
  const m = writeMessage1(p, st, e, local, peer.remoteStatic, peer.staticStatic, tai64n(wallMs));
  if (m === null) {
    wipe(e.privateKey);
    st.wipe();
    return null;
  }
  // "msg.sender := I_i" plus the fixed header (type 1, three zero bytes).
  const msg = new Uint8Array(INITIATION_SIZE);
  writeHeader(msg, MESSAGE_INITIATION);
  writeU32LE(msg, INITIATION_SENDER_OFFSET, senderIndex);
  msg.set(m.ephemeral, INITIATION_EPHEMERAL_OFFSET);
  msg.set(m.encryptedStatic, INITIATION_STATIC_OFFSET);
  msg.set(m.encryptedPayload, INITIATION_TIMESTAMP_OFFSET);

  wipe(hs.chainingKey);
  wipe(hs.hash);
  wipe(hs.ephemeralPrivate);
  wipe(hs.remoteEphemeral);
  hs.chainingKey = st.ck;
  hs.hash = st.h;
  wipe(st.k);
  hs.ephemeralPrivate = e.privateKey;
  hs.remoteEphemeral = null;
  hs.localIndex = senderIndex;
  hs.remoteIndex = 0;
  hs.state = 'initiation-created';
  return msg;
}

/**
 * Responder, whitepaper §5.4.2 / checklist §3.2 steps 2–5: all the crypto of
 * consuming an initiation, without touching any Handshake. `lookup` maps the
 * decrypted static key to the peer (undefined → unknown peer → null). The
 * caller checks the timestamp and flood rules, then calls commitInitiation.
 */
export function decryptInitiation(
  p: CryptoProvider,
  local: LocalIdentity,
  msg: Uint8Array,
  lookup: (remoteStatic: Uint8Array) => PeerHandshakeKeys | undefined,
): DecryptedInitiation | null {
  const v = parseInitiation(msg);
  if (v === null) return null;
  // "Cr := Hash(Construction)"; "Hr := Hash(Cr ‖ Identifier)"; "Hr := Hash(Hr ‖ Sr_pub)"
  const st = startState(p, local.publicKey);
  // Token e:  "Cr := Kdf1(Cr, msg.ephemeral)"; "Hr := Hash(Hr ‖ msg.ephemeral)"
  // Token es: "(Cr, κ) := Kdf2(Cr, DH(Sr_priv, msg.ephemeral))"
  // Token s:  "Si_pub := Aead-Decrypt(κ, 0, msg.static, Hr)"; "Hr := Hash(Hr ‖ msg.static)"
  // Token ss: "(Cr, κ) := Kdf2(Cr, DH(Sr_priv, Si_pub))" (precomputed per peer)
  // Payload:  "timestamp := Aead-Decrypt(κ, 0, msg.timestamp, Hr)"; "Hr := Hash(Hr ‖ msg.timestamp)"
  const r = readMessage1(
    p,
    st,
    local,
    { ephemeral: v.ephemeral, encryptedStatic: v.encryptedStatic, encryptedPayload: v.encryptedTimestamp },
    (rs) => {
      const peer = lookup(rs);
      if (peer === undefined || peer.staticStatic === null) return undefined;
      return { staticStatic: peer.staticStatic, context: peer };
    },
  );
  if (r === null || r.payload.length !== 12) {
    st.wipe();
    return null;
  }
  wipe(st.k);
  return {
    remoteStatic: r.remoteStatic,
    peer: r.context,
    remoteIndex: v.senderIndex,
    remoteEphemeral: v.ephemeral.slice(),
    timestamp: r.payload,
    chainingKey: st.ck,
    hash: st.h,
  };
}

/**
 * Stores a decrypted initiation (checklist §3.2 step 7): C, H, remote index,
 * remote ephemeral, the accepted timestamp and its consumption time. Call only
 * after checking timestamp > hs.lastTimestamp and the 20 ms flood rule.
 * hs.localIndex is left alone (createResponse replaces it). C and H move into
 * hs (decryptInitiation made them for this one result; hs later wipes them),
 * the other fields are copied.
 */
export function commitInitiation(hs: Handshake, d: DecryptedInitiation, nowMs: number): void {
  wipe(hs.chainingKey);
  wipe(hs.hash);
  wipe(hs.ephemeralPrivate);
  wipe(hs.remoteEphemeral);
  hs.chainingKey = d.chainingKey;
  hs.hash = d.hash;
  hs.ephemeralPrivate = null;
  hs.remoteEphemeral = d.remoteEphemeral.slice();
  hs.remoteIndex = d.remoteIndex;
  hs.lastTimestamp = d.timestamp.slice();
  hs.lastInitiationConsumedAt = nowMs;
  hs.state = 'initiation-consumed';
}

/**
 * Responder, whitepaper §5.4.3 / checklist §3.3. Requires initiation-consumed.
 * Returns the 92-byte response with mac1/mac2 zero, or null (zero DH, wrong
 * state). On success hs.state = response-created, hs.localIndex = senderIndex.
 */
export function createResponse(
  p: CryptoProvider,
  local: LocalIdentity,
  peer: PeerHandshakeKeys,
  hs: Handshake,
  senderIndex: number,
  random: Random,
): Uint8Array | null {
  void local; // the responder's static key was already used in decryptInitiation (es, ss)
  if (hs.state !== 'initiation-consumed' || !hs.chainingKey || !hs.hash || !hs.remoteEphemeral) return null;
  const st = new SymmetricState(p, hs.chainingKey.slice(), hs.hash.slice());
  // "(Er_priv, Er_pub) := DH-Generate()"
  const e = ephemeralPair(p, random);
  // Token e:   "msg.ephemeral := Er_pub"; "Cr := Kdf1(Cr, Er_pub)"; "Hr := Hash(Hr ‖ msg.ephemeral)"
  // Token ee:  "Cr := Kdf1(Cr, DH(Er_priv, Ei_pub))"
  // Token se:  "Cr := Kdf1(Cr, DH(Er_priv, Si_pub))"
  // Token psk: "(Cr, τ, κ) := Kdf3(Cr, Q)"; "Hr := Hash(Hr ‖ τ)"
  // Payload:   "msg.empty := Aead(κ, 0, ε, Hr)"; "Hr := Hash(Hr ‖ msg.empty)"
  const m = writeMessage2(p, st, e, hs.remoteEphemeral, peer.remoteStatic, peer.presharedKey, EMPTY);
  wipe(e.privateKey);
  if (m === null) {
    st.wipe();
    return null;
  }
  // "msg.sender := I_r"; "msg.receiver := I_i"
  const msg = new Uint8Array(RESPONSE_SIZE);
  writeHeader(msg, MESSAGE_RESPONSE);
  writeU32LE(msg, RESPONSE_SENDER_OFFSET, senderIndex);
  writeU32LE(msg, RESPONSE_RECEIVER_OFFSET, hs.remoteIndex);
  msg.set(m.ephemeral, RESPONSE_EPHEMERAL_OFFSET);
  msg.set(m.encryptedPayload, RESPONSE_EMPTY_OFFSET);

  wipe(hs.chainingKey);
  wipe(hs.hash);
  hs.chainingKey = st.ck;
  hs.hash = st.h;
  wipe(st.k);
  hs.localIndex = senderIndex;
  hs.state = 'response-created';
  return msg;
}

/**
 * Initiator, whitepaper §5.4.3 / checklist §3.4. Requires initiation-created
 * and msg.receiver == hs.localIndex. Works on copies; on any failure returns
 * false with hs unchanged. On success hs.state = response-consumed.
 */
export function consumeResponse(
  p: CryptoProvider,
  local: LocalIdentity,
  peer: PeerHandshakeKeys,
  hs: Handshake,
  msg: Uint8Array,
): boolean {
  const v = parseResponse(msg);
  if (v === null) return false;
  if (hs.state !== 'initiation-created' || v.receiverIndex !== hs.localIndex) return false;
  if (!hs.chainingKey || !hs.hash || !hs.ephemeralPrivate) return false;
  const st = new SymmetricState(p, hs.chainingKey.slice(), hs.hash.slice());
  const e: KeyPair = { privateKey: hs.ephemeralPrivate, publicKey: EMPTY };
  // Token e:   "Ci := Kdf1(Ci, msg.ephemeral)"; "Hi := Hash(Hi ‖ msg.ephemeral)"
  // Token ee:  "Ci := Kdf1(Ci, DH(Ei_priv, Er_pub))"
  // Token se:  "Ci := Kdf1(Ci, DH(Si_priv, Er_pub))"
  // Token psk: "(Ci, τ, κ) := Kdf3(Ci, Q)"; "Hi := Hash(Hi ‖ τ)"
  // Payload:   "ε := Aead-Decrypt(κ, 0, msg.empty, Hi)"; "Hi := Hash(Hi ‖ msg.empty)"
  const payload = readMessage2(p, st, e, local, peer.presharedKey, {
    ephemeral: v.ephemeral,
    encryptedPayload: v.encryptedNothing,
  });
  if (payload === null || payload.length !== 0) {
    st.wipe();
    return false;
  }
  wipe(hs.chainingKey);
  wipe(hs.hash);
  wipe(hs.ephemeralPrivate);
  hs.chainingKey = st.ck;
  hs.hash = st.h;
  wipe(st.k);
  hs.ephemeralPrivate = null;
  hs.remoteIndex = v.senderIndex;
  hs.state = 'response-consumed';
  return true;
}
