// An in-memory network for sans-IO Device tests: two or more Devices wired
// through their Effects, one FakeClock and one SeededRandom, and a
// discrete-event loop that delivers datagrams and fires device timers in
// time order. Tests control loss, reordering, duplication and capture through
// a per-datagram filter, and can take a node offline (it "vanishes").
import { Device, type DeviceOptions } from '../../src/core/device.js';
import type { Effects } from '../../src/core/effects.js';
import type { Endpoint } from '../../src/core/endpoint.js';
import type { DeviceEvent } from '../../src/core/events.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { selectProvider } from '../../src/crypto/select.js';
import { FakeClock } from './fake-clock.js';
import { SeededRandom } from './seeded-random.js';

export interface Datagram {
  readonly seq: number;
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly data: Uint8Array;
  readonly sentAt: number;
  deliverAt: number;
}

/** What to do with one transmitted datagram. */
export interface FilterAction {
  drop?: boolean;
  /** Extra copies to deliver (duplication). */
  duplicate?: number;
  /** Extra delay in ms (reordering). */
  delayMs?: number;
}

export class NetNode implements Effects {
  readonly device: Device;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly delivered: Uint8Array[] = [];
  readonly events: DeviceEvent[] = [];
  readonly sent: Datagram[] = [];
  online = true;

  constructor(
    readonly net: MemoryNet,
    readonly name: string,
    readonly endpoint: Endpoint,
    opts: Partial<DeviceOptions>,
  ) {
    this.privateKey = generatePrivateKey(net.random);
    this.publicKey = publicKeyOf(net.crypto, this.privateKey);
    this.device = new Device({ crypto: net.crypto, clock: net.clock, random: net.random, effects: this, ...opts });
    const err = this.device.apply({ privateKey: this.privateKey, listenPort: endpoint.port, peers: [] });
    if (err) throw new Error(err);
  }

  transmit(to: Endpoint, datagram: Uint8Array): void {
    this.net.send(this, to, datagram);
  }
  deliver(ipPacket: Uint8Array): void {
    this.delivered.push(ipPacket);
  }
  emit(event: DeviceEvent): void {
    this.events.push(event);
  }

  eventsOf<T extends DeviceEvent['type']>(type: T): Extract<DeviceEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<DeviceEvent, { type: T }> => e.type === type);
  }
  /** Datagrams this node sent whose first byte is `type` (1..4). */
  sentOfType(type: number): Datagram[] {
    return this.sent.filter((d) => d.data[0] === type);
  }
}

export class MemoryNet {
  readonly clock = new FakeClock();
  readonly random: SeededRandom;
  readonly crypto: CryptoProvider;
  readonly nodes: NetNode[] = [];
  /** One-way latency in ms. */
  latencyMs = 5;
  /** Per-datagram decision (loss, duplication, reordering); default deliver. */
  filter: ((d: Datagram) => FilterAction | undefined) | null = null;
  /** Every datagram transmitted by any node, in order (when capture is on). */
  readonly captured: Datagram[] = [];
  capture = true;
  private inflight: Datagram[] = [];
  private seq = 0;
  private actions: { at: number; fn: () => void }[] = [];

  constructor(seed = 1, crypto: CryptoProvider = selectProvider('auto')) {
    this.random = new SeededRandom(seed);
    this.crypto = crypto;
  }

  get now(): number {
    return this.clock.now();
  }

  addNode(name: string, endpoint: Endpoint, opts: Partial<DeviceOptions> = {}): NetNode {
    const n = new NetNode(this, name, endpoint, opts);
    this.nodes.push(n);
    return n;
  }

  /** Transmission from a node: captured, filtered, then queued for delivery. */
  send(from: NetNode, to: Endpoint, data: Uint8Array): void {
    const d: Datagram = { seq: this.seq++, from: from.endpoint, to, data, sentAt: this.now, deliverAt: this.now + this.latencyMs };
    from.sent.push(d);
    if (this.capture) this.captured.push(d);
    if (!from.online) return;
    const a = this.filter?.(d);
    if (a?.drop) return;
    d.deliverAt += a?.delayMs ?? 0;
    this.enqueue(d);
    for (let i = 0; i < (a?.duplicate ?? 0); i++) this.enqueue({ ...d, seq: this.seq++ });
  }

  /** Injects a raw datagram (attacker / replay) to arrive after the usual latency. */
  inject(from: Endpoint, to: Endpoint, data: Uint8Array, delayMs = this.latencyMs): void {
    this.enqueue({ seq: this.seq++, from, to, data, sentAt: this.now, deliverAt: this.now + delayMs });
  }

  private enqueue(d: Datagram): void {
    const q = this.inflight;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = q[mid]!;
      if (m.deliverAt < d.deliverAt || (m.deliverAt === d.deliverAt && m.seq < d.seq)) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, d);
  }

  /** Runs `fn` at simulated time `at` (absolute monotonic ms). */
  at(at: number, fn: () => void): void {
    this.actions.push({ at, fn });
    this.actions.sort((a, b) => a.at - b.at);
  }

  /** Runs `fn` every `intervalMs` from now + intervalMs until `until` (absolute). */
  every(intervalMs: number, until: number, fn: () => void): void {
    const step = (t: number): void => {
      if (t > until) return;
      this.at(t, () => {
        fn();
        step(t + intervalMs);
      });
    };
    step(this.now + intervalMs);
  }

  private nodeAt(e: Endpoint): NetNode | undefined {
    return this.nodes.find((n) => n.endpoint.port === e.port && n.endpoint.address === e.address);
  }

  /** Advances simulated time by `ms`, processing everything due in order. */
  run(ms: number): void {
    this.runUntil(this.now + ms);
  }

  runUntil(end: number): void {
    for (let guard = 0; guard < 10_000_000; guard++) {
      let next = Infinity;
      if (this.inflight.length > 0) next = this.inflight[0]!.deliverAt;
      for (const n of this.nodes) {
        if (!n.online) continue;
        const d = n.device.nextDeadline();
        if (d !== undefined && d < next) next = d;
      }
      if (this.actions.length > 0 && this.actions[0]!.at < next) next = this.actions[0]!.at;
      if (next > end) break;
      if (next > this.now) this.clock.advance(next - this.now);
      const now = this.now;
      while (this.inflight.length > 0 && this.inflight[0]!.deliverAt <= now) {
        const d = this.inflight.shift()!;
        const node = this.nodeAt(d.to);
        if (node?.online) node.device.receiveDatagram(d.data, d.from);
      }
      for (const n of this.nodes) {
        if (!n.online) continue;
        const dl = n.device.nextDeadline();
        if (dl !== undefined && dl <= now) n.device.tick();
      }
      while (this.actions.length > 0 && this.actions[0]!.at <= now) this.actions.shift()!.fn();
    }
    if (end > this.now) this.clock.advance(end - this.now);
  }
}

/** Configures `a` and `b` as peers of each other with the given tunnel addresses (/32 each). */
export function pair(
  a: NetNode,
  b: NetNode,
  opts: { aTunnel?: string; bTunnel?: string; pkaA?: number; pkaB?: number; endpointA?: boolean; endpointB?: boolean; psk?: Uint8Array } = {},
): void {
  const aIp = ipv4(opts.aTunnel ?? '10.0.0.1');
  const bIp = ipv4(opts.bTunnel ?? '10.0.0.2');
  const e1 = a.device.apply({
    peers: [
      {
        publicKey: b.publicKey,
        endpoint: opts.endpointA === false ? undefined : b.endpoint,
        allowedIps: [{ ip: bIp, cidr: 32, add: true }],
        persistentKeepalive: opts.pkaA,
        presharedKey: opts.psk,
      },
    ],
  });
  const e2 = b.device.apply({
    peers: [
      {
        publicKey: a.publicKey,
        endpoint: opts.endpointB === false ? undefined : a.endpoint,
        allowedIps: [{ ip: aIp, cidr: 32, add: true }],
        persistentKeepalive: opts.pkaB,
        presharedKey: opts.psk,
      },
    ],
  });
  if (e1 || e2) throw new Error(e1 ?? e2 ?? '');
}

/** Two nodes a (192.0.2.1:51820) and b (192.0.2.2:51821) paired with the default tunnel addresses, both up; nothing sent yet. */
export function twoPairedNodes(seed: number): { net: MemoryNet; a: NetNode; b: NetNode } {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  return { net, a, b };
}

export function ipv4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/**
 * A minimal IPv4 packet (header checksum not computed; the core never checks
 * it) carrying `payload`; protocol 253 (experimental).
 */
export function ipv4Packet(src: string, dst: string, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(20 + payload.length);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 253;
  p.set(ipv4(src), 12);
  p.set(ipv4(dst), 16);
  p.set(payload, 20);
  return p;
}

/** A payload that encodes a sequence number (and some filler) for end-to-end identity checks. */
export function seqPayload(seq: number, len = 64): Uint8Array {
  const b = new Uint8Array(Math.max(len, 8));
  new DataView(b.buffer).setUint32(0, seq);
  for (let i = 8; i < b.length; i++) b[i] = (seq * 31 + i) & 0xff;
  return b;
}

export function payloadSeq(packet: Uint8Array): number {
  return new DataView(packet.buffer, packet.byteOffset + 20).getUint32(0);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
