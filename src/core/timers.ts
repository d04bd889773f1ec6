/**
 * Per-peer protocol timers as stored deadlines (whitepaper §6; kernel
 * timers.c, wireguard-go timers.go). The five kernel timers:
 *   retransmitHandshake  resend an unanswered initiation (REKEY_TIMEOUT + jitter)
 *   sendKeepalive        passive keepalive after receiving data (KEEPALIVE_TIMEOUT)
 *   newHandshake         sent data, heard nothing (KEEPALIVE + REKEY_TIMEOUT + jitter)
 *   zeroKeyMaterial      erase keys 3 × REJECT_AFTER_TIME after the last session
 *   persistentKeepalive  user-configured keepalive interval
 * plus two of ours: sessionExpiry ('session.expired') and silence ('peer.silent').
 * This file only arms and cancels (the kernel-named hooks); what happens when
 * a deadline passes is in timer-expiry.ts. Infinity means "not pending".
 */
import {
  KEEPALIVE_TIMEOUT_MS,
  REJECT_AFTER_TIME_MS,
  REKEY_TIMEOUT_MS,
} from '../wire/constants.js';
import type { DeadlineHeap, HeapItem } from './deadline-heap.js';

/** 3 × REJECT_AFTER_TIME (whitepaper §6.3 / kernel wg_expired_zero_key_material). */
export const ZERO_KEY_MATERIAL_MS = 3 * REJECT_AFTER_TIME_MS;

export class PeerTimers<O> implements HeapItem {
  heapIndex = -1;
  heapKey = Infinity;

  retransmitHandshake = Infinity;
  sendKeepalive = Infinity;
  newHandshake = Infinity;
  zeroKeyMaterial = Infinity;
  persistentKeepalive = Infinity;
  sessionExpiry = Infinity;
  silence = Infinity;

  /** Retries of the current handshake attempt (kernel handshake_attempts). */
  handshakeAttempts = 0;
  needAnotherKeepalive = false;
  sentLastMinuteHandshake = false;
  /** Timers are only armed while the peer runs (device up). */
  running = false;
  /** Persistent keepalive interval in ms (0 = off), mirrored from the peer's config. */
  persistentKeepaliveMs = 0;

  constructor(
    readonly owner: O,
    private readonly heap: DeadlineHeap<PeerTimers<O>>,
    /** 0..REKEY_TIMEOUT_JITTER_MAX_MS−1 from the injected Random. */
    private readonly jitter: () => number,
  ) {}

  /** Earliest pending deadline. */
  earliest(): number {
    return Math.min(
      this.retransmitHandshake,
      this.sendKeepalive,
      this.newHandshake,
      this.zeroKeyMaterial,
      this.persistentKeepalive,
      this.sessionExpiry,
      this.silence,
    );
  }

  /** Re-files this peer in the device heap after any deadline changed. */
  sync(): void {
    const e = this.earliest();
    if (e !== this.heapKey || (e !== Infinity && this.heapIndex < 0)) this.heap.update(this, e);
  }

  /** Peer start (kernel wg_timers_init / wireguard-go timersInit + Start). */
  start(): void {
    this.running = true;
    this.handshakeAttempts = 0;
    this.needAnotherKeepalive = false;
    this.sentLastMinuteHandshake = false;
  }

  /** Peer stop: cancel everything (kernel wg_timers_stop). */
  stop(): void {
    this.running = false;
    this.retransmitHandshake = this.sendKeepalive = this.newHandshake = Infinity;
    this.zeroKeyMaterial = this.persistentKeepalive = this.sessionExpiry = this.silence = Infinity;
    this.heap.remove(this);
  }

  // ---- kernel-named hooks (checklist §7.3) ----

  /** A batch with at least one data packet was sent: arm newHandshake unless pending. */
  dataSent(now: number): void {
    if (!this.running || this.newHandshake !== Infinity) return;
    this.newHandshake = now + KEEPALIVE_TIMEOUT_MS + REKEY_TIMEOUT_MS + this.jitter();
    this.sync();
  }

  /** Authenticated data arrived: arm the passive keepalive, or ask for another one. */
  dataReceived(now: number): void {
    if (!this.running) return;
    if (this.sendKeepalive === Infinity) {
      this.sendKeepalive = now + KEEPALIVE_TIMEOUT_MS;
      this.sync();
    } else {
      this.needAnotherKeepalive = true;
    }
  }

  /** Any authenticated packet sent (initiation, response, data, keepalive): cancel the passive keepalive. */
  anyAuthenticatedPacketSent(): void {
    if (this.sendKeepalive === Infinity) return;
    this.sendKeepalive = Infinity;
    this.sync();
  }

  /** Any authenticated packet received: the peer is alive, cancel newHandshake. */
  anyAuthenticatedPacketReceived(): void {
    if (this.newHandshake === Infinity) return;
    this.newHandshake = Infinity;
    this.sync();
  }

  /** An initiation went out: arm the retransmission. */
  handshakeInitiated(now: number): void {
    if (!this.running) return;
    this.retransmitHandshake = now + REKEY_TIMEOUT_MS + this.jitter();
    this.sync();
  }

  /** Key confirmation: stop retransmitting, reset the attempt counters. */
  handshakeComplete(): void {
    this.handshakeAttempts = 0;
    this.sentLastMinuteHandshake = false;
    if (this.retransmitHandshake === Infinity) return;
    this.retransmitHandshake = Infinity;
    this.sync();
  }

  /** A keypair was derived: push key erasure 540 s out. */
  sessionDerived(now: number): void {
    if (!this.running) return;
    this.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_MS;
    this.sync();
  }

  /** Every authenticated send and receive: re-arm the persistent keepalive. */
  anyAuthenticatedPacketTraversal(now: number): void {
    if (!this.running || this.persistentKeepaliveMs <= 0) return;
    this.persistentKeepalive = now + this.persistentKeepaliveMs;
    this.sync();
  }

  // ---- our own deadlines ----

  /** Give-up: arm key erasure unless already pending (wireguard-go expiredRetransmitHandshake). */
  armZeroKeyMaterialIfIdle(now: number): void {
    if (!this.running || this.zeroKeyMaterial !== Infinity) return;
    this.zeroKeyMaterial = now + ZERO_KEY_MATERIAL_MS;
    this.sync();
  }

  /** Cancels the passive keepalive (give-up). */
  cancelSendKeepalive(): void {
    this.anyAuthenticatedPacketSent();
  }

  /** The newest confirmed keypair dies at `at` (its birth + REJECT_AFTER_TIME); Infinity cancels. */
  setSessionExpiry(at: number): void {
    if (!this.running && at !== Infinity) return;
    this.sessionExpiry = at;
    this.sync();
  }

  /** 'peer.silent' deadline; Infinity cancels. */
  setSilence(at: number): void {
    if (!this.running && at !== Infinity) return;
    this.silence = at;
    this.sync();
  }

  /** Cancels zeroKeyMaterial (after it ran). */
  cancelZeroKeyMaterial(): void {
    this.zeroKeyMaterial = Infinity;
    this.sync();
  }

  /** Persistent keepalive configured/changed: cancel if turned off. */
  setPersistentKeepalive(ms: number): void {
    this.persistentKeepaliveMs = ms;
    if (ms <= 0 && this.persistentKeepalive !== Infinity) {
      this.persistentKeepalive = Infinity;
      this.sync();
    }
  }
}
