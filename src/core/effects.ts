/**
 * What the core asks the outside world to do (design.md "Layers").
 *
 * The core never performs I/O. Each entry point (receiveDatagram, sendPacket,
 * tick, apply, setUp) calls these methods synchronously, in order, on the sink
 * it was given. A test sink collects them into arrays; the runtime performs
 * them. Ownership of every byte array passes to the sink: the core never
 * touches it again.
 */
import type { Endpoint } from './endpoint.js';
import type { DeviceEvent } from './events.js';

export interface Effects {
  /** Send one UDP datagram to a peer's endpoint. */
  transmit(to: Endpoint, datagram: Uint8Array): void;
  /** Write one decrypted, source-checked IP packet to the TUN device. */
  deliver(ipPacket: Uint8Array): void;
  /** Publish a state transition. */
  emit(event: DeviceEvent): void;
}

/**
 * Why a packet was dropped. Every drop is counted (Device.drops) and nothing
 * is ever sent in reply to an invalid packet (whitepaper §5.3).
 */
export const DROP_REASONS = [
  'unknown-type', // first byte not 1..4, or reserved bytes non-zero
  'bad-length', // handshake message not its exact size, transport shorter than 32
  'bad-mac1',
  'bad-mac2', // under load without a valid cookie: a cookie reply was sent instead
  'rate-limited', // under load, source exceeded its handshake budget
  'handshake-decrypt', // initiation/response failed AEAD, unknown static key, or low-order point
  'unknown-peer',
  'replayed-timestamp', // initiation timestamp not newer than the last accepted one
  'initiation-flood', // initiations from one peer faster than 50/s
  'unknown-index', // receiver index maps to nothing (or to the wrong kind of entry)
  'unexpected-response', // response for a handshake not in "initiation created"
  'cookie-decrypt', // cookie reply did not authenticate
  'keypair-expired', // transport under a keypair older than REJECT_AFTER_TIME / out of messages
  'transport-decrypt', // transport AEAD failed
  'replayed-counter', // replay window rejected the counter
  'bad-inner-packet', // decrypted packet is not a well-formed IPv4/IPv6 packet
  'disallowed-source', // inner source address not in the peer's allowed IPs
  'no-route', // outgoing packet: no peer for the destination (cryptokey routing)
  'no-endpoint', // outgoing packet: peer has no endpoint yet
  'staged-overflow', // staged queue full: oldest packet dropped
  'interface-down', // packet arrived while the device is down or has no private key
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounters = Record<DropReason, number>;

export function newDropCounters(): DropCounters {
  const c = {} as DropCounters;
  for (const r of DROP_REASONS) c[r] = 0;
  return c;
}
