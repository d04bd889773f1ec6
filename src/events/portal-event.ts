/**
 * The events tswg delivers, in WireGuard Portal's envelope
 * (webhook-research.md §1.4): `{event, entity, identifier, payload}` plus one
 * additive object, `tswg`, holding what wg-portal receivers never asked for
 * but users do (§2 "Patterns"): interface, allowed IPs, name, reason, id,
 * per-peer sequence and session duration. Go decoders ignore unknown keys,
 * so the seed's keys stay intact.
 */

export type PortalEventName = 'create' | 'update' | 'delete' | 'connect' | 'disconnect';
export type PortalEntity = 'peer' | 'interface';

/**
 * Why a connect or disconnect happened (issue 4). `handshake` is the only
 * connect reason; the rest are disconnect reasons:
 * - expired: the newest confirmed keypair passed REJECT_AFTER_TIME (or the
 *   peer went silent past `silence_timeout`, see `detail`)
 * - handshake-failed: our initiations went unanswered past the give-up point
 * - removed: the peer was removed from the configuration
 * - interface-down: the link went down or the interface was deleted
 * - shutdown: the daemon (or the embedding program) stopped
 */
export type PortalReason = 'handshake' | 'expired' | 'handshake-failed' | 'removed' | 'interface-down' | 'shutdown';

/** connect/disconnect payload: exactly wg-portal's flat PeerStatus keys (PR #468). */
export interface PeerStatusPayload {
  readonly PeerId: string;
  readonly IsConnected: boolean;
  readonly IsPingable: boolean;
  readonly LastPing: string | null;
  readonly BytesReceived: number;
  readonly BytesTransmitted: number;
  readonly LastHandshake: string | null;
  readonly Endpoint: string;
  readonly LastSessionStart: string | null;
}

/** create/update/delete payload for a peer: public configuration only, never a key other than the public one. */
export interface PeerConfigPayload {
  readonly Identifier: string;
  readonly PublicKey: string;
  readonly InterfaceIdentifier: string;
  readonly DisplayName: string;
  readonly Endpoint: string;
  readonly AllowedIPs: readonly string[];
  readonly PersistentKeepalive: number;
  /** Whether a preshared key is configured; the key itself is never sent. */
  readonly HasPresharedKey: boolean;
}

/** create/update/delete payload for an interface: public configuration only. */
export interface InterfaceConfigPayload {
  readonly Identifier: string;
  readonly PublicKey: string;
  readonly ListenPort: number;
  readonly FirewallMark: number;
  readonly PeerCount: number;
}

/** The additive extras object (envelope key `tswg`). */
export interface PortalExtras {
  /** Sortable unique id (ULID); equals the `webhook-id` header and never changes across retries/restarts. */
  readonly eventId: string;
  /** Per ordering key (peer or interface) sequence number, 1, 2, 3, … */
  readonly sequence: number;
  readonly interface: string;
  /** RFC 3339 time of the protocol fact (for a disconnect: when the session was lost, before the grace). */
  readonly occurredAt: string;
  /** RFC 3339 time the event was emitted. */
  readonly emittedAt: string;
  readonly peerName?: string;
  readonly allowedIps?: readonly string[];
  readonly reason?: PortalReason;
  /** Extra detail for a reason, e.g. "silent" for a silence-detected loss. */
  readonly detail?: string;
  /** disconnect only: seconds from the connect to the loss. */
  readonly sessionDurationSeconds?: number;
  /** update only: names of the changed fields (names, never values). */
  readonly changes?: readonly string[];
}

export interface PortalEnvelope {
  readonly event: PortalEventName;
  readonly entity: PortalEntity;
  /** Peer: base64 public key. Interface: interface name. */
  readonly identifier: string;
  readonly payload: PeerStatusPayload | PeerConfigPayload | InterfaceConfigPayload;
  readonly tswg: PortalExtras;
}

/** One event as handed to listeners and to the outbox. */
export interface PortalEvent {
  readonly id: string;
  /** Ordering key: peer public key (base64) or `interface:<name>`. */
  readonly key: string;
  readonly envelope: PortalEnvelope;
}

/** RFC 3339 in UTC with milliseconds (valid for any RFC 3339 parser, §1.6). */
export function rfc3339(wallMs: number): string {
  return new Date(wallMs).toISOString();
}

/** RFC 3339, or null when the time is unknown (0). */
export function rfc3339OrNull(wallMs: number): string | null {
  return wallMs > 0 ? rfc3339(wallMs) : null;
}
