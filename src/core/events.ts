/**
 * Typed state transitions that leave the core (design.md "Events").
 *
 * These are facts about the protocol, past tense, emitted at the moment the
 * state machine makes them true. Connect/disconnect with a grace period,
 * webhooks and filters are built on top of them in src/events; the core
 * itself knows nothing about HTTP or debouncing.
 *
 * Every event carries `at` (wall-clock ms, from the injected Clock) and, for
 * peer events, a PeerStatus snapshot taken at that moment (never any secret).
 */
import type { Endpoint } from './endpoint.js';
import type { PeerStatus } from './config.js';

/** Fields that the interface-level view may carry (no private key). */
export interface InterfaceStatus {
  readonly publicKey: Uint8Array | null;
  readonly listenPort: number;
  readonly fwmark: number;
  readonly peerCount: number;
}

export type DeviceEvent =
  /** A peer section created a peer (UAPI set / config). */
  | { readonly type: 'peer.created'; readonly at: number; readonly peer: PeerStatus }
  /** A peer's public configuration changed; `changes` names the fields (e.g. 'endpoint', 'allowedIps', 'presharedKey'). */
  | { readonly type: 'peer.updated'; readonly at: number; readonly peer: PeerStatus; readonly changes: readonly string[] }
  /** A peer was removed (`remove=true`, `replace_peers`, or its key became our own). Emitted after its session is torn down. */
  | { readonly type: 'peer.removed'; readonly at: number; readonly peer: PeerStatus; readonly wasConnected: boolean }
  /** Interface-level configuration changed (private key, listen port, fwmark). */
  | { readonly type: 'interface.updated'; readonly at: number; readonly iface: InterfaceStatus; readonly changes: readonly string[] }
  /** The device went up (link up) or down (link down); down stops every peer. */
  | { readonly type: 'interface.up'; readonly at: number; readonly iface: InterfaceStatus }
  | { readonly type: 'interface.down'; readonly at: number; readonly iface: InterfaceStatus }
  /** We sent a handshake initiation (first attempt or retry). */
  | { readonly type: 'handshake.initiated'; readonly at: number; readonly peer: PeerStatus; readonly isRetry: boolean }
  /**
   * Key confirmation (whitepaper §5.4.6 / §6.1): initiator consumed a response, or responder received the first
   * authenticated transport packet under the new keypair. Emitted on every handshake, rekeys included;
   * `isFirst` is true when the peer had no usable confirmed session before (i.e. it was down).
   */
  | {
      readonly type: 'session.confirmed';
      readonly at: number;
      readonly peer: PeerStatus;
      readonly isInitiator: boolean;
      readonly isFirst: boolean;
    }
  /** The newest confirmed keypair passed REJECT_AFTER_TIME with no replacement: no usable session remains. */
  | { readonly type: 'session.expired'; readonly at: number; readonly peer: PeerStatus }
  /** Retransmissions reached the give-up point (MAX_TIMER_HANDSHAKES) without a response. */
  | { readonly type: 'handshake.gave-up'; readonly at: number; readonly peer: PeerStatus; readonly attempts: number }
  /** All key material was erased (3 × REJECT_AFTER_TIME after the last session, or on give-up). */
  | { readonly type: 'keys.zeroed'; readonly at: number; readonly peer: PeerStatus }
  /** Roaming: an authenticated packet came from a new outer address. */
  | {
      readonly type: 'endpoint.changed';
      readonly at: number;
      readonly peer: PeerStatus;
      readonly endpoint: Endpoint;
      readonly previous: Endpoint | null;
    }
  /**
   * Optional fast loss detection: a peer with persistent keepalive on and a confirmed session sent nothing
   * authenticated for longer than DeviceOptions.silenceTimeoutMs.
   */
  | { readonly type: 'peer.silent'; readonly at: number; readonly peer: PeerStatus; readonly silentForMs: number };

export type DeviceEventType = DeviceEvent['type'];
