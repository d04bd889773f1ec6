/**
 * Data-path warm-up at daemon start. V8 runs new code in its interpreter and
 * baseline tiers and only optimises a function after it has executed enough
 * bytecode; a tunnel carrying one ping every few milliseconds never gets
 * there, and each of its packets then costs 4–5× what it costs once
 * optimised (measured: in-process send+receive of one packet every 10 ms,
 * 190 µs median cold vs 85 µs after this warm-up; added ping RTT through a
 * tswg pair 1.75 ms cold vs 0.70 ms warm, wireguard-go 0.68 ms).
 *
 * So before the interface carries traffic we drive the same code — Device
 * handshake, cryptokey routing, seal/open with the chosen provider, replay
 * check, and the TUN write coalescer — with pairs of throw-away Devices wired
 * in memory, with the daemon's own clock and Effects class (effects-queue.ts),
 * so the optimised code stays valid for the real interface. Nothing leaves
 * the process: their effects go to each other, their keys are fresh and
 * dropped with them, their events are discarded.
 *
 * "Stays valid" needs the warm-up to show V8 every kind of value real
 * traffic brings, before it optimises: with --trace-deopt a daemon's first
 * real packets threw the warmed code away for session indices ≥ 2^30 (not
 * small integers, so Keypair/Peer field representations changed), for a
 * peer whose endpoint is still unknown (the responder learns it by roaming,
 * whitepaper §2.1) and for the timer path. Hence several sessions (random
 * indices of every size), pairs where the responder has no endpoint
 * configured, and periodic tick() calls.
 */
import { Device } from '../core/device.js';
import { sendHandshakeInitiation } from '../core/send.js';
import type { Endpoint } from '../core/endpoint.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../crypto/keys.js';
import type { Clock, Random } from '../util/ports.js';
import { TunWriteBatch } from '../wire/tcp-coalesce.js';
import { formatIp } from '../util/ip.js';
import { EffectsQueue } from './effects-queue.js';

export interface WarmupResult {
  /** Packets initiator→responder that made it through seal → open → delivery (5 per round + 1 per session). */
  delivered: number;
  /** Wall time spent (ms). */
  ms: number;
}

/** Rounds of the packet mix below; ≈ 6 packets per round each way. */
export const DEFAULT_WARMUP_ROUNDS = 500;

// Test-net addresses (198.18.0.0/15, 2001:db8::/32); nothing is ever sent to
// them. The address strings are computed like the UDP layer's (formatIp),
// not literals: V8 compares internalised literal strings by another path,
// and sameEndpoint's optimised code was thrown away at the first real one.
const EP_A: Endpoint = { address: formatIp(Uint8Array.of(198, 18, 255, 1)), port: 1 };
const EP_B: Endpoint = { address: formatIp(Uint8Array.of(198, 18, 255, 2)), port: 2 };
const IP_A = [198, 19, 255, 1];
const IP_B = [198, 19, 255, 2];
const IP6_A = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const IP6_B = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
/** wg-quick's default MTU (1500 − 80), what the link monitor usually reports. */
const WARMUP_MTU = 1420;
/** More than both the TAI64N whitening quantum (≈ 16.8 ms) and the 20 ms initiation spacing. */
const HANDSHAKE_SPACING_MS = 25;

class Node {
  device!: Device;
  other!: Node;
  /** The other side's public key (this device's one peer). */
  otherPub!: Uint8Array;
  from!: Endpoint;
  delivered: Uint8Array[] = [];
  count = 0;
  /** While set, datagrams wait here (copied) and are released in reverse order. */
  held: Uint8Array[] | null = null;
  readonly effects = new EffectsQueue(
    (q) => this.handOver(q),
    () => undefined,
  );

  /** Synchronous hand-over; receiveDatagram does not keep the buffer (device.ts). */
  private handOver(q: EffectsQueue): void {
    if (q.txData.length > 0) {
      const { data } = q.takeTx();
      // The receiving side runs each hand-over as one batch, as the daemon's
      // UDP reader does (beginBatch … endBatch, daemon.ts).
      const rx = this.other;
      rx.effects.beginBatch();
      try {
        for (const d of data) {
          if (this.held === null) rx.device.receiveDatagram(d, this.from);
          else this.held.push(d.slice());
        }
      } finally {
        rx.effects.endBatch();
      }
    }
    if (q.rx.length > 0) {
      for (const p of q.takeRx()) {
        this.delivered.push(p);
        this.count++;
      }
    }
  }
}

/** Hands every queued effect over, both ways, until neither side has anything left (a handshake is 2–3 hops). */
function pump(a: Node, b: Node): void {
  for (let i = 0; i < 8; i++) {
    if (a.effects.txData.length + a.effects.rx.length + b.effects.txData.length + b.effects.rx.length === 0) return;
    a.effects.drainNow();
    b.effects.drainNow();
  }
}

function ipv4(src: number[], dst: number[], proto: number, payload: number): Uint8Array {
  const p = new Uint8Array(20 + payload);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = proto;
  p.set(src, 12);
  p.set(dst, 16);
  return p;
}

function ipv6(src: number[], dst: number[], next: number, payload: number): Uint8Array {
  const p = new Uint8Array(40 + payload);
  p[0] = 0x60;
  p[4] = payload >> 8;
  p[5] = payload & 0xff;
  p[6] = next;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  return p;
}

/** An IPv4/TCP ACK segment of one flow with `len` payload bytes at `seq`. */
function tcp(src: number[], dst: number[], seq: number, len: number): Uint8Array {
  const p = ipv4(src, dst, 6, 20 + len);
  p[20] = 0xc0;
  p[21] = 0x01; // source port 49153
  p[23] = 0x50; // destination port 80
  new DataView(p.buffer).setUint32(24, seq >>> 0);
  p[32] = 0x50; // data offset 5 words
  p[33] = 0x10; // ACK
  return p;
}

/**
 * Two in-memory Devices that know each other (v4 and v6 /32, /128 routes).
 * With `roaming`, b has no endpoint for a and learns it from a's handshake
 * initiation (then a must start the session).
 */
function wiredPair(crypto: CryptoProvider, clock: Clock, random: Random, roaming: boolean): [Node, Node] {
  const a = new Node();
  const b = new Node();
  const keyA = generatePrivateKey(random);
  const keyB = generatePrivateKey(random);
  // The roaming pairs also carry a preshared key and persistent keepalive, as real peers may.
  const extras = roaming ? { presharedKey: generatePrivateKey(random), persistentKeepalive: 25 } : {};
  for (const [n, other, key, otherKey, otherEp, otherIp, otherIp6] of [
    [a, b, keyA, keyB, EP_B, IP_B, IP6_B],
    [b, a, keyB, keyA, EP_A, IP_A, IP6_A],
  ] as const) {
    n.other = other;
    n.otherPub = publicKeyOf(crypto, otherKey);
    n.from = n === a ? EP_B : EP_A;
    n.device = new Device({ crypto, clock, random, effects: n.effects });
    // The daemon sets the MTU again whenever the link reports one (daemon.ts, link monitor).
    n.device.setMtu(WARMUP_MTU);
    const err = n.device.apply({
      privateKey: key,
      listenPort: 0,
      peers: [
        {
          publicKey: n.otherPub,
          ...(roaming && n === b ? {} : { endpoint: otherEp }),
          ...extras,
          allowedIps: [
            { ip: new Uint8Array(otherIp), cidr: 32, add: true },
            { ip: new Uint8Array(otherIp6), cidr: 128, add: true },
          ],
        },
      ],
    });
    if (err !== null) throw new Error(`warm-up configuration refused: ${err}`);
  }
  a.device.setUp(true);
  b.device.setUp(true);
  return [a, b];
}

/**
 * One session, `initiator` sending first: pings both ways, a TCP-like bulk
 * flow with ACKs back, every 8th round held and released in reverse order
 * (the replay window's out-of-order path), delivered TCP runs through the
 * TUN write coalescer.
 */
async function drive(initiator: Node, responder: Node, v6: boolean, rounds: number, coalescer: TunWriteBatch, o: Pace, start: boolean): Promise<number> {
  const [ipI, ipR] = v6 ? [IP6_A, IP6_B] : [IP_A, IP_B];
  const [srcI, srcR] = initiator.from === EP_B ? [ipI, ipR] : [ipR, ipI];
  const mk = v6 ? ipv6 : ipv4;
  const echo = (src: number[], dst: number[]): Uint8Array => mk(src, dst, v6 ? 58 : 1, 64);
  const seg = (src: number[], dst: number[], seq: number, len: number): Uint8Array => {
    const p = v6 ? ipv6(src, dst, 6, 20 + len) : tcp(src, dst, seq, len);
    if (v6) {
      new DataView(p.buffer).setUint32(44, seq >>> 0);
      p[52] = 0x50;
      p[53] = 0x10;
    }
    return p;
  };
  const before = responder.count;
  if (start) {
    // The first packet is staged, triggers the handshake and flies once it completes.
    initiator.device.sendPacket(echo(srcI, srcR));
    pump(initiator, responder);
    if (responder.count !== before + 1) throw new Error('warm-up handshake did not complete in memory');
  }
  // Built once and reused (sendPacket copies what it keeps): the warm-up
  // should leave little garbage behind in a daemon that just started.
  const pingI = echo(srcI, srcR);
  const pingR = echo(srcR, srcI);
  const ackR = seg(srcR, srcI, 1, 0);
  const data = seg(srcI, srcR, 1, 1280);
  const seqAt = v6 ? 44 : 24;
  // A destination no peer routes (the kernel sends such packets to a TUN too,
  // e.g. IPv6 router solicitations): the cryptokey-routing miss path.
  const unrouted = v6 ? ipv6(srcI, [0xff, 0x02, ...new Array<number>(13).fill(0), 2], 58, 8) : ipv4(srcI, [198, 19, 254, 254], 1, 8);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let seq = 1;
  for (let r = 0; r < rounds && !o.cancelled(); r++) {
    if (r % o.roundsPerTurn === o.roundsPerTurn - 1) await o.yieldTurn();
    const hold = r % 8 === 7;
    if (hold) initiator.held = [];
    initiator.device.sendPacket(pingI);
    pump(initiator, responder);
    responder.device.sendPacket(pingR);
    pump(initiator, responder);
    // A burst read from the TUN in one batch (daemon.ts brackets each TUN
    // read the same way); the pings above take the microtask path.
    initiator.effects.beginBatch();
    try {
      for (let k = 0; k < 4; k++) {
        dv.setUint32(seqAt, seq >>> 0);
        initiator.device.sendPacket(data);
        seq += 1280;
      }
    } finally {
      initiator.effects.endBatch();
    }
    pump(initiator, responder);
    responder.device.sendPacket(ackR);
    pump(initiator, responder);
    if (hold) {
      const held = initiator.held!;
      initiator.held = null;
      for (let i = held.length - 1; i >= 0; i--) initiator.other.device.receiveDatagram(held[i]!, initiator.from);
      pump(initiator, responder);
    }
    if (r % 8 === 3) initiator.device.sendPacket(unrouted);
    // A second handshake on the live session (what REKEY_AFTER_TIME does after
    // 2 min): keypair rotation and the responder's key confirmation.
    if (start && r === 2) {
      const peer = initiator.device.inspectPeer(initiator.otherPub);
      if (peer !== undefined) sendHandshakeInitiation(peer, peer.ctx.clock.now(), false);
      pump(initiator, responder);
    }
    // The timer path (keepalive, rekey and expiry checks) with the daemon's clock.
    if (r % 16 === 15) {
      initiator.device.tick();
      responder.device.tick();
      pump(initiator, responder);
    }
    for (const n of [initiator, responder]) {
      if (n.delivered.length >= 32) {
        coalescer.reset();
        coalescer.coalesce(n.delivered);
        n.delivered = [];
      }
    }
  }
  return responder.count - before;
}

/** How the warm-up shares the event loop. */
interface Pace {
  roundsPerTurn: number;
  yieldTurn: () => Promise<void>;
  cancelled: () => boolean;
}

export interface WarmupOptions {
  /** Rounds of the packet mix (default DEFAULT_WARMUP_ROUNDS). */
  rounds?: number;
  /** Rounds per event-loop turn: the warm-up yields between slices so UAPI and real packets are not held up. */
  roundsPerTurn?: number;
  /** Polled between rounds; true stops the warm-up (the daemon is closing). */
  cancelled?: () => boolean;
}

/**
 * Runs the warm-up with `crypto` (and the daemon's clock and randomness):
 * two sessions, one started by each side (initiator and responder keypairs),
 * IPv4 then IPv6, in slices of `roundsPerTurn` rounds per event-loop turn.
 * Resolves with how much got through; rejects only if an in-memory handshake
 * fails, which would mean the provider is broken.
 */
export async function warmDataPath(crypto: CryptoProvider, clock: Clock, random: Random, opts: WarmupOptions = {}): Promise<WarmupResult> {
  const started = performance.now();
  const rounds = opts.rounds ?? DEFAULT_WARMUP_ROUNDS;
  const pace: Pace = {
    roundsPerTurn: Math.max(1, opts.roundsPerTurn ?? 25),
    yieldTurn: () => new Promise((resolve) => setImmediate(resolve)),
    cancelled: opts.cancelled ?? (() => false),
  };
  const coalescer = new TunWriteBatch();
  // Sessions: (v4, a starts, both know each other), (v6, the other side
  // starts), then the same two with a roaming responder. Each has its own
  // random indices, so index values of every size appear early on.
  const plan: { roaming: boolean; v6: boolean; reverse: boolean }[] = [
    { roaming: false, v6: false, reverse: false },
    { roaming: false, v6: true, reverse: true },
    { roaming: true, v6: false, reverse: false },
    { roaming: true, v6: true, reverse: false },
  ];
  const pairs = plan.map((p) => wiredPair(crypto, clock, random, p.roaming));
  try {
    let delivered = 0;
    // A short pass over every session first, so V8 sees all the shapes before it optimises; then the long run.
    const first = Math.min(rounds, 8 * plan.length);
    const share = (k: number, total: number): number => Math.floor(total / plan.length) + (k < total % plan.length ? 1 : 0);
    for (const [pass, total] of [[0, first], [1, rounds - first]] as const) {
      for (let k = 0; k < plan.length && !pace.cancelled(); k++) {
        const [a, b] = pairs[k]!;
        const [i, r] = plan[k]!.reverse ? [b, a] : [a, b];
        delivered += await drive(i, r, plan[k]!.v6, share(k, total), coalescer, pace, pass === 0);
      }
      // After the short pass, every interface goes down and up again
      // (wg-quick down/up, ip link set down/up): that path stops the timers and
      // wipes the keypairs, writes the real daemon also makes sooner or later.
      // Made here, before V8 optimises the data path, they cannot throw the
      // optimised code away later (and the final teardown below repeats them).
      if (pass === 0 && !pace.cancelled()) {
        for (const [a, b] of pairs) {
          a.device.setUp(false);
          b.device.setUp(false);
          // One side at a time: with persistent keepalive, both would start a
          // handshake at once, and crossing initiations each overwrite the
          // other's state and stall until a retransmission 5 s later (as in
          // wireguard-go). A's goes to a device still down and is dropped;
          // B's then completes.
          a.device.setUp(true);
          pump(a, b);
          b.device.setUp(true);
          pump(a, b);
        }
        // Each session's next packet starts a new handshake. A responder
        // refuses an initiation whose whitened TAI64N stamp (2^24 ns) is not
        // newer than the last one, or that comes within 20 ms of the last
        // (whitepaper §5.1, INITIATION_MIN_INTERVAL_MS): pass 0 ended with
        // handshakes moments ago, so wait that out.
        await new Promise((resolve) => setTimeout(resolve, HANDSHAKE_SPACING_MS));
      }
    }
    return { delivered, ms: performance.now() - started };
  } finally {
    for (const [a, b] of pairs) {
      a.device.setUp(false);
      b.device.setUp(false);
    }
    // Only the latest set: an embedding process that starts many interfaces keeps one.
    warmedObjects.splice(0, warmedObjects.length, pairs);
  }
}

/**
 * The warm-up's interfaces (down, keypairs wiped, keys its own throw-away
 * ones), kept for the life of the process. V8 forgets an object layout once
 * nothing uses it and throws away optimised code that refers to a collected
 * object ("weak objects" in --trace-deopt): with these alive, the code the
 * warm-up optimised keeps serving the daemon's objects, which share their
 * layouts. They cost a few kilobytes.
 */
export const warmedObjects: unknown[] = [];
