/**
 * The composition root (design.md "Layers"): one WireGuard interface built
 * from the sans-IO core and real I/O — TUN, two UDP sockets, the UAPI socket,
 * one deadline timer, and the event pipeline. It owns no protocol logic: it
 * moves bytes between the OS and Device entry points and performs the
 * effects the core asks for.
 *
 * Device state follows the link like wireguard-go (protocol-checklist §12):
 * link up → bind UDP and start peers; link down → stop peers, close sockets.
 */
import { EventEmitter } from 'node:events';
import { Device } from '../core/device.js';
import type { DeviceEvent, InterfaceStatus } from '../core/events.js';
import { sameEndpoint, type Endpoint } from '../core/endpoint.js';
import type { ConfigDelta, DeviceSnapshot } from '../core/config.js';
import { MESSAGE_TRANSPORT } from '../wire/constants.js';
import { selectProvider, type CryptoChoice } from '../crypto/select.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { UapiError, EADDRINUSE, EINVAL } from '../uapi/errors.js';
import { handleRequestChunked } from '../uapi/request.js';
import type { Clock, Random } from '../util/ports.js';
import { systemClock, systemRandom } from '../io/system-ports.js';
import { DeadlineTimer } from '../io/deadline-timer.js';
import type { Tun } from '../io/tun.js';
import { UdpBind } from '../io/udp.js';
import { NativeUdpBind } from '../io/udp-native.js';
import { HandshakeQueue } from './handshake-queue.js';
import { warmBeforeStart } from './start-warmup.js';
import { EffectsQueue } from './effects-queue.js';
import { DropReporter, dropTotals } from './drop-report.js';
import { createLogger, type Logger } from './logger.js';
import { Linger, lingerFromEnv } from './linger.js';

export interface DaemonOptions {
  /** The TUN device (created by the caller, or inherited through WG_TUN_FD). */
  readonly tun: Tun;
  readonly crypto?: CryptoChoice | CryptoProvider;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Optional fast loss detection for peers with persistent keepalive (ms, 0 = off). */
  readonly silenceTimeoutMs?: number;
  /** Sees each decrypted packet before the TUN; returning true consumes it (the liveness probe's replies). */
  readonly deliverFilter?: (packet: Uint8Array) => boolean;
  /**
   * Drive the data path in memory before carrying traffic so V8 optimises it
   * (see jit-warmup.ts). Default on; TSWG_WARMUP=0 turns the default off.
   */
  readonly warmup?: boolean;
  /**
   * Makes the UDP binding (default: the addon's batched sockets, else
   * node:dgram). The glue warm-up passes in-memory sockets.
   */
  readonly udp?: () => Bind;
  /** Wake-ups after traffic (linger.ts), ms; default TSWG_LINGER_MS or 10 s, 0 = off. */
  readonly lingerMs?: number;
}

/** Either UDP implementation: batched native sockets, or node:dgram as the fallback. */
export type Bind = UdpBind | NativeUdpBind;

/**
 * The batched native sockets unless TSWG_UDP=dgram asks for node:dgram or the
 * addon lacks them (then node:dgram, which needs no native code).
 */
function newBind(): Bind {
  if (process.env.TSWG_UDP !== 'dgram') {
    try {
      return new NativeUdpBind();
    } catch {
      // addon missing or too old: fall back
    }
  }
  return new UdpBind();
}

export interface DaemonEvents {
  /** Every state transition the core reports. */
  event: [DeviceEvent];
  /** The daemon stopped (reason: 'signal', 'tun-removed', 'socket-removed', …). */
  closed: [string];
}

/**
 * One running interface. Use `Daemon.start`; drive configuration with
 * `uapi(lines)` (the same text protocol `wg` speaks) or `set(delta)`.
 */
export class Daemon extends EventEmitter<DaemonEvents> {
  readonly ifname: string;
  readonly device: Device;
  readonly crypto: CryptoProvider;
  readonly log: Logger;
  private readonly tun: Tun;
  private readonly clock: Clock;
  private bind: Bind | null = null;
  private listenPort = 0;
  private fwmark = 0;
  private linkUp = false;
  private closed = false;
  private readonly timer: DeadlineTimer;
  private readonly handshakes: HandshakeQueue;
  private readonly dropReporter: DropReporter;
  private readonly linger: Linger;
  private readonly effects: EffectsQueue;
  private readonly newBind: () => Bind;
  /** Serialises link transitions and UAPI sets (both may await socket binds). */
  private chain: Promise<unknown> = Promise.resolve();

  /** Built by start(), which has already chosen the provider (the warm-up needs it first). */
  private constructor(opts: DaemonOptions & { readonly crypto: CryptoProvider }) {
    super();
    this.tun = opts.tun;
    this.ifname = opts.tun.name;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? createLogger('error', `(${opts.tun.name}) `);
    this.crypto = opts.crypto;
    this.deliverFilter = opts.deliverFilter ?? null;
    this.newBind = opts.udp ?? newBind;
    this.effects = new EffectsQueue(this.flush, (ev) => this.onDeviceEvent(ev));
    this.device = new Device({
      crypto: this.crypto,
      clock: this.clock,
      random: opts.random ?? systemRandom,
      effects: this.effects,
      mtu: this.tun.mtu(),
      silenceTimeoutMs: opts.silenceTimeoutMs,
    });
    this.timer = new DeadlineTimer(
      () => this.clock.now(),
      () => this.run(() => this.device.tick()),
    );
    this.dropReporter = new DropReporter(
      () => this.dropCounts(),
      (line) => this.log.verbose(line),
    );
    this.linger = new Linger(opts.lingerMs ?? lingerFromEnv(process.env.TSWG_LINGER_MS));
    this.handshakes = new HandshakeQueue(
      (data, from) => this.run(() => this.device.receiveDatagram(data, from)),
      (n) => this.device.setHandshakeBacklog(n),
    );
  }

  /** Builds the interface around an open TUN and follows its link state. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const crypto = typeof opts.crypto === 'object' ? opts.crypto : selectProvider((opts.crypto as CryptoChoice | undefined) ?? 'auto');
    // The warm-up runs before the interface's own objects (Device, effects
    // queue, peers) exist: V8 settles the classes' field layouts while it
    // runs, and objects made earlier would keep stale layouts that the
    // optimised code then rejects at the first real packet (--trace-deopt
    // showed "wrong map" for Peer and Keypair when both ran side by side).
    // It yields to the event loop between slices; it delays readiness by
    // the time it takes (logged at LOG_LEVEL=verbose).
    const warm = await warmBeforeStart((o) => Daemon.start(o), crypto, opts);
    const d = new Daemon({ ...opts, crypto });
    d.log.verbose(`starting with the ${d.crypto.name} crypto provider`);
    if (warm.warmed !== null) d.log.verbose(warm.warmed);
    if (warm.error !== null) d.log.error(warm.error);
    const daemonTunBatch = (buffer: Uint8Array, lengths: Uint32Array, count: number): void => {
      // One TUN batch → every packet through the core; the datagrams it
      // produces leave together (sendmmsg per endpoint) at the batch's end.
      const ab = buffer.buffer;
      let off = buffer.byteOffset;
      d.effects.beginBatch();
      try {
        for (let i = 0; i < count; i++) {
          const n = lengths[i]!;
          d.device.sendPacket(new Uint8Array(ab, off, n));
          off += n;
        }
      } finally {
        d.effects.endBatch();
      }
      d.rearm();
      d.linger.touch();
    };
    d.tun.onBatch(daemonTunBatch);
    d.tun.onClosed((reason) => {
      d.log.verbose(`TUN closed: ${reason}`);
      void d.close('tun-removed');
    });
    d.tun.onLinkChange((state) => {
      d.device.setMtu(state.mtu);
      d.enqueue(() => d.followLink(state.up));
    });
    await d.enqueue(() => d.followLink(d.tun.isUp()));
    if (d.log.level === 'verbose' || d.log.level === 'debug') d.dropReporter.start();
    return d;
  }

  /** Routes one IP packet into the tunnel as if read from the TUN (the liveness probe's echoes). */
  sendPacket(packet: Uint8Array): void {
    if (!this.closed) this.run(() => this.device.sendPacket(packet));
  }

  /** Current configuration and statistics, as UAPI get reports them. */
  snapshot(): DeviceSnapshot {
    return this.device.snapshot();
  }

  /** The interface's public view for interface events (never the private key). */
  interfaceStatus(): InterfaceStatus {
    const s = this.device.snapshot();
    return { publicKey: s.publicKey, listenPort: this.listenPort, fwmark: this.fwmark, peerCount: s.peers.length };
  }

  /** The actual UDP port (after a random choice), 0 while unbound. */
  get port(): number {
    return this.listenPort;
  }

  /**
   * Answers one UAPI request (`get=1` / `set=1` + lines): the reply text (a
   * get's as consecutive pieces, see handleRequestChunked), or null to close.
   */
  async uapi(lines: readonly string[]): Promise<string | Iterable<string> | null> {
    const out = await handleRequestChunked(lines, {
      get: () => this.device.snapshot(),
      set: (delta) => this.set(delta),
    });
    if (out.error) this.log.error(`UAPI ${out.op} failed: ${out.error.message}`);
    return out.reply;
  }

  /**
   * Applies a whole change atomically: a new listen port is bound first (the
   * old socket stays until the rest succeeds), then the core validates and
   * applies everything or nothing. Throws UapiError with wireguard-go's errno.
   */
  set(delta: ConfigDelta): Promise<void> {
    return this.enqueue(async () => {
      let fresh: Bind | null = null;
      if (delta.listenPort !== undefined && delta.listenPort !== this.listenPort && this.linkUp) {
        fresh = this.newBind();
        fresh.onDatagram(this.onDatagram, this.onDatagramBatchEnd);
        try {
          await fresh.open(delta.listenPort);
          if ((delta.fwmark ?? this.fwmark) !== 0) fresh.setMark(delta.fwmark ?? this.fwmark);
        } catch (e) {
          fresh.close();
          throw new UapiError(EADDRINUSE, `cannot bind UDP port ${delta.listenPort}: ${(e as Error).message}`);
        }
      }
      if (delta.fwmark !== undefined && fresh === null && this.bind) {
        try {
          this.bind.setMark(delta.fwmark);
        } catch (e) {
          throw new UapiError(EADDRINUSE, `cannot set fwmark: ${(e as Error).message}`);
        }
      }
      const err = this.run(() => this.device.apply(delta));
      if (err !== null) {
        fresh?.close();
        throw new UapiError(EINVAL, err);
      }
      if (delta.fwmark !== undefined) this.fwmark = delta.fwmark;
      if (delta.listenPort !== undefined) this.listenPort = delta.listenPort;
      if (fresh) {
        this.bind?.close();
        this.bind = fresh;
        this.listenPort = fresh.port;
      }
      this.device.setListenPort(this.listenPort);
    });
  }

  /** Whether the after-traffic wake-ups (linger.ts) are running. */
  get lingering(): boolean {
    return this.linger.running;
  }

  /** Stops everything: peers, sockets, timer, TUN. Idempotent. */
  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.verbose(`shutting down (${reason})`);
    this.run(() => this.device.setUp(false));
    this.timer.cancel();
    this.linger.stop();
    this.dropReporter.stop();
    this.log.verbose(`packets dropped while running, by reason: ${dropTotals(this.dropCounts())}`);
    this.handshakes.clear();
    this.bind?.close();
    this.bind = null;
    this.tun.close();
    this.emit('closed', reason);
  }

  // ---- internals ----------------------------------------------------------

  private enqueue<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The core's drop counters and the daemon's own (handshake messages refused by a full queue). */
  private dropCounts(): Record<string, number> {
    return { ...this.device.drops, 'handshake-queue-full': this.handshakes.dropped };
  }

  /** Runs one core entry point and re-arms the single timer at the core's next deadline. */
  private run<T>(fn: () => T): T {
    const r = fn();
    this.rearm();
    return r;
  }

  private rearm(): void {
    if (!this.closed) this.timer.arm(this.device.nextDeadline());
  }

  private async followLink(up: boolean): Promise<void> {
    if (this.closed || up === this.linkUp) return;
    this.linkUp = up;
    if (up) {
      const b = this.newBind();
      b.onDatagram(this.onDatagram, this.onDatagramBatchEnd);
      try {
        const port = await b.open(this.listenPort);
        if (this.fwmark !== 0) b.setMark(this.fwmark);
        this.bind = b;
        this.listenPort = port;
        this.device.setListenPort(port);
        this.log.verbose(`UDP bound on port ${port}; interface up`);
      } catch (e) {
        // wireguard-go keeps the device down when it cannot bind; so do we.
        b.close();
        this.linkUp = false;
        this.log.error(`cannot bind UDP port ${this.listenPort}: ${(e as Error).message}`);
        return;
      }
      this.run(() => this.device.setUp(true));
    } else {
      this.run(() => this.device.setUp(false));
      this.handshakes.clear();
      this.bind?.close();
      this.bind = null;
      this.log.verbose('interface down');
    }
  }

  private readonly onDatagram = (data: Uint8Array, from: Endpoint): void => {
    // Transport data is handled inline; handshake-type messages are queued so
    // their public-key work is paced (see HandshakeQueue).
    if (data.length > 0 && data[0] !== MESSAGE_TRANSPORT) this.handshakes.push(data, from);
    else {
      // The batch's effects wait for onDatagramBatchEnd (one TUN write per batch).
      this.inUdpBatch = true;
      this.effects.beginBatch();
      this.device.receiveDatagram(data, from);
    }
  };

  /** After each received UDP batch: its effects leave, and the timer follows the core's next deadline (once per batch). */
  private readonly onDatagramBatchEnd = (): void => {
    if (!this.inUdpBatch) return;
    this.inUdpBatch = false;
    this.effects.endBatch();
    this.rearm();
    this.linger.touch();
  };
  private inUdpBatch = false;

  // ---- batched effects (effects-queue.ts) -----------------------------------
  private readonly deliverFilter: ((packet: Uint8Array) => boolean) | null;

  /** Performs one batch's effects: datagrams per endpoint run in one sendmmsg, packets in one TUN write. */
  private readonly flush = (q: EffectsQueue): void => {
    if (q.txData.length > 0) {
      const { to, data } = q.takeTx();
      const bind = this.bind;
      if (bind !== null) {
        let start = 0;
        for (let i = 1; i <= data.length; i++) {
          if (i === data.length || !sameEndpoint(to[i], to[start])) {
            bind.sendMany(to[start]!, data, start, i - start);
            start = i;
          }
        }
      }
    }
    if (q.rx.length > 0) {
      let rx = q.takeRx();
      const filter = this.deliverFilter;
      if (filter !== null) rx = rx.filter((packet) => !filter(packet));
      if (rx.length > 0) this.tun.writeMany(rx);
    }
  };

  private onDeviceEvent(ev: DeviceEvent): void {
    this.emit('event', ev);
  }
}
