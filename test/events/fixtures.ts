// Synthetic core events for driving the event layer without a device.
import type { PeerStatus } from '../../src/core/config.js';
import type { DeviceEvent, InterfaceStatus } from '../../src/core/events.js';
import type { Endpoint } from '../../src/core/endpoint.js';
import { toBase64 } from '../../src/util/bytes.js';

/** A deterministic 32-byte "public key" for peer n. */
export function peerKey(n: number): Uint8Array {
  const k = new Uint8Array(32);
  for (let i = 0; i < 32; i++) k[i] = (n * 31 + i * 7 + 1) & 0xff;
  k[0] = n & 0xff;
  k[1] = (n >> 8) & 0xff;
  return k;
}

export function peerId(n: number): string {
  return toBase64(peerKey(n));
}

export function peer(n: number, over: Partial<PeerStatus> = {}): PeerStatus {
  return {
    publicKey: peerKey(n),
    hasPresharedKey: false,
    endpoint: { address: '198.18.0.2', port: 51820 + (n % 1000) },
    persistentKeepalive: 25,
    allowedIps: [{ ip: new Uint8Array([10, 0, (n >> 8) & 0xff, n & 0xff]), cidr: 32 }],
    lastHandshakeWallMs: 0,
    sessionStartWallMs: 0,
    rxBytes: 0,
    txBytes: 0,
    ...over,
  };
}

export const IFACE: InterfaceStatus = { publicKey: new Uint8Array(32).fill(9), listenPort: 51820, fwmark: 0, peerCount: 1 };

export function created(n: number, at: number): DeviceEvent {
  return { type: 'peer.created', at, peer: peer(n) };
}
export function updated(n: number, at: number, changes: string[] = ['endpoint'], over: Partial<PeerStatus> = {}): DeviceEvent {
  return { type: 'peer.updated', at, peer: peer(n, over), changes };
}
export function confirmed(n: number, at: number, isFirst = false, over: Partial<PeerStatus> = {}): DeviceEvent {
  return {
    type: 'session.confirmed',
    at,
    peer: peer(n, { lastHandshakeWallMs: at, sessionStartWallMs: at, rxBytes: 148, txBytes: 92, ...over }),
    isInitiator: true,
    isFirst,
  };
}
export function expired(n: number, at: number, over: Partial<PeerStatus> = {}): DeviceEvent {
  return { type: 'session.expired', at, peer: peer(n, over) };
}
export function gaveUp(n: number, at: number): DeviceEvent {
  return { type: 'handshake.gave-up', at, peer: peer(n), attempts: 20 };
}
export function silent(n: number, at: number): DeviceEvent {
  return { type: 'peer.silent', at, peer: peer(n), silentForMs: 40_000 };
}
export function removed(n: number, at: number, wasConnected = true): DeviceEvent {
  return { type: 'peer.removed', at, peer: peer(n), wasConnected };
}
export function roamed(n: number, at: number, endpoint: Endpoint): DeviceEvent {
  return { type: 'endpoint.changed', at, peer: peer(n, { endpoint }), endpoint, previous: null };
}
