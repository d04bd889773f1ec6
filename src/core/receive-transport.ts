/**
 * Receiving a transport message (whitepaper §5.4.6; wireguard-go receive.go;
 * checklist §5, §8): receiver index → keypair, age check, decrypt, replay
 * check AFTER decryption, key confirmation for a `next` keypair, roaming,
 * keep-key-fresh on receive, then the inner packet: trim padding by the IP
 * length and check the source against the peer's allowed IPs (cryptokey
 * routing). Never throws; every rejection is a counted drop.
 */
import {
  KEEPALIVE_TIMEOUT_MS,
  REJECT_AFTER_TIME_MS,
  REKEY_TIMEOUT_MS,
} from '../wire/constants.js';
import { innerPacketLength, sourceAddress } from '../wire/ip-packet.js';
import { readU32LE } from '../wire/messages.js';
import type { Endpoint } from './endpoint.js';
import type { Peer, PeerContext } from './peer.js';
import { sendHandshakeInitiation, sendStagedPackets } from './send.js';

/** Initiator rekey on receive at REJECT_AFTER_TIME − KEEPALIVE − REKEY_TIMEOUT = 165 s (whitepaper §6.2). */
const REKEY_ON_RECEIVE_AGE_MS = REJECT_AFTER_TIME_MS - KEEPALIVE_TIMEOUT_MS - REKEY_TIMEOUT_MS;

/** `datagram` is a classified transport message (≥ 32 bytes, reserved bytes zero). */
export function receiveTransport(ctx: PeerContext, datagram: Uint8Array, from: Endpoint, now: number): void {
  const drops = ctx.drops;
  const idx = readU32LE(datagram, 4);
  const entry = ctx.index.get(idx);
  if (entry === undefined || entry.keypair === null) {
    drops['unknown-index']++;
    return;
  }
  const kp = entry.keypair;
  const peer = entry.peer;
  if (now - kp.birth >= REJECT_AFTER_TIME_MS) {
    drops['keypair-expired']++;
    return;
  }
  const plain = kp.open(ctx.crypto, datagram);
  if (plain === null) {
    drops['transport-decrypt']++;
    return;
  }
  // Counter halves straight from the header (bytes 8–15, little-endian).
  if (!kp.replay.validateHalves(readU32LE(datagram, 12), readU32LE(datagram, 8))) {
    drops['replayed-counter']++;
    return;
  }
  // Authenticated from here on.
  const t = peer.timers;
  if (peer.keypairs.confirm(kp)) {
    // Responder key confirmation (whitepaper §5.4.6): the new keypair may now send.
    peer.roam(from);
    peer.confirmSession(kp, now);
    sendStagedPackets(peer, now);
  }
  peer.rxBytes += datagram.length;
  peer.roam(from);
  keepKeyFreshReceiving(peer, now);
  t.anyAuthenticatedPacketTraversal(now);
  t.anyAuthenticatedPacketReceived();
  peer.lastAuthenticatedReceive = now;
  peer.armSilence(now);
  if (plain.length === 0) return; // keepalive

  const len = innerPacketLength(plain);
  const src = len < 0 ? null : sourceAddress(plain);
  if (src === null) {
    drops['bad-inner-packet']++;
    return;
  }
  if (ctx.allowedIps.lookup(plain, src.offset, src.length) !== peer) {
    drops['disallowed-source']++;
    return;
  }
  t.dataReceived(now);
  ctx.effects.deliver(len === plain.length ? plain : plain.subarray(0, len));
}

/**
 * If we initiated `current` and it is close to REJECT_AFTER_TIME, start a new
 * handshake once per session, so a receive-only flow never loses its keys.
 */
function keepKeyFreshReceiving(peer: Peer, now: number): void {
  const t = peer.timers;
  if (t.sentLastMinuteHandshake) return;
  const kp = peer.keypairs.current;
  if (kp !== null && kp.isInitiator && now - kp.birth > REKEY_ON_RECEIVE_AGE_MS) {
    t.sentLastMinuteHandshake = true;
    sendHandshakeInitiation(peer, now, false);
  }
}
