/**
 * What happens when a peer's deadline passes (kernel timers.c wg_expired_*,
 * wireguard-go timers.go expired*; whitepaper §6.2–§6.4), plus our two
 * event deadlines. Device.tick() calls runDueTimers for each due peer.
 */
import { KEEPALIVE_TIMEOUT_MS, MAX_TIMER_HANDSHAKES } from '../wire/constants.js';
import type { Peer } from './peer.js';
import { sendHandshakeInitiation, sendKeepalive } from './send.js';

/** Runs every timer of `peer` whose deadline is ≤ now, in the kernel's order. */
export function runDueTimers(peer: Peer, now: number): void {
  const t = peer.timers;
  if (t.retransmitHandshake <= now) {
    t.retransmitHandshake = Infinity;
    expiredRetransmitHandshake(peer, now);
  }
  if (t.sendKeepalive <= now) {
    t.sendKeepalive = Infinity;
    expiredSendKeepalive(peer, now);
  }
  if (t.newHandshake <= now) {
    t.newHandshake = Infinity;
    // wireguard-go expiredNewHandshake: clear the sticky source, initiate afresh.
    sendHandshakeInitiation(peer, now, false);
  }
  if (t.zeroKeyMaterial <= now) {
    t.zeroKeyMaterial = Infinity;
    expiredZeroKeyMaterial(peer);
  }
  if (t.persistentKeepalive <= now) {
    t.persistentKeepalive = Infinity;
    if (t.persistentKeepaliveMs > 0) sendKeepalive(peer, now);
  }
  if (t.sessionExpiry <= now) {
    t.sessionExpiry = Infinity;
    expiredSession(peer);
  }
  if (t.silence <= now) {
    t.silence = Infinity;
    const ctx = peer.ctx;
    ctx.effects.emit({
      type: 'peer.silent',
      at: ctx.clock.wallNow(),
      peer: peer.status(),
      silentForMs: now - peer.lastAuthenticatedReceive,
    });
  }
  t.sync();
}

/** Retry the initiation, or give up after MAX_TIMER_HANDSHAKES retries (20 initiations in all). */
function expiredRetransmitHandshake(peer: Peer, now: number): void {
  const t = peer.timers;
  if (t.handshakeAttempts > MAX_TIMER_HANDSHAKES) {
    t.cancelSendKeepalive();
    peer.staged.clear();
    t.armZeroKeyMaterialIfIdle(now);
    const ctx = peer.ctx;
    peer.markDisconnected();
    ctx.effects.emit({
      type: 'handshake.gave-up',
      at: ctx.clock.wallNow(),
      peer: peer.status(),
      attempts: t.handshakeAttempts + 1,
    });
    return;
  }
  t.handshakeAttempts++;
  sendHandshakeInitiation(peer, now, true);
}

function expiredSendKeepalive(peer: Peer, now: number): void {
  sendKeepalive(peer, now);
  const t = peer.timers;
  if (t.needAnotherKeepalive) {
    t.needAnotherKeepalive = false;
    if (t.running) {
      t.sendKeepalive = now + KEEPALIVE_TIMEOUT_MS;
      t.sync();
    }
  }
}

/** 3 × REJECT_AFTER_TIME after the last session: erase everything (whitepaper §6.3). */
function expiredZeroKeyMaterial(peer: Peer): void {
  peer.zeroAndFlushAll();
  peer.markDisconnected();
  const ctx = peer.ctx;
  ctx.effects.emit({ type: 'keys.zeroed', at: ctx.clock.wallNow(), peer: peer.status() });
}

/** The newest confirmed keypair reached REJECT_AFTER_TIME without a newer confirmed one. */
function expiredSession(peer: Peer): void {
  peer.markDisconnected();
  const ctx = peer.ctx;
  ctx.effects.emit({ type: 'session.expired', at: ctx.clock.wallNow(), peer: peer.status() });
}
