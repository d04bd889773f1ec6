/**
 * In-process data path (issue 5): two Devices wired in memory — A's transmit
 * effect feeds B.receiveDatagram directly — under a fake clock, so the figure
 * is the pure protocol + crypto cost per packet with no I/O: route lookup,
 * padding, seal, header, index lookup, open, replay check, allowed-IPs source
 * check, delivery. Also each half alone (A.sendPacket only; B.receiveDatagram
 * of pre-sealed datagrams). Every sample checks that every packet arrived.
 */
import { Device } from '../src/core/device.js';
import type { Effects } from '../src/core/effects.js';
import type { Endpoint } from '../src/core/endpoint.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { systemRandom } from '../src/io/system-ports.js';
import { FakeClock } from '../test/helpers/fake-clock.js';
import { ipv4, ipv4Packet } from '../test/helpers/memory-net.js';
import { rate, timedCount, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';
import { PACKET_SIZE } from './crypto-bench.js';

const EP_A: Endpoint = { address: '198.18.0.1', port: 51820 };
const EP_B: Endpoint = { address: '198.18.0.2', port: 51820 };
const TUN_A = '198.19.0.1';
const TUN_B = '198.19.0.2';

/** Where a node's transmits go; switched per phase. */
type Sink = (to: Endpoint, datagram: Uint8Array) => void;

class Node implements Effects {
  readonly device: Device;
  readonly publicKey: Uint8Array;
  sink: Sink = () => undefined;
  delivered = 0;
  constructor(crypto: CryptoProvider, clock: FakeClock) {
    const priv = generatePrivateKey(systemRandom);
    this.publicKey = publicKeyOf(crypto, priv);
    this.device = new Device({ crypto, clock, random: systemRandom, effects: this });
    this.privateKey = priv;
  }
  readonly privateKey: Uint8Array;
  transmit(to: Endpoint, datagram: Uint8Array): void {
    this.sink(to, datagram);
  }
  deliver(): void {
    this.delivered++;
  }
  emit(): void {}
}

export interface WiredPair {
  a: Node;
  b: Node;
  packet: Uint8Array;
}

function configure(n: Node, listenPort: number, peer: Node, peerEp: Endpoint, peerTun: string): void {
  const err = n.device.apply({
    privateKey: n.privateKey,
    listenPort,
    peers: [{ publicKey: peer.publicKey, endpoint: peerEp, allowedIps: [{ ip: ipv4(peerTun), cidr: 32, add: true }] }],
  });
  if (err !== null) throw new Error(`apply: ${err}`);
}

/** Two devices with a completed handshake (A initiated); both sinks forward to the other device. */
export function wiredPair(crypto: CryptoProvider): WiredPair {
  const clock = new FakeClock();
  const a = new Node(crypto, clock);
  const b = new Node(crypto, clock);
  configure(a, EP_A.port, b, EP_B, TUN_B);
  configure(b, EP_B.port, a, EP_A, TUN_A);
  a.device.setUp(true);
  b.device.setUp(true);
  a.sink = (_to, d) => b.device.receiveDatagram(d, EP_A);
  b.sink = (_to, d) => a.device.receiveDatagram(d, EP_B);
  const packet = ipv4Packet(TUN_A, TUN_B, new Uint8Array(PACKET_SIZE - 20).fill(0x5a));
  // The first packet is staged, triggers the handshake and is flushed once the response arrives.
  a.device.sendPacket(packet);
  if (b.delivered !== 1) {
    throw new Error(`handshake in memory did not deliver the first packet (A drops ${dropSummary(a.device)}; B drops ${dropSummary(b.device)})`);
  }
  return { a, b, packet };
}

function dropSummary(d: Device): string {
  const nz = Object.entries(d.drops).filter(([, v]) => v > 0);
  return nz.length === 0 ? 'none' : nz.map(([k, v]) => `${k}=${v}`).join(',');
}

/** packets/s through A.sendPacket → seal → B.receiveDatagram → open → deliver. */
export function roundTripRate(w: WiredPair, seconds: number): number {
  w.a.sink = (_to, d) => w.b.device.receiveDatagram(d, EP_A);
  const before = w.b.delivered;
  let sent = 0;
  const r = rate(() => {
    w.a.device.sendPacket(w.packet);
    sent++;
  }, seconds);
  if (w.b.delivered - before !== sent) throw new Error(`sent ${sent}, delivered ${w.b.delivered - before} (B drops ${dropSummary(w.b.device)})`);
  return r;
}

/** packets/s through A.sendPacket alone (datagrams are dropped on the floor). */
export function sendOnlyRate(w: WiredPair, seconds: number): number {
  let out = 0;
  w.a.sink = () => {
    out++;
  };
  let sent = 0;
  const r = rate(() => {
    w.a.device.sendPacket(w.packet);
    sent++;
  }, seconds);
  if (out !== sent) throw new Error(`sent ${sent}, transmitted ${out} (A drops ${dropSummary(w.a.device)})`);
  return r;
}

/** packets/s through B.receiveDatagram of `count` datagrams A sealed beforehand (in counter order). */
export function receiveOnlyRate(w: WiredPair, count: number): number {
  const datagrams: Uint8Array[] = [];
  w.a.sink = (_to, d) => datagrams.push(d);
  for (let i = 0; i < count; i++) w.a.device.sendPacket(w.packet);
  const before = w.b.delivered;
  const r = timedCount(count, () => {
    for (const d of datagrams) w.b.device.receiveDatagram(d, EP_A);
  });
  if (w.b.delivered - before !== count) throw new Error(`fed ${count}, delivered ${w.b.delivered - before} (B drops ${dropSummary(w.b.device)})`);
  return r;
}

export function runDatapathBench(results: Results, providers: readonly CryptoProvider[], s: BenchSettings): void {
  for (const p of providers) {
    let w: WiredPair | null = null;
    const pair = (): WiredPair => (w ??= wiredPair(p));
    const recvCount = s.quick ? 2_000 : 20_000;
    results.measure(`datapath.${p.name}.roundtrip`, 'packets/s', s.reps, () => roundTripRate(pair(), s.rateSeconds), 'encrypt+decrypt on one core');
    results.measure(`datapath.${p.name}.send`, 'packets/s', s.reps, () => sendOnlyRate(pair(), s.rateSeconds));
    results.measure(`datapath.${p.name}.receive`, 'packets/s', s.reps, () => receiveOnlyRate(pair(), recvCount));
  }
}
