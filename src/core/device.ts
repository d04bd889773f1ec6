/**
 * The device: one WireGuard interface's whole protocol state (identity,
 * peers, cryptokey routing, index table, cookies, timers), sans-IO.
 *
 * CONTRACT (the runtime, UAPI and events layers are written against it):
 * - Entry points: receiveDatagram (UDP in), sendPacket (TUN in), tick (timers
 *   due), apply (config change), setUp (link state). Each reads the clock once,
 *   does its work synchronously and reports through the Effects sink.
 * - Nothing here throws on network input; drops are counted in `drops`.
 * - nextDeadline() is the earliest pending timer (monotonic ms) or undefined;
 *   the runtime keeps one setTimeout armed there and calls tick().
 * - Inputs are not retained: receiveDatagram never keeps `datagram`, and
 *   sendPacket copies `ipPacket` if it must be staged.
 * Lifecycle (wireguard-go device.go): created down → setUp(true) starts every
 * peer → setUp(false) stops them (timers cancelled, sessions erased).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import type { Clock, Random } from '../util/ports.js';
import { toHex } from '../util/bytes.js';
import { destinationAddress } from '../wire/ip-packet.js';
import { classify } from '../wire/messages.js';
import { DEFAULT_MTU, REKEY_TIMEOUT_JITTER_MAX_MS } from '../wire/constants.js';
import { IndexedAllowedIps } from './allowed-ips-hosts.js';
import { applyDelta, type ConfigHost } from './config-apply.js';
import { CookieChecker } from './cookie.js';
import { DeadlineHeap } from './deadline-heap.js';
import { newDropCounters, type DropCounters, type Effects } from './effects.js';
import type { Endpoint } from './endpoint.js';
import type { InterfaceStatus } from './events.js';
import type { ConfigDelta, DeviceSnapshot, PeerStatus } from './config.js';
import { IndexTable } from './index-table.js';
import { Peer, type IndexEntry, type PeerContext } from './peer.js';
import { RateLimiter } from './ratelimiter.js';
import { HandshakeReceiver } from './receive-handshake.js';
import { receiveTransport } from './receive-transport.js';
import { sendDataPacket, sendKeepalive } from './send.js';
import { runDueTimers } from './timer-expiry.js';
import type { PeerTimers } from './timers.js';

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

export class Device {
  private readonly ctx: PeerContext;
  private readonly peers = new Map<string, Peer>();
  private readonly checker: CookieChecker;
  private readonly receiver: HandshakeReceiver;
  private readonly host: ConfigHost;
  private up = false;
  private listenPort = 0;
  private fwmark = 0;
  private readonly jitterBuf = new Uint8Array(4);

  constructor(opts: DeviceOptions) {
    const heap = new DeadlineHeap<PeerTimers<Peer>>();
    this.ctx = {
      crypto: opts.crypto,
      clock: opts.clock,
      random: opts.random,
      effects: opts.effects,
      drops: newDropCounters(),
      index: new IndexTable<IndexEntry>(opts.random),
      allowedIps: new IndexedAllowedIps<Peer>(),
      heap,
      local: null,
      mtu: opts.mtu ?? DEFAULT_MTU,
      silenceTimeoutMs: opts.silenceTimeoutMs ?? 0,
      jitter: () => this.jitter(),
    };
    this.checker = new CookieChecker(opts.crypto, opts.clock, opts.random);
    this.receiver = new HandshakeReceiver(
      this.ctx,
      this.checker,
      new RateLimiter(opts.clock),
      this.peers,
      opts.underLoadBacklog ?? 128,
    );
    // The narrow view config-apply.ts works on.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const dev = this;
    this.host = {
      ctx: this.ctx,
      peers: this.peers,
      get isUp() {
        return dev.up;
      },
      get listenPort() {
        return dev.listenPort;
      },
      set listenPort(v: number) {
        dev.listenPort = v;
      },
      get fwmark() {
        return dev.fwmark;
      },
      set fwmark(v: number) {
        dev.fwmark = v;
      },
      setIdentity: (priv, pub) => {
        this.ctx.local = priv !== null && pub !== null ? { privateKey: priv, publicKey: pub } : null;
        this.checker.setLocalPublicKey(pub);
      },
      createPeer: (pub) => {
        const peer = new Peer(this.ctx, pub);
        this.peers.set(peer.id, peer);
        return peer;
      },
      removePeer: (peer) => this.removePeer(peer),
      interfaceStatus: () => this.interfaceStatus(),
    };
  }

  /** Drop counters by reason. */
  get drops(): DropCounters {
    return this.ctx.drops;
  }

  /** Our public key, or null without a private key. */
  get publicKey(): Uint8Array | null {
    return this.ctx.local?.publicKey.slice() ?? null;
  }

  /** True between setUp(true) and setUp(false). */
  get isUp(): boolean {
    return this.up;
  }

  /** A UDP datagram arrived from `from`. */
  receiveDatagram(datagram: Uint8Array, from: Endpoint): void {
    const now = this.ctx.clock.now();
    const drops = this.ctx.drops;
    if (!this.up || this.ctx.local === null) {
      drops['interface-down']++;
      return;
    }
    const type = classify(datagram);
    if (type === 0) {
      drops[badMessageReason(datagram)]++;
      return;
    }
    if (type === 4) receiveTransport(this.ctx, datagram, from, now);
    else this.receiver.receive(type, datagram, from, now);
  }

  /** An IP packet was read from the TUN device: route by destination (cryptokey routing, whitepaper §2). */
  sendPacket(ipPacket: Uint8Array): void {
    const now = this.ctx.clock.now();
    const drops = this.ctx.drops;
    if (!this.up || this.ctx.local === null) {
      drops['interface-down']++;
      return;
    }
    const dst = destinationAddress(ipPacket);
    if (dst === null) {
      drops['bad-inner-packet']++;
      return;
    }
    const peer = this.ctx.allowedIps.lookup(ipPacket, dst.offset, dst.length);
    if (peer === undefined) {
      drops['no-route']++;
      return;
    }
    if (peer.endpoint === null) {
      drops['no-endpoint']++;
      return;
    }
    sendDataPacket(peer, ipPacket, now);
  }

  /** Runs every timer whose deadline is ≤ clock.now(). */
  tick(): void {
    const now = this.ctx.clock.now();
    const heap = this.ctx.heap;
    // Each run moves the peer's due deadlines past `now`; the bound is a safety net.
    for (let guard = heap.size * 8 + 16; guard > 0; guard--) {
      const top = heap.peek();
      if (top === undefined || top.heapKey > now) break;
      runDueTimers(top.owner, now);
    }
  }

  /** Earliest pending timer deadline (monotonic ms), or undefined when nothing is pending. */
  nextDeadline(): number | undefined {
    return this.ctx.heap.peekKey();
  }

  /**
   * Applies a whole parsed change atomically. Returns an error message if the
   * delta is invalid as a whole (then nothing was changed), else null.
   */
  apply(delta: ConfigDelta): string | null {
    return applyDelta(this.host, delta, this.ctx.clock.now());
  }

  /** Link state: up starts peers (persistent keepalives go out), down stops every timer and clears sessions. */
  setUp(up: boolean): void {
    if (up === this.up) return;
    const now = this.ctx.clock.now();
    this.up = up;
    if (up) {
      this.ctx.effects.emit({ type: 'interface.up', at: this.ctx.clock.wallNow(), iface: this.interfaceStatus() });
      for (const peer of this.peers.values()) {
        peer.start(now);
        if (peer.persistentKeepalive > 0) sendKeepalive(peer, now);
      }
    } else {
      for (const peer of this.peers.values()) peer.stop();
      this.ctx.effects.emit({ type: 'interface.down', at: this.ctx.clock.wallNow(), iface: this.interfaceStatus() });
    }
  }

  /** The runtime's handshake queue length; the device is under load at ≥ underLoadBacklog and for 1 s after. */
  setHandshakeBacklog(n: number): void {
    this.receiver.setBacklog(n, this.ctx.clock.now());
  }

  /** Tunnel MTU changed (padding cap). */
  setMtu(mtu: number): void {
    if (Number.isInteger(mtu) && mtu >= 0) this.ctx.mtu = mtu;
  }

  /** Everything UAPI get reports, in wireguard-go order (peers in creation order). */
  snapshot(): DeviceSnapshot {
    const local = this.ctx.local;
    return {
      privateKey: local ? local.privateKey.slice() : null,
      publicKey: local ? local.publicKey.slice() : null,
      listenPort: this.listenPort,
      fwmark: this.fwmark,
      peers: [...this.peers.values()].map((p) => p.snapshot()),
    };
  }

  /** One peer's public status, or undefined. */
  peerStatus(publicKey: Uint8Array): PeerStatus | undefined {
    return this.peers.get(toHex(publicKey))?.status();
  }

  /** Listen port and fwmark are owned by the runtime but reported by the device. */
  setListenPort(port: number): void {
    if (port === this.listenPort) return;
    this.listenPort = port;
    this.ctx.effects.emit({
      type: 'interface.updated',
      at: this.ctx.clock.wallNow(),
      iface: this.interfaceStatus(),
      changes: ['listenPort'],
    });
  }

  // ---- additions beyond the original contract ----

  /** Number of configured peers. */
  get peerCount(): number {
    return this.peers.size;
  }

  /** True while the device considers itself under handshake load (cookie replies required). */
  isUnderLoad(): boolean {
    return this.receiver.isUnderLoad(this.ctx.clock.now());
  }

  /**
   * @internal For tests and diagnostics inside the core: the live peer object.
   * Never hand it to other layers (it holds keys).
   */
  inspectPeer(publicKey: Uint8Array): Peer | undefined {
    return this.peers.get(toHex(publicKey));
  }

  private interfaceStatus(): InterfaceStatus {
    return {
      publicKey: this.publicKey,
      listenPort: this.listenPort,
      fwmark: this.fwmark,
      peerCount: this.peers.size,
    };
  }

  private removePeer(peer: Peer): void {
    const wasConnected = peer.isConnected;
    peer.stop();
    const status = peer.status();
    this.ctx.allowedIps.removeByPeer(peer);
    this.peers.delete(peer.id);
    this.ctx.effects.emit({ type: 'peer.removed', at: this.ctx.clock.wallNow(), peer: status, wasConnected });
  }

  /** Retransmit jitter 0..333 ms (whitepaper §6.1) from the injected Random. */
  private jitter(): number {
    const b = this.ctx.random.fill(this.jitterBuf);
    const v = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
    return v % REKEY_TIMEOUT_JITTER_MAX_MS;
  }
}

/** Why classify() refused a datagram: an unknown type/reserved bytes, or a wrong size for a known type. */
function badMessageReason(d: Uint8Array): 'unknown-type' | 'bad-length' {
  if (d.length < 4 || d[1] !== 0 || d[2] !== 0 || d[3] !== 0) return 'unknown-type';
  const t = d[0]!;
  return t >= 1 && t <= 4 ? 'bad-length' : 'unknown-type';
}
