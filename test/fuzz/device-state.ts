// A cheap, exhaustive fingerprint of everything an unauthenticated datagram
// must not change in a Device (issue 6 "unauthenticated input changes no
// peer state"): per peer the endpoint, byte counters, last handshake, the
// handshake state machine (state, indices, chaining key, timestamp), every
// keypair slot (identity, indices, send counter, key presence), the cookie
// generator, all timer deadlines; per device the peer count, index-table
// size and next deadline. Drop counters are compared separately.
import type { Device } from '../../src/core/device.js';
import type { Keypair } from '../../src/core/keypair.js';
import type { Peer, PeerContext } from '../../src/core/peer.js';
import { isAllZero, toHex } from '../../src/util/bytes.js';
import { DROP_REASONS, type DropCounters } from '../../src/core/effects.js';

function kp(k: Keypair | null): string {
  if (k === null) return '-';
  return `${k.localIndex}/${k.remoteIndex}/${k.sendCounter}/${isAllZero(k.sendKey) ? 'wiped' : 'key'}/${isAllZero(k.receiveKey) ? 'wiped' : 'key'}`;
}

function hx(b: Uint8Array | null | undefined): string {
  return b ? toHex(b) : '-';
}

export function peerFingerprint(p: Peer): string {
  const h = p.handshake;
  const t = p.timers;
  const e = p.endpoint;
  // Private fields read with bracket access: a test-only view of the cookie state.
  const cookie = hx(p.cookies['cookie']) + hx(p.cookies['lastMac1']);
  return [
    e ? `${e.address}:${e.port}` : '-',
    p.rxBytes,
    p.txBytes,
    p.lastHandshakeWallMs,
    p.sessionStartWallMs,
    p.isConnected,
    p.lastAuthenticatedReceive,
    p.lastSentHandshake,
    p.handshakeIndex,
    p.staged.length,
    h.state,
    h.localIndex,
    h.remoteIndex,
    hx(h.lastTimestamp),
    h.lastInitiationConsumedAt,
    hx(h.chainingKey),
    hx(h.hash),
    kp(p.keypairs.previous),
    kp(p.keypairs.current),
    kp(p.keypairs.next),
    cookie,
    t.retransmitHandshake,
    t.sendKeepalive,
    t.newHandshake,
    t.zeroKeyMaterial,
    t.persistentKeepalive,
    t.sessionExpiry,
    t.silence,
    t.handshakeAttempts,
    t.needAnotherKeepalive,
    t.sentLastMinuteHandshake,
  ].join('|');
}

export function deviceContext(d: Device): PeerContext {
  return d['ctx'];
}

export function deviceFingerprint(d: Device, peers: readonly Peer[]): string {
  const ctx = deviceContext(d);
  return `${d.peerCount}|${ctx.index.size}|${d.nextDeadline()}|${peers.map(peerFingerprint).join('#')}`;
}

export function dropTotal(c: DropCounters): number {
  let n = 0;
  for (const r of DROP_REASONS) n += c[r];
  return n;
}

/** The one reason whose counter differs between two copies, or a description of what is wrong. */
export function dropDelta(before: DropCounters, after: DropCounters): { reason: string | null; problem: string | null } {
  let reason: string | null = null;
  for (const r of DROP_REASONS) {
    const d = after[r] - before[r];
    if (d === 0) continue;
    if (d !== 1 || reason !== null) return { reason: null, problem: `drop counters moved wrongly (${r} by ${d})` };
    reason = r;
  }
  return reason === null ? { reason: null, problem: 'no drop counted' } : { reason, problem: null };
}
