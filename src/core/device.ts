/**
 * The device: one WireGuard interface's whole protocol state (identity,
 * peers, cryptokey routing, index table, cookies, timers), sans-IO.
 *
 * CONTRACT (the runtime, UAPI and events layers are written against it; the
 * implementation fills in the bodies):
 * - Entry points: receiveDatagram (UDP in), sendPacket (TUN in), tick (timers
 *   due), apply (config change), setUp (link state). Each reads the clock once,
 *   does its work synchronously and reports through the Effects sink.
 * - Nothing here throws on network input; drops are counted in `drops`.
 * - nextDeadline() is the earliest pending timer (monotonic ms) or undefined;
 *   the runtime keeps one setTimeout armed there and calls tick().
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Clock, Random } from '../util/ports.js';
import type { Effects, DropCounters } from './effects.js';
import type { Endpoint } from './endpoint.js';
import type { ConfigDelta, DeviceSnapshot, PeerStatus } from './config.js';

export interface DeviceOptions {
  readonly crypto: CryptoProvider;
  readonly clock: Clock;
  readonly random: Random;
  readonly effects: Effects;
  /** Tunnel MTU used to cap transport padding (default 1420). */
  readonly mtu?: number;
  /** Handshake backlog at which the device is "under load" (default 128, wireguard-go's 1024/8). */
  readonly underLoadBacklog?: number;
  /** If > 0: emit 'peer.silent' when a peer with persistent keepalive is silent this long (ms). */
  readonly silenceTimeoutMs?: number;
}

export declare class Device {
  constructor(opts: DeviceOptions);
  /** Drop counters by reason. */
  readonly drops: DropCounters;
  /** Our public key, or null without a private key. */
  readonly publicKey: Uint8Array | null;
  /** True between setUp(true) and setUp(false). */
  readonly isUp: boolean;
  /** A UDP datagram arrived from `from`. */
  receiveDatagram(datagram: Uint8Array, from: Endpoint): void;
  /** An IP packet was read from the TUN device. */
  sendPacket(ipPacket: Uint8Array): void;
  /** Runs every timer whose deadline is ≤ clock.now(). */
  tick(): void;
  /** Earliest pending timer deadline (monotonic ms), or undefined when nothing is pending. */
  nextDeadline(): number | undefined;
  /**
   * Applies a whole parsed change atomically. Returns an error message if the
   * delta is invalid as a whole (then nothing was changed), else null.
   */
  apply(delta: ConfigDelta): string | null;
  /** Link state: up starts peers (persistent keepalives go out), down stops every timer and clears sessions. */
  setUp(up: boolean): void;
  /** The runtime's handshake queue length; the device is under load at ≥ underLoadBacklog and for 1 s after. */
  setHandshakeBacklog(n: number): void;
  /** Tunnel MTU changed (padding cap). */
  setMtu(mtu: number): void;
  /** Everything UAPI get reports, in wireguard-go order (peers in creation order). */
  snapshot(): DeviceSnapshot;
  /** One peer's public status, or undefined. */
  peerStatus(publicKey: Uint8Array): PeerStatus | undefined;
  /** Listen port and fwmark are owned by the runtime but reported by the device. */
  setListenPort(port: number): void;
}
