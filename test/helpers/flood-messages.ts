// Real handshake messages for the flood generators (whitepaper §5.4.2,
// §5.4.4, §5.4.7), built with our own src code: initiations from random
// (unknown) static keys or from a configured key, mac1 for the responder's
// public key, mac2 from a cookie, and the opening of a cookie reply. The
// generator — not a CookieGenerator — keeps mac1 per sender index, because a
// flood has many messages in flight and a reply may answer any of them.
import { randomFillSync } from 'node:crypto';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { hash, mac } from '../../src/crypto/kdf.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { createInitiation, Handshake, peerHandshakeKeys, type LocalIdentity, type PeerHandshakeKeys } from '../../src/core/handshake.js';
import { LABEL_COOKIE, LABEL_MAC1 } from '../../src/wire/constants.js';
import {
  COOKIE_ENCRYPTED_OFFSET,
  COOKIE_NONCE_OFFSET,
  COOKIE_RECEIVER_OFFSET,
  INITIATION_MAC1_OFFSET,
  INITIATION_MAC2_OFFSET,
  MAC_SIZE,
  readU32LE,
} from '../../src/wire/messages.js';
import type { Random } from '../../src/util/ports.js';

export const cryptoRandom: Random = {
  fill: (b) => {
    randomFillSync(b);
    return b;
  },
};

export function randomIndex(): number {
  const b = new Uint8Array(4);
  cryptoRandom.fill(b);
  return (readU32LE(b, 0) >>> 0) || 1;
}

/** One built initiation: the datagram (mac1 set, mac2 zero) and what a cookie reply needs. */
export interface BuiltInitiation {
  msg: Uint8Array;
  sender: number;
  mac1: Uint8Array;
}

export class InitiationForge {
  private readonly mac1Key: Uint8Array;
  private readonly cookieKey: Uint8Array;

  constructor(
    readonly p: CryptoProvider,
    readonly responderPublic: Uint8Array,
  ) {
    // Whitepaper §5.4.4/§5.4.7: both keys derive from the responder's static public key.
    this.mac1Key = hash(p, LABEL_MAC1, responderPublic);
    this.cookieKey = hash(p, LABEL_COOKIE, responderPublic);
  }

  /** Handshake keys of `local` towards the responder (no PSK). */
  peerKeys(local: LocalIdentity): PeerHandshakeKeys {
    return peerHandshakeKeys(this.p, local, this.responderPublic, null);
  }

  /** An identity from a fresh random static key the responder does not know. */
  strangerIdentity(): LocalIdentity {
    const privateKey = generatePrivateKey(cryptoRandom);
    return { privateKey, publicKey: publicKeyOf(this.p, privateKey) };
  }

  /**
   * A real initiation from `local` carrying TAI64N(wallMs), with a valid
   * mac1 — the responder must do Diffie-Hellman work to find out more.
   */
  initiation(local: LocalIdentity, keys: PeerHandshakeKeys, wallMs: number): BuiltInitiation {
    const sender = randomIndex();
    const msg = createInitiation(this.p, local, keys, new Handshake(), sender, wallMs, cryptoRandom);
    if (msg === null) throw new Error('createInitiation refused the responder key');
    const mac1 = mac(this.p, this.mac1Key, msg.subarray(0, INITIATION_MAC1_OFFSET));
    msg.set(mac1, INITIATION_MAC1_OFFSET);
    return { msg, sender, mac1 };
  }

  /** A copy of `msg` with mac2 = MAC(cookie, msg[0:132]) (whitepaper §5.4.4). */
  withMac2(msg: Uint8Array, cookie: Uint8Array): Uint8Array {
    const out = new Uint8Array(msg);
    out.set(mac(this.p, cookie, out.subarray(0, INITIATION_MAC2_OFFSET)), INITIATION_MAC2_OFFSET);
    return out;
  }

  /** The receiver index of a 64-byte cookie reply (= the sender index of the message it answers). */
  static cookieReceiver(reply: Uint8Array): number {
    return readU32LE(reply, COOKIE_RECEIVER_OFFSET) >>> 0;
  }

  /** Opens a cookie reply to the message whose mac1 was `mac1`; null if it does not authenticate. */
  openCookie(reply: Uint8Array, mac1: Uint8Array): Uint8Array | null {
    if (reply.length !== 64) return null;
    const nonce = reply.subarray(COOKIE_NONCE_OFFSET, COOKIE_ENCRYPTED_OFFSET);
    const boxed = reply.subarray(COOKIE_ENCRYPTED_OFFSET);
    const cookie = this.p.xchacha20Poly1305Open(this.cookieKey, nonce, boxed, mac1);
    return cookie !== null && cookie.length === MAC_SIZE ? cookie : null;
  }
}
