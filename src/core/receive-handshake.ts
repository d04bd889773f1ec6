/**
 * Receiving handshake messages (whitepaper §5.3 DoS mitigation, §5.4.2–§5.4.7;
 * checklist §3.2, §3.4, §4, §9). The cheap checks come first: mac1, then —
 * only while under load — mac2 (else answer with a cookie reply) and the
 * per-source rate limiter, and only then any Diffie-Hellman work.
 * Cookie replies touch no timers and never move the endpoint.
 */
import { compareTai64n } from '../crypto/tai64n.js';
import { toHex } from '../util/bytes.js';
import { parseIp } from '../util/ip.js';
import {
  INITIATION_MIN_INTERVAL_MS,
  MESSAGE_COOKIE_REPLY,
  MESSAGE_INITIATION,
  UNDER_LOAD_AFTER_TIME_MS,
} from '../wire/constants.js';
import type { CookieChecker } from './cookie.js';
import type { Endpoint } from './endpoint.js';
import { commitInitiation, consumeResponse, decryptInitiation, type PeerHandshakeKeys } from './handshake.js';
import { deriveSession } from './session-keys.js';
import { Keypair } from './keypair.js';
import type { Peer, PeerContext } from './peer.js';
import type { RateLimiter } from './ratelimiter.js';
import { sendHandshakeResponse, sendKeepalive } from './send.js';

const RATE_LIMITER_GC_MS = 1000;

export class HandshakeReceiver {
  private backlog = 0;
  private underLoadUntil = -Infinity;
  private lastGc = -Infinity;
  // Filled by `lookup` during decryptInitiation, so the caller learns which peer matched.
  private found: Peer | undefined;
  private looked = false;
  private readonly lookup = (remoteStatic: Uint8Array): PeerHandshakeKeys | undefined => {
    this.looked = true;
    const peer = this.peers.get(toHex(remoteStatic));
    this.found = peer;
    return peer?.keys;
  };

  constructor(
    private readonly ctx: PeerContext,
    private readonly checker: CookieChecker,
    private readonly limiter: RateLimiter,
    private readonly peers: ReadonlyMap<string, Peer>,
    private readonly underLoadBacklog: number,
  ) {}

  /** The runtime reports its handshake queue length (wireguard-go IsUnderLoad). */
  setBacklog(n: number, now: number): void {
    // The queue was at the threshold until now (rising or falling edge): stay under load 1 s from here.
    if (n >= this.underLoadBacklog || this.backlog >= this.underLoadBacklog) {
      this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME_MS;
    }
    this.backlog = n;
  }

  /** Under load while the backlog is at the threshold, and for 1 s after (sticky). */
  isUnderLoad(now: number): boolean {
    if (this.backlog >= this.underLoadBacklog) {
      this.underLoadUntil = now + UNDER_LOAD_AFTER_TIME_MS;
      return true;
    }
    return now < this.underLoadUntil;
  }

  /** `msg` is a classified initiation, response or cookie reply. */
  receive(type: 1 | 2 | 3, msg: Uint8Array, from: Endpoint, now: number): void {
    if (type === MESSAGE_COOKIE_REPLY) {
      this.receiveCookieReply(msg);
      return;
    }
    const drops = this.ctx.drops;
    if (!this.checker.checkMac1(msg)) {
      drops['bad-mac1']++;
      return;
    }
    if (this.isUnderLoad(now)) {
      if (!this.checker.checkMac2(msg, from)) {
        // Whitepaper §5.4.7: answer with a cookie, do no DH work.
        this.ctx.effects.transmit(from, this.checker.createReply(msg, from));
        drops['bad-mac2']++;
        return;
      }
      if (now - this.lastGc >= RATE_LIMITER_GC_MS) {
        this.lastGc = now;
        this.limiter.gc();
      }
      const ip = parseIp(from.address);
      if (ip === null || !this.limiter.allow(ip)) {
        drops['rate-limited']++;
        return;
      }
    }
    if (type === MESSAGE_INITIATION) this.receiveInitiation(msg, from, now);
    else this.receiveResponse(msg, from, now);
  }

  private receiveInitiation(msg: Uint8Array, from: Endpoint, now: number): void {
    const ctx = this.ctx;
    const drops = ctx.drops;
    const local = ctx.local!;
    this.found = undefined;
    this.looked = false;
    const d = decryptInitiation(ctx.crypto, local, msg, this.lookup);
    const peer = this.takeFound();
    if (d === null) {
      // The lookup ran only if msg.static decrypted: a miss there means an unknown (or unusable) key.
      const unknown = this.looked && (peer === undefined || peer.keys.staticStatic === null);
      drops[unknown ? 'unknown-peer' : 'handshake-decrypt']++;
      return;
    }
    if (peer === undefined || !peer.timers.running) {
      drops['unknown-peer']++;
      return;
    }
    const hs = peer.handshake;
    // Whitepaper §5.1: the timestamp must be strictly newer than the last accepted one.
    if (hs.lastTimestamp !== null && compareTai64n(d.timestamp, hs.lastTimestamp) <= 0) {
      drops['replayed-timestamp']++;
      return;
    }
    // At most 50 consumed initiations per second per peer (kernel INITIATIONS_PER_SECOND).
    if (now - hs.lastInitiationConsumedAt <= INITIATION_MIN_INTERVAL_MS) {
      drops['initiation-flood']++;
      return;
    }
    commitInitiation(hs, d, now);
    peer.rxBytes += msg.length;
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now);
    t.anyAuthenticatedPacketReceived();
    peer.lastAuthenticatedReceive = now;
    peer.armSilence(now);
    peer.roam(from);
    if (!sendHandshakeResponse(peer, now)) drops['handshake-decrypt']++;
  }

  private takeFound(): Peer | undefined {
    const p = this.found;
    this.found = undefined;
    return p;
  }

  private receiveResponse(msg: Uint8Array, from: Endpoint, now: number): void {
    const ctx = this.ctx;
    const drops = ctx.drops;
    const receiver = (msg[8]! | (msg[9]! << 8) | (msg[10]! << 16) | (msg[11]! << 24)) >>> 0;
    const entry = ctx.index.get(receiver);
    if (entry === undefined || entry.keypair !== null) {
      drops['unknown-index']++;
      return;
    }
    const peer = entry.peer;
    const hs = peer.handshake;
    if (hs.state !== 'initiation-created' || peer.handshakeIndex !== receiver || !peer.timers.running) {
      drops['unexpected-response']++;
      return;
    }
    if (!consumeResponse(ctx.crypto, ctx.local!, peer.keys, hs, msg)) {
      drops['handshake-decrypt']++;
      return;
    }
    peer.rxBytes += msg.length;
    peer.roam(from);
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now);
    t.anyAuthenticatedPacketReceived();
    peer.lastAuthenticatedReceive = now;
    const keys = deriveSession(ctx.crypto, hs);
    if (keys === null) {
      peer.clearHandshake();
      drops['handshake-decrypt']++;
      return;
    }
    // The handshake's index now names the keypair (checklist §3.5).
    const kp = new Keypair(keys, now);
    ctx.index.set(receiver, { peer, keypair: kp });
    peer.handshakeIndex = 0;
    peer.keypairs.installAsInitiator(kp);
    t.sessionDerived(now);
    peer.confirmSession(kp, now);
    // Key confirmation for the responder: staged data, or a keepalive.
    sendKeepalive(peer, now);
  }

  private receiveCookieReply(msg: Uint8Array): void {
    const drops = this.ctx.drops;
    const receiver = (msg[4]! | (msg[5]! << 8) | (msg[6]! << 16) | (msg[7]! << 24)) >>> 0;
    const entry = this.ctx.index.get(receiver);
    if (entry === undefined) {
      drops['unknown-index']++;
      return;
    }
    if (!entry.peer.cookies.consumeReply(msg)) drops['cookie-decrypt']++;
  }
}
