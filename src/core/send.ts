/**
 * The sending half of a peer (wireguard-go send.go; whitepaper §5.4, §6):
 * handshake initiation and response, transport data, keepalives, the staged
 * queue flush and the keep-key-fresh rule on send. Hook calls follow the
 * kernel order listed in protocol-checklist §7.3:
 *   initiation: Traversal → AnyAuthenticatedPacketSent → transmit → HandshakeInitiated
 *   response:   derive → SessionDerived → Traversal → AnyAuthenticatedPacketSent → transmit
 *   data:       Traversal → AnyAuthenticatedPacketSent → transmit → DataSent → keepKeyFreshSending
 */
import { REKEY_AFTER_TIME_MS, REKEY_TIMEOUT_MS } from '../wire/constants.js';
import { createInitiation, createResponse } from './handshake.js';
import { deriveSession } from './session-keys.js';
import { Keypair } from './keypair.js';
import type { Peer } from './peer.js';

/** The empty plaintext of a keepalive (whitepaper §6.5); sealing copies it, so sharing is safe. */
const KEEPALIVE = new Uint8Array(0);

/**
 * Sends an initiation unless one (or a response) went out less than
 * REKEY_TIMEOUT ago (whitepaper §6.2). A retry keeps the attempt counter.
 */
export function sendHandshakeInitiation(peer: Peer, now: number, isRetry: boolean): void {
  const t = peer.timers;
  if (!isRetry) t.handshakeAttempts = 0;
  if (now - peer.lastSentHandshake < REKEY_TIMEOUT_MS) return;
  const ctx = peer.ctx;
  const local = ctx.local;
  if (local === null || peer.keys.staticStatic === null) return;
  peer.lastSentHandshake = now;
  peer.freeHandshakeIndex();
  const idx = ctx.index.allocate(peer.handshakeEntry);
  const msg = createInitiation(ctx.crypto, local, peer.keys, peer.handshake, idx, ctx.clock.wallNow(), ctx.random);
  if (msg === null) {
    ctx.index.free(idx);
    return;
  }
  peer.handshakeIndex = idx;
  peer.cookies.addMacs(msg);
  t.anyAuthenticatedPacketTraversal(now);
  t.anyAuthenticatedPacketSent();
  const sent = peer.transmit(msg);
  t.handshakeInitiated(now);
  if (sent) {
    ctx.effects.emit({ type: 'handshake.initiated', at: ctx.clock.wallNow(), peer: peer.status(), isRetry });
  }
}

/**
 * Answers a just-committed initiation (whitepaper §5.4.3): new index, derive
 * the keypair into `next` (responder may not send on it yet), transmit.
 * Returns false if the response could not be created.
 */
export function sendHandshakeResponse(peer: Peer, now: number): boolean {
  const ctx = peer.ctx;
  const local = ctx.local;
  if (local === null) return false;
  peer.lastSentHandshake = now;
  peer.freeHandshakeIndex();
  const idx = ctx.index.allocate(peer.handshakeEntry);
  const msg = createResponse(ctx.crypto, local, peer.keys, peer.handshake, idx, ctx.random);
  const keys = msg === null ? null : deriveSession(ctx.crypto, peer.handshake);
  if (msg === null || keys === null) {
    ctx.index.free(idx);
    peer.handshake.clear();
    return false;
  }
  const kp = new Keypair(keys, now);
  ctx.index.set(idx, { peer, keypair: kp });
  peer.keypairs.installAsResponder(kp);
  const t = peer.timers;
  t.sessionDerived(now);
  peer.cookies.addMacs(msg);
  t.anyAuthenticatedPacketTraversal(now);
  t.anyAuthenticatedPacketSent();
  peer.transmit(msg);
  return true;
}

/** wireguard-go SendKeepalive: an empty packet, unless staged data already serves as one. */
export function sendKeepalive(peer: Peer, now: number): void {
  if (peer.staged.length === 0 && peer.timers.running) peer.staged.push(KEEPALIVE);
  sendStagedPackets(peer, now);
}

/**
 * An IP packet routed to this peer. Fast path: nothing staged and a usable
 * current keypair → seal and transmit at once, without copying it into the
 * queue. Otherwise stage a copy (the caller's buffer is not retained) and flush.
 */
export function sendDataPacket(peer: Peer, packet: Uint8Array, now: number): void {
  const kp = peer.keypairs.current;
  if (peer.staged.length === 0 && peer.isUsable(kp, now)) {
    const datagram = kp.seal(peer.ctx.crypto, packet, peer.ctx.mtu)!;
    const t = peer.timers;
    t.anyAuthenticatedPacketTraversal(now);
    t.anyAuthenticatedPacketSent();
    peer.transmit(datagram);
    t.dataSent(now);
    keepKeyFreshSending(peer, now);
    return;
  }
  if (peer.staged.push(packet.slice())) peer.ctx.drops['staged-overflow']++;
  sendStagedPackets(peer, now);
}

/**
 * Flushes the staged queue under `current`, or starts a handshake when there
 * is no usable keypair (checklist §7.4). A counter that hits
 * REJECT_AFTER_MESSAGES mid-flush re-stages the packet and initiates.
 */
export function sendStagedPackets(peer: Peer, now: number): void {
  if (peer.staged.length === 0 || !peer.timers.running) return;
  const kp = peer.keypairs.current;
  if (!peer.isUsable(kp, now)) {
    sendHandshakeInitiation(peer, now, false);
    return;
  }
  const ctx = peer.ctx;
  const t = peer.timers;
  let sentAny = false;
  let sentData = false;
  for (;;) {
    const packet = peer.staged.shift();
    if (packet === undefined) break;
    const datagram = kp.seal(ctx.crypto, packet, ctx.mtu);
    if (datagram === null) {
      peer.staged.unshift(packet);
      sendHandshakeInitiation(peer, now, false);
      break;
    }
    if (!sentAny) {
      sentAny = true;
      t.anyAuthenticatedPacketTraversal(now);
      t.anyAuthenticatedPacketSent();
    }
    if (packet.length > 0) sentData = true;
    peer.transmit(datagram);
  }
  if (sentData) t.dataSent(now);
  if (sentAny) keepKeyFreshSending(peer, now);
}

/** Rekey on send: after REKEY_AFTER_MESSAGES, or (initiator only) after REKEY_AFTER_TIME (whitepaper §6.2). */
export function keepKeyFreshSending(peer: Peer, now: number): void {
  const kp = peer.keypairs.current;
  if (kp === null) return;
  if (kp.needsRekeyByMessages || (kp.isInitiator && now - kp.birth > REKEY_AFTER_TIME_MS)) {
    sendHandshakeInitiation(peer, now, false);
  }
}
