/**
 * One peer's protocol state (whitepaper §6; wireguard-go peer.go): static and
 * preshared keys, the handshake, the three keypair slots, timers, staged
 * packets, endpoint (roaming, §6.5 / checklist §8), counters, and the facts
 * the events layer needs (connected, session start). Sending lives in
 * send.ts, receiving in receive-*.ts, timer expiry in timer-expiry.ts; they
 * all reach the device's shared services through PeerContext.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Clock, Random } from '../util/ports.js';
import { isAllZero, toHex } from '../util/bytes.js';
import { MAX_STAGED_PACKETS, REJECT_AFTER_TIME_MS, REKEY_TIMEOUT_MS } from '../wire/constants.js';
import type { AllowedIps } from './allowed-ips.js';
import type { AllowedIp, PeerSnapshot, PeerStatus } from './config.js';
import { CookieGenerator } from './cookie.js';
import type { DeadlineHeap } from './deadline-heap.js';
import type { DropCounters, Effects } from './effects.js';
import { sameEndpoint, type Endpoint } from './endpoint.js';
import { Handshake, type LocalIdentity } from './handshake.js';
import type { IndexTable } from './index-table.js';
import type { Keypair } from './keypair.js';
import { Keypairs } from './keypairs.js';
import { StagedQueue } from './staged-queue.js';
import { PeerTimers } from './timers.js';
import { PeerKeys } from './peer-keys.js';

/** What a receiver index points at: a pending handshake (keypair null) or a keypair. */
export interface IndexEntry {
  readonly peer: Peer;
  readonly keypair: Keypair | null;
}

/** The device services a peer uses (one shared object per device; no per-packet closures). */
export interface PeerContext {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly random: Random;
  readonly effects: Effects;
  readonly drops: DropCounters;
  readonly index: IndexTable<IndexEntry>;
  readonly allowedIps: AllowedIps<Peer>;
  readonly heap: DeadlineHeap<PeerTimers<Peer>>;
  /** Our static identity, null without a private key. */
  local: LocalIdentity | null;
  /** Tunnel MTU (padding cap). */
  mtu: number;
  /** > 0: emit 'peer.silent' after this long without authenticated input (persistent-keepalive peers). */
  silenceTimeoutMs: number;
  /** Retransmit jitter 0..333 ms from the injected Random. */
  readonly jitter: () => number;
}

/**
 * Q for every peer without a preshared key (whitepaper §5.4: 32 zero bytes).
 * Shared, never written: a key is replaced, not edited in place, and this
 * one is never reported (snapshot() gives null while hasPresharedKey is false).
 */
const ZERO_KEY = new Uint8Array(32);

const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const hexScratch: number[] = new Array<number>(64).fill(0);

/**
 * The device's map key for a public key: the same text as toHex(), built as
 * one flat string. toHex's `s +=` loop leaves a chain of ≈ 30 cons strings
 * behind that the map keeps alive as the key — ≈ 1.5 KB per peer, 15 MB
 * for 10,000 peers (measured), against ≈ 100 bytes for a flat string.
 */
export function peerId(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) return toHex(publicKey);
  for (let i = 0; i < 32; i++) {
    hexScratch[2 * i] = HEX_CODES[publicKey[i]! >> 4]!;
    hexScratch[2 * i + 1] = HEX_CODES[publicKey[i]! & 15]!;
  }
  return String.fromCharCode.apply(null, hexScratch);
}

export class Peer {
  readonly publicKey: Uint8Array;
  /** Hex of the public key: the device's map key. */
  readonly id: string;
  /** Handshake inputs for this peer; staticStatic computed on first use, again after our private key changes. */
  readonly keys: PeerKeys;
  /** Index-table slot held by the in-progress handshake (0 = none). */
  handshakeIndex = 0;
  // Created on first use: most of a large server's peers are configured and
  // never (or not yet) handshake, and these are ≈ 600 bytes a peer together
  // (10,000 peers: ≈ 6 MB less to load, keep and garbage-collect).
  private hs: Handshake | null = null;
  private hsEntry: IndexEntry | null = null;
  private cookieGen: CookieGenerator | null = null;
  private kps: Keypairs | null = null;
  private stagedQueue: StagedQueue | null = null;
  private peerTimers: PeerTimers<Peer> | null = null;
  /** Started (device up) while the timers object does not exist yet; PeerTimers.running once it does. */
  private startedLazily = false;

  endpoint: Endpoint | null = null;
  /** Seconds, 0 = off. */
  persistentKeepalive = 0;
  hasPresharedKey = false;
  rxBytes = 0;
  txBytes = 0;
  lastHandshakeWallMs = 0;
  sessionStartWallMs = 0;
  /** Has a usable confirmed session (drives session.confirmed.isFirst). */
  isConnected = false;
  /** Monotonic ms of the last initiation or response we sent (rate limit, whitepaper §6.2). */
  lastSentHandshake = -Infinity;
  /** Monotonic ms of the last authenticated packet received. */
  lastAuthenticatedReceive = -Infinity;

  constructor(
    readonly ctx: PeerContext,
    publicKey: Uint8Array,
  ) {
    this.publicKey = publicKey.slice();
    this.id = peerId(publicKey);
    this.keys = new PeerKeys(ctx, this.publicKey, ZERO_KEY);
  }

  /**
   * The peer's timers, created on first use — a started peer that never
   * sends, receives or handshakes has no deadline to keep (≈ 270 bytes with
   * its seven boxed deadlines). A timers object made after start() starts
   * running, with the configured persistent keepalive, as if made earlier.
   */
  get timers(): PeerTimers<Peer> {
    let t = this.peerTimers;
    if (t === null) {
      t = this.peerTimers = new PeerTimers<Peer>(this, this.ctx.heap, this.ctx.jitter);
      if (this.startedLazily) t.start();
      t.setPersistentKeepalive(this.persistentKeepalive * 1000);
    }
    return t;
  }

  /** Configured persistent keepalive in seconds (0 = off); cancels a pending one when turned off. */
  setPersistentKeepalive(seconds: number): void {
    this.persistentKeepalive = seconds;
    this.peerTimers?.setPersistentKeepalive(seconds * 1000);
  }

  /** Handshake state (whitepaper §5.4); its TAI64N and flood guards start empty, as a new one would. */
  get handshake(): Handshake {
    return (this.hs ??= new Handshake());
  }

  /** The index-table entry of an in-progress handshake. */
  get handshakeEntry(): IndexEntry {
    return (this.hsEntry ??= { peer: this, keypair: null });
  }

  get cookies(): CookieGenerator {
    return (this.cookieGen ??= new CookieGenerator(this.ctx.crypto, this.ctx.clock, this.publicKey));
  }

  get keypairs(): Keypairs {
    return (this.kps ??= new Keypairs((kp) => this.releaseKeypair(kp)));
  }

  get staged(): StagedQueue {
    return (this.stagedQueue ??= new StagedQueue(MAX_STAGED_PACKETS));
  }

  /** Our private key changed: drop DH(S_priv, S_pub_peer) (whitepaper §5.4.2); the next handshake recomputes it. */
  recomputeStaticStatic(): void {
    this.keys.invalidate();
  }

  /** Sets (or, with null / all zero, removes) the preshared key. */
  setPresharedKey(psk: Uint8Array | null): void {
    const zero = psk === null || isAllZero(psk);
    this.keys.presharedKey = zero ? ZERO_KEY : psk.slice();
    this.hasPresharedKey = !zero;
  }

  /** The keypair is usable for sending (checklist §7.4 "send with no usable keypair"). */
  isUsable(kp: Keypair | null, now: number): kp is Keypair {
    return kp !== null && !kp.isSendExhausted && now - kp.birth < REJECT_AFTER_TIME_MS;
  }

  /** Sends one datagram to the endpoint and counts it (tx_bytes); false without an endpoint. */
  transmit(datagram: Uint8Array): boolean {
    const ep = this.endpoint;
    if (ep === null) return false;
    this.txBytes += datagram.length;
    this.ctx.effects.transmit(ep, datagram);
    return true;
  }

  /** Roaming (whitepaper §6.5): authenticated packets move the endpoint. */
  roam(from: Endpoint): void {
    const prev = this.endpoint;
    if (sameEndpoint(prev, from)) return;
    this.endpoint = from;
    this.ctx.effects.emit({
      type: 'endpoint.changed',
      at: this.ctx.clock.wallNow(),
      peer: this.status(),
      endpoint: from,
      previous: prev,
    });
  }

  /** Peer start on device up (wireguard-go Peer.Start): first initiation may go at once. */
  start(now: number): void {
    const t = this.peerTimers;
    if (t === null ? this.startedLazily : t.running) return;
    this.lastSentHandshake = now - (REKEY_TIMEOUT_MS + 1000);
    if (t === null) {
      this.startedLazily = true;
      return;
    }
    t.start();
    t.setPersistentKeepalive(this.persistentKeepalive * 1000);
  }

  /** Peer stop (device down, removal): cancel timers and erase every session. */
  stop(): void {
    this.startedLazily = false;
    this.peerTimers?.stop();
    this.zeroAndFlushAll();
    this.markDisconnected();
  }

  /** wireguard-go ZeroAndFlushAll: drop all keypairs, the handshake and staged packets. */
  zeroAndFlushAll(): void {
    this.kps?.clear();
    this.clearHandshake();
    this.stagedQueue?.clear();
    this.peerTimers?.setSessionExpiry(Infinity);
  }

  /** Frees the handshake's index and wipes its ephemeral state. */
  clearHandshake(): void {
    this.freeHandshakeIndex();
    this.hs?.clear();
  }

  freeHandshakeIndex(): void {
    const idx = this.handshakeIndex;
    if (idx === 0) return;
    this.handshakeIndex = 0;
    const e = this.ctx.index.get(idx);
    if (e !== undefined && e.peer === this && e.keypair === null) this.ctx.index.free(idx);
  }

  private releaseKeypair(kp: Keypair): void {
    const e = this.ctx.index.get(kp.localIndex);
    if (e !== undefined && e.keypair === kp) this.ctx.index.free(kp.localIndex);
    kp.wipe();
  }

  /** wireguard-go ExpireCurrentKeypairs (private key change): force a fresh handshake. */
  expireCurrentKeypairs(now: number, rejectAfterMessages: bigint): void {
    this.clearHandshake();
    this.lastSentHandshake = now - (REKEY_TIMEOUT_MS + 1000);
    this.kps?.current?.setSendCounter(rejectAfterMessages);
    this.kps?.next?.setSendCounter(rejectAfterMessages);
  }

  /** No usable confirmed session any more (expiry, give-up, zeroing, stop). */
  markDisconnected(): void {
    this.isConnected = false;
    this.sessionStartWallMs = 0;
    this.peerTimers?.setSilence(Infinity);
  }

  /** Key confirmation bookkeeping + 'session.confirmed' (checklist §7.3 HandshakeComplete). */
  confirmSession(kp: Keypair, now: number): void {
    const wall = this.ctx.clock.wallNow();
    this.timers.handshakeComplete();
    this.lastHandshakeWallMs = wall;
    const isFirst = !this.isConnected;
    if (isFirst) this.sessionStartWallMs = wall;
    this.isConnected = true;
    this.timers.setSessionExpiry(kp.birth + REJECT_AFTER_TIME_MS);
    this.armSilence(now);
    this.ctx.effects.emit({
      type: 'session.confirmed',
      at: wall,
      peer: this.status(),
      isInitiator: kp.isInitiator,
      isFirst,
    });
  }

  /** Re-arms the 'peer.silent' deadline after authenticated input. */
  armSilence(now: number): void {
    const ms = this.ctx.silenceTimeoutMs;
    if (ms > 0 && this.persistentKeepalive > 0 && this.isConnected) this.timers.setSilence(now + ms);
  }

  allowedIps(): AllowedIp[] {
    return this.ctx.allowedIps.entriesForPeer(this);
  }

  /** Public, secret-free view (events, logs). */
  status(): PeerStatus {
    return {
      publicKey: this.publicKey.slice(),
      hasPresharedKey: this.hasPresharedKey,
      endpoint: this.endpoint,
      persistentKeepalive: this.persistentKeepalive,
      allowedIps: this.allowedIps(),
      lastHandshakeWallMs: this.lastHandshakeWallMs,
      sessionStartWallMs: this.sessionStartWallMs,
      rxBytes: this.rxBytes,
      txBytes: this.txBytes,
    };
  }

  /** UAPI get view (includes the preshared key: UAPI is root-only); the status object, extended in place. */
  snapshot(): PeerSnapshot {
    return Object.assign(this.status(), {
      presharedKey: this.hasPresharedKey ? this.keys.presharedKey.slice() : null,
    });
  }
}
