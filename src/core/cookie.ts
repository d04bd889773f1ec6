/**
 * mac1/mac2 and cookie replies (whitepaper §5.4.4, §5.4.7; checklist §4).
 * CookieChecker is our side: it verifies mac1/mac2 on handshake messages we
 * receive and creates cookie replies under load. CookieGenerator is per peer:
 * it stamps mac1/mac2 on handshake messages we send and consumes the peer's
 * cookie replies. Time comes from the injected Clock (monotonic ms).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Clock, Random } from '../util/ports.js';
import type { Endpoint } from './endpoint.js';
import { hash, mac } from '../crypto/kdf.js';
import { constantTimeEqual, wipe } from '../util/bytes.js';
import { endpointKey } from '../util/ip.js';
import {
  COOKIE_REFRESH_TIME_MS,
  COOKIE_REPLY_SIZE,
  COOKIE_SECRET_LATENCY_MS,
  LABEL_COOKIE,
  LABEL_MAC1,
  MESSAGE_COOKIE_REPLY,
} from '../wire/constants.js';
import {
  COOKIE_ENCRYPTED_OFFSET,
  COOKIE_NONCE_OFFSET,
  COOKIE_RECEIVER_OFFSET,
  MAC_SIZE,
  classify,
  handshakeSenderIndex,
  macOffsets,
  parseCookieReply,
  writeHeader,
  writeU32LE,
} from '../wire/messages.js';

/** mac1/mac2 offsets if `msg` is a well-formed initiation or response, else null. */
function handshakeMacOffsets(msg: Uint8Array): { mac1: number; mac2: number } | null {
  return macOffsets(classify(msg));
}

/** Our side of the cookie mechanism (whitepaper §5.4.7, responder under load). */
export class CookieChecker {
  private mac1Key: Uint8Array | null = null;
  private cookieKey: Uint8Array | null = null;
  private secret = new Uint8Array(32);
  /** Monotonic ms when `secret` was generated; -Infinity = never (mac2 cannot verify yet). */
  private secretSetAt = -Infinity;

  constructor(
    private readonly p: CryptoProvider,
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  /**
   * mac1 key = HASH(LABEL_MAC1 ‖ pub), cookie key = HASH(LABEL_COOKIE ‖ pub)
   * for our own static public key; null disables checking (no private key).
   */
  setLocalPublicKey(pub: Uint8Array | null): void {
    wipe(this.mac1Key);
    wipe(this.cookieKey);
    if (pub === null) {
      this.mac1Key = null;
      this.cookieKey = null;
      return;
    }
    this.mac1Key = hash(this.p, LABEL_MAC1, pub);
    this.cookieKey = hash(this.p, LABEL_COOKIE, pub);
  }

  /** "msg.mac1 := Mac(Hash(Label-Mac1 ‖ Sm'_pub), msg_α)" — compared in constant time. */
  checkMac1(msg: Uint8Array): boolean {
    const off = handshakeMacOffsets(msg);
    if (off === null || this.mac1Key === null) return false;
    const expected = mac(this.p, this.mac1Key, msg.subarray(0, off.mac1));
    return constantTimeEqual(expected, msg.subarray(off.mac1, off.mac1 + MAC_SIZE));
  }

  /**
   * "msg.mac2 := Mac(τ, msg_β)" with τ = Mac(R, source address) — the cookie
   * we would hand this source now. False while our secret is older than
   * COOKIE_REFRESH_TIME (a reply must first be created with a fresh one).
   */
  checkMac2(msg: Uint8Array, src: Endpoint): boolean {
    const off = handshakeMacOffsets(msg);
    if (off === null) return false;
    if (this.clock.now() - this.secretSetAt > COOKIE_REFRESH_TIME_MS) return false;
    const cookie = mac(this.p, this.secret, endpointKey(src));
    const expected = mac(this.p, cookie, msg.subarray(0, off.mac2));
    wipe(cookie);
    return constantTimeEqual(expected, msg.subarray(off.mac2, off.mac2 + MAC_SIZE));
  }

  /**
   * The 64-byte cookie reply to handshake message `msg` from `src`
   * (whitepaper §5.4.7): receiver = msg's sender index, random 24-byte nonce,
   * "msg.cookie := XAead(Hash(Label-Cookie ‖ Sm_pub), msg.nonce, τ, M)" with
   * M = msg's mac1. The secret R is regenerated lazily once older than 120 s.
   * Call only for a message whose mac1 verified; anything else is a
   * programming error (RangeError).
   */
  createReply(msg: Uint8Array, src: Endpoint): Uint8Array {
    const off = handshakeMacOffsets(msg);
    if (off === null || this.cookieKey === null) throw new RangeError('cookie reply needs a handshake message and a local key');
    const now = this.clock.now();
    if (now - this.secretSetAt > COOKIE_REFRESH_TIME_MS) {
      this.random.fill(this.secret);
      this.secretSetAt = now;
    }
    const cookie = mac(this.p, this.secret, endpointKey(src));
    const reply = new Uint8Array(COOKIE_REPLY_SIZE);
    writeHeader(reply, MESSAGE_COOKIE_REPLY);
    writeU32LE(reply, COOKIE_RECEIVER_OFFSET, handshakeSenderIndex(msg));
    const nonce = reply.subarray(COOKIE_NONCE_OFFSET, COOKIE_ENCRYPTED_OFFSET);
    this.random.fill(nonce);
    const sealed = this.p.xchacha20Poly1305Seal(this.cookieKey, nonce, cookie, msg.subarray(off.mac1, off.mac1 + MAC_SIZE));
    reply.set(sealed, COOKIE_ENCRYPTED_OFFSET);
    wipe(cookie);
    return reply;
  }
}

/** Per-peer sender side of mac1/mac2 (whitepaper §5.4.4, §5.4.7). */
export class CookieGenerator {
  // HASH(LABEL_MAC1 ‖ S_pub) and HASH(LABEL_COOKIE ‖ S_pub), derived on first
  // use: a server configured with 10,000 peers talks to few of them at once.
  private mac1KeyCache: Uint8Array | null = null;
  private cookieKeyCache: Uint8Array | null = null;
  private cookie: Uint8Array | null = null;
  private cookieReceivedAt = -Infinity;
  /** mac1 of the last handshake message we sent; needed as AAD to open a cookie reply. */
  private lastMac1: Uint8Array | null = null;

  constructor(
    private readonly p: CryptoProvider,
    private readonly clock: Clock,
    /** Not copied: the peer's own immutable copy of its public key. */
    private readonly remoteStatic: Uint8Array,
  ) {}

  private get mac1Key(): Uint8Array {
    return (this.mac1KeyCache ??= hash(this.p, LABEL_MAC1, this.remoteStatic));
  }

  private get cookieKey(): Uint8Array {
    return (this.cookieKeyCache ??= hash(this.p, LABEL_COOKIE, this.remoteStatic));
  }

  /**
   * Writes mac1 into a handshake message we are about to send (and remembers
   * it), then mac2 if we hold a cookie younger than COOKIE_REFRESH_TIME −
   * COOKIE_SECRET_LATENCY (kernel rule), else 16 zero bytes.
   * Programming error (RangeError) if `msg` is not an initiation or response.
   */
  addMacs(msg: Uint8Array): void {
    const off = handshakeMacOffsets(msg);
    if (off === null) throw new RangeError('addMacs needs an initiation or response');
    const mac1 = mac(this.p, this.mac1Key, msg.subarray(0, off.mac1));
    msg.set(mac1, off.mac1);
    this.lastMac1 = mac1;
    const fresh = this.cookie !== null && this.clock.now() - this.cookieReceivedAt < COOKIE_REFRESH_TIME_MS - COOKIE_SECRET_LATENCY_MS;
    if (fresh && this.cookie !== null) {
      msg.set(mac(this.p, this.cookie, msg.subarray(0, off.mac2)), off.mac2);
    } else {
      msg.fill(0, off.mac2, off.mac2 + MAC_SIZE);
    }
  }

  /**
   * Opens a cookie reply with key HASH(LABEL_COOKIE ‖ peer static) and AAD =
   * the last mac1 we sent; on success stores the cookie and its receive time
   * and forgets that mac1 (kernel rule: one reply per sent message). The caller
   * has already matched the receiver index to this peer. Never throws.
   */
  consumeReply(msg: Uint8Array): boolean {
    const v = parseCookieReply(msg);
    if (v === null || this.lastMac1 === null) return false;
    const cookie = this.p.xchacha20Poly1305Open(this.cookieKey, v.nonce, v.encryptedCookie, this.lastMac1);
    if (cookie === null || cookie.length !== MAC_SIZE) return false;
    wipe(this.cookie);
    this.cookie = cookie;
    this.cookieReceivedAt = this.clock.now();
    this.lastMac1 = null;
    return true;
  }
}
