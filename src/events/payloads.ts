/**
 * Payload builders: DeviceEvent snapshots → wg-portal-shaped JSON objects.
 *
 * connect/disconnect use wg-portal's flat PeerStatus keys exactly
 * (webhook-research.md §1.1, PR #468) and create/update/delete carry the
 * public configuration only. wg-portal sends PrivateKey/PresharedKey in clear
 * text (§1.9); we never do: the inputs (PeerStatus, InterfaceStatus) hold no
 * secrets, and these builders copy named fields only.
 */
import type { PeerStatus } from '../core/config.js';
import { formatEndpoint } from '../core/endpoint.js';
import type { InterfaceStatus } from '../core/events.js';
import { toBase64 } from '../util/bytes.js';
import { formatPrefix } from '../util/ip.js';
import {
  rfc3339OrNull,
  type InterfaceConfigPayload,
  type PeerConfigPayload,
  type PeerStatusPayload,
} from './portal-event.js';

/** Probe results for IsPingable/LastPing (only when an in-tunnel probe runs). */
export interface ProbeState {
  readonly pingable: boolean;
  /** Wall ms of the last successful probe reply, 0 if none. */
  readonly lastPingWallMs: number;
}

export function allowedIpStrings(peer: PeerStatus): string[] {
  return peer.allowedIps.map((p) => formatPrefix(p));
}

/**
 * The connect/disconnect payload. `sessionStartWallMs` is the tracker's
 * record of when this connection began (the core clears its own after loss).
 */
export function peerStatusPayload(
  peer: PeerStatus,
  connected: boolean,
  sessionStartWallMs: number,
  probe: ProbeState | undefined,
): PeerStatusPayload {
  return {
    PeerId: toBase64(peer.publicKey),
    IsConnected: connected,
    IsPingable: probe?.pingable ?? false,
    LastPing: probe ? rfc3339OrNull(probe.lastPingWallMs) : null,
    BytesReceived: peer.rxBytes,
    BytesTransmitted: peer.txBytes,
    LastHandshake: rfc3339OrNull(peer.lastHandshakeWallMs),
    Endpoint: peer.endpoint ? formatEndpoint(peer.endpoint) : '',
    LastSessionStart: rfc3339OrNull(sessionStartWallMs),
  };
}

export function peerConfigPayload(peer: PeerStatus, ifname: string, name: string | undefined): PeerConfigPayload {
  const key = toBase64(peer.publicKey);
  return {
    Identifier: key,
    PublicKey: key,
    InterfaceIdentifier: ifname,
    DisplayName: name ?? '',
    Endpoint: peer.endpoint ? formatEndpoint(peer.endpoint) : '',
    AllowedIPs: allowedIpStrings(peer),
    PersistentKeepalive: peer.persistentKeepalive,
    HasPresharedKey: peer.hasPresharedKey,
  };
}

export function interfaceConfigPayload(iface: InterfaceStatus, ifname: string): InterfaceConfigPayload {
  return {
    Identifier: ifname,
    PublicKey: iface.publicKey ? toBase64(iface.publicKey) : '',
    ListenPort: iface.listenPort,
    FirewallMark: iface.fwmark,
    PeerCount: iface.peerCount,
  };
}
