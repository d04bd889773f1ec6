// Hand-built handshake messages for attack tests (whitepaper §5.4.2–§5.4.4),
// built from the Noise symmetric state directly so the test — not the code
// under test — chooses every Diffie-Hellman result. A message built with an
// all-zero DH result is exactly what an implementation WITHOUT the
// zero-result check would compute itself, so it would be accepted there; a
// correct implementation must refuse it.
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { hash, mac } from '../../src/crypto/kdf.js';
import { SymmetricState } from '../../src/core/noise.js';
import { initialChainingKey, initialHash } from '../../src/core/handshake.js';
import { INITIATION_SIZE, LABEL_MAC1, MESSAGE_INITIATION, MESSAGE_RESPONSE, RESPONSE_SIZE } from '../../src/wire/constants.js';
import { INITIATION_MAC1_OFFSET, RESPONSE_MAC1_OFFSET, writeU32LE } from '../../src/wire/messages.js';

export const ZERO32 = new Uint8Array(32);

/** Writes mac1 for a receiver with static public key `receiverPublic` (whitepaper §5.4.4). */
export function stampMac1(p: CryptoProvider, msg: Uint8Array, receiverPublic: Uint8Array): Uint8Array {
  const off = msg.length === INITIATION_SIZE ? INITIATION_MAC1_OFFSET : RESPONSE_MAC1_OFFSET;
  msg.set(mac(p, hash(p, LABEL_MAC1, receiverPublic), msg.subarray(0, off)), off);
  return msg;
}

export interface InitiationParts {
  readonly responderPublic: Uint8Array;
  /** What msg.static carries (the claimed initiator static key). */
  readonly claimedStatic: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  /** DH(E_i, S_r) as the crafter wants the responder to have computed it. */
  readonly es: Uint8Array;
  /** DH(S_i, S_r) likewise. */
  readonly ss: Uint8Array;
  readonly timestamp: Uint8Array;
  readonly senderIndex: number;
}

/** A 148-byte initiation (mac1 set, mac2 zero). */
export function craftInitiation(p: CryptoProvider, m: InitiationParts): Uint8Array {
  const st = new SymmetricState(p, initialChainingKey(p), initialHash(p));
  st.mixHash(m.responderPublic);
  st.mixHash(m.ephemeralPublic);
  st.mixKey(m.ephemeralPublic);
  st.mixKey(m.es);
  const encStatic = st.encryptAndHash(m.claimedStatic);
  st.mixKey(m.ss);
  const encTs = st.encryptAndHash(m.timestamp);
  const msg = new Uint8Array(INITIATION_SIZE);
  msg[0] = MESSAGE_INITIATION;
  writeU32LE(msg, 4, m.senderIndex);
  msg.set(m.ephemeralPublic, 8);
  msg.set(encStatic, 40);
  msg.set(encTs, 88);
  return stampMac1(p, msg, m.responderPublic);
}

export interface ResponseParts {
  readonly initiatorPublic: Uint8Array;
  /** Chaining key and hash after the initiation, as the responder holds them. */
  readonly ck: Uint8Array;
  readonly h: Uint8Array;
  readonly ephemeralPublic: Uint8Array;
  /** DH(E_i, E_r) and DH(S_i, E_r) as the crafter wants the initiator to compute them. */
  readonly ee: Uint8Array;
  readonly se: Uint8Array;
  readonly psk: Uint8Array;
  readonly senderIndex: number;
  readonly receiverIndex: number;
}

/** A 92-byte response (mac1 set, mac2 zero). */
export function craftResponse(p: CryptoProvider, m: ResponseParts): Uint8Array {
  const st = new SymmetricState(p, m.ck.slice(), m.h.slice());
  st.mixHash(m.ephemeralPublic);
  st.mixKey(m.ephemeralPublic);
  st.mixKey(m.ee);
  st.mixKey(m.se);
  st.mixKeyAndHash(m.psk);
  const encEmpty = st.encryptAndHash(new Uint8Array(0));
  const msg = new Uint8Array(RESPONSE_SIZE);
  msg[0] = MESSAGE_RESPONSE;
  writeU32LE(msg, 4, m.senderIndex);
  writeU32LE(msg, 8, m.receiverIndex);
  msg.set(m.ephemeralPublic, 12);
  msg.set(encEmpty, 44);
  return stampMac1(p, msg, m.initiatorPublic);
}
