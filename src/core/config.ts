/**
 * Configuration values the core understands, and the shape of a change.
 *
 * A ConfigDelta is what a whole UAPI `set=1` request (or a config file) means
 * once parsed: the parser in src/uapi builds it completely before anything is
 * applied, and Device.apply() applies it in one step, so a bad line changes
 * nothing (unlike wireguard-go, which applies line by line).
 */
import type { Endpoint } from './endpoint.js';

/** A CIDR prefix with host bits cleared: ip is 4 (IPv4) or 16 (IPv6) bytes. */
export interface AllowedIp {
  readonly ip: Uint8Array;
  readonly cidr: number;
}

/** One change to a peer's allowed IPs, in request order. */
export interface AllowedIpChange extends AllowedIp {
  /** true = add (`allowed_ip=p`), false = remove (`allowed_ip=-p`). */
  readonly add: boolean;
}

/** The changes for one peer section (keys of the UAPI peer section). */
export interface PeerDelta {
  /** 32-byte Curve25519 public key naming the peer. */
  readonly publicKey: Uint8Array;
  /** `remove=true`: delete the peer (other keys in the section are ignored). */
  readonly remove?: boolean;
  /** `update_only=true`: only modify an existing peer; never create one. */
  readonly updateOnly?: boolean;
  /** 32 bytes; null (or all-zero on the wire) means "no preshared key". */
  readonly presharedKey?: Uint8Array | null;
  readonly endpoint?: Endpoint;
  /** Seconds, 0 = off, 1..65535. */
  readonly persistentKeepalive?: number;
  /** `replace_allowed_ips=true`: drop existing allowed IPs before `allowedIps` are applied. */
  readonly replaceAllowedIps?: boolean;
  readonly allowedIps?: readonly AllowedIpChange[];
}

/** A whole `set` request. Device keys first, then peer sections in order. */
export interface ConfigDelta {
  /** 32 bytes, or null to remove the key (all-zero on the wire). */
  readonly privateKey?: Uint8Array | null;
  /** 0 = choose a random port. The runtime binds before the delta is applied. */
  readonly listenPort?: number;
  /** 0 = remove the mark. */
  readonly fwmark?: number;
  /** `replace_peers=true`: remove every peer before the peer sections. */
  readonly replacePeers?: boolean;
  readonly peers: readonly PeerDelta[];
}

/** What may be shown about a peer anywhere (events, logs): no secrets. */
export interface PeerStatus {
  readonly publicKey: Uint8Array;
  readonly hasPresharedKey: boolean;
  /** Current endpoint (configured, or learned by roaming); null if unknown. */
  readonly endpoint: Endpoint | null;
  readonly persistentKeepalive: number;
  readonly allowedIps: readonly AllowedIp[];
  /** Wall-clock ms of the last completed handshake, 0 if none (UAPI last_handshake_time). */
  readonly lastHandshakeWallMs: number;
  /** Wall-clock ms when the current confirmed session series began (first connect), 0 if not connected. */
  readonly sessionStartWallMs: number;
  /** Bytes of UDP payload received from / sent to this peer, wireguard-go's meaning. */
  readonly rxBytes: number;
  readonly txBytes: number;
}

/** A peer as UAPI `get` reports it (includes the preshared key: UAPI is root-only). */
export interface PeerSnapshot extends PeerStatus {
  /** 32 bytes, or null when no preshared key is set. */
  readonly presharedKey: Uint8Array | null;
}

/** The device as UAPI `get` reports it. */
export interface DeviceSnapshot {
  readonly privateKey: Uint8Array | null;
  readonly publicKey: Uint8Array | null;
  readonly listenPort: number;
  readonly fwmark: number;
  readonly peers: readonly PeerSnapshot[];
}
