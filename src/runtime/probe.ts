/**
 * The optional in-tunnel liveness probe (issue 4; webhook-research.md §5.4
 * rule 6): every `probe.interval` one ICMP echo per peer, from the
 * interface's own tunnel address to the peer's first allowed IP, handed to
 * the device as if read from the TUN so it travels encrypted through the
 * tunnel. The reply is caught by `deliverFilter` before it reaches the TUN,
 * and each outcome goes to `record` (EventPipeline.recordProbe), which fills
 * IsPingable/LastPing in later connect/disconnect payloads. Off by default.
 */
import { networkInterfaces } from 'node:os';
import type { ProbeConfig } from '../events/config.js';
import type { CancelTimer, Scheduler } from '../events/ports.js';
import { systemClock, systemRandom } from '../io/system-ports.js';
import { toBase64 } from '../util/bytes.js';
import { formatIp, parseIp, type AllowedIp } from '../util/ip.js';
import type { Clock, Random } from '../util/ports.js';
import { buildEchoRequest, mayBeIcmp, parseEchoReply } from './icmp-echo.js';

/** What the probe needs from a peer: its key and allowed IPs (PeerStatus fits). */
export interface ProbePeer {
  readonly publicKey: Uint8Array;
  readonly allowedIps: readonly AllowedIp[];
}

/** The interface's own tunnel addresses, one per family (null = none). */
export interface TunnelAddresses {
  readonly v4: Uint8Array | null;
  readonly v6: Uint8Array | null;
}

export interface ProbeOptions {
  readonly ifname: string;
  readonly config: ProbeConfig;
  /** Current peers (e.g. `() => daemon.snapshot().peers`). */
  readonly peers: () => readonly ProbePeer[];
  /** Sends one IP packet into the tunnel (Daemon.sendPacket → Device.sendPacket). */
  readonly send: (packet: Uint8Array) => void;
  /** Receives every outcome: (base64 public key, answered?, wall ms). */
  readonly record: (publicKey: string, pingable: boolean, atWallMs: number) => void;
  readonly clock: Clock;
  readonly random: Random;
  readonly scheduler: Scheduler;
  readonly log: { verbose(m: string): void; error(m: string): void };
  /** Default: the addresses the kernel reports for `ifname` (os.networkInterfaces). */
  readonly addresses?: (ifname: string) => TunnelAddresses;
}

interface Pending {
  readonly key: string;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  readonly cancel: CancelTimer;
}

/** Our tunnel addresses as the kernel reports them; IPv6 link-local (fe80::/10) is never a tunnel address. */
export function systemTunnelAddresses(ifname: string): TunnelAddresses {
  let v4: Uint8Array | null = null;
  let v6: Uint8Array | null = null;
  for (const a of networkInterfaces()[ifname] ?? []) {
    const ip = parseIp(a.address.split('%')[0]!);
    if (!ip) continue;
    if (ip.length === 4) v4 ??= ip;
    else if (!(ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80)) v6 ??= ip;
  }
  return { v4, v6 };
}

/**
 * The probe destination among a peer's allowed IPs for one address family:
 * the first host prefix (/32, /128), else the first non-default prefix's
 * address (a subnet's network address answers only if a host holds it).
 */
export function probeTarget(allowed: readonly AllowedIp[], family: 4 | 16): Uint8Array | null {
  const fam = allowed.filter((p) => p.ip.length === family && p.cidr > 0);
  return (fam.find((p) => p.cidr === family * 8) ?? fam[0])?.ip ?? null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class LivenessProbe {
  private config: ProbeConfig;
  private readonly id: number;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly warned = new Set<string>();
  private cancelRound: CancelTimer | undefined;
  private running = false;
  /** Echo requests sent and replies caught, for logs and tests. */
  sent = 0;
  answered = 0;

  constructor(private readonly opts: ProbeOptions) {
    this.config = opts.config;
    const r = opts.random.fill(new Uint8Array(2));
    this.id = (r[0]! << 8) | r[1]!; // ICMP echo identifier of this daemon's probes
  }

  /**
   * For DaemonOptions.deliverFilter: true when `packet` is the reply to one of
   * our outstanding probes (consumed: it never reaches the TUN). Everything
   * else — including a late reply after its timeout — goes to the TUN as usual.
   */
  readonly deliverFilter = (packet: Uint8Array): boolean => {
    if (this.pending.size === 0 || !mayBeIcmp(packet)) return false;
    const reply = parseEchoReply(packet);
    if (!reply || reply.id !== this.id) return false;
    const p = this.pending.get(reply.seq);
    if (!p || !sameBytes(reply.src, p.dst) || !sameBytes(reply.dst, p.src)) return false;
    this.pending.delete(reply.seq);
    p.cancel();
    this.answered++;
    this.opts.record(p.key, true, this.opts.clock.wallNow());
    return true;
  };

  /** Starts the rounds: the first one after one interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** Stops the rounds and forgets outstanding probes (no further records). */
  stop(): void {
    this.running = false;
    this.cancelRound?.();
    this.cancelRound = undefined;
    for (const p of this.pending.values()) p.cancel();
    this.pending.clear();
  }

  /** New settings from a reload; the next round follows the new interval. */
  configure(config: ProbeConfig): void {
    this.config = config;
    if (this.running) {
      this.cancelRound?.();
      this.schedule();
    }
  }

  /** One round: an echo to every peer that has a target we can source from. */
  round(): void {
    const addrs = (this.opts.addresses ?? systemTunnelAddresses)(this.opts.ifname);
    for (const peer of this.opts.peers()) {
      const key = toBase64(peer.publicKey);
      const v4 = addrs.v4 ? probeTarget(peer.allowedIps, 4) : null;
      const v6 = addrs.v6 ? probeTarget(peer.allowedIps, 16) : null;
      const [src, dst] = v4 ? [addrs.v4!, v4] : v6 ? [addrs.v6!, v6] : [null, null];
      if (!src || !dst) {
        if (!this.warned.has(key)) {
          this.warned.add(key);
          this.opts.log.error(
            `probe: skipping peer ${key.slice(0, 8)}…: ${this.opts.ifname} has no tunnel address of the family of its allowed IPs`,
          );
        }
        continue;
      }
      this.warned.delete(key);
      this.sendOne(key, src, dst);
    }
  }

  private schedule(): void {
    this.cancelRound = this.opts.scheduler.setTimer(this.config.intervalMs, () => {
      if (!this.running) return;
      this.round();
      this.schedule();
    });
  }

  private sendOne(key: string, src: Uint8Array, dst: Uint8Array): void {
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    this.pending.get(seq)?.cancel(); // after 65,536 probes a sequence number comes round again
    const cancel = this.opts.scheduler.setTimer(this.config.timeoutMs, () => {
      if (this.pending.get(seq)?.key !== key) return;
      this.pending.delete(seq);
      this.opts.record(key, false, this.opts.clock.wallNow());
    });
    this.pending.set(seq, { key, src, dst, cancel });
    this.sent++;
    const data = new TextEncoder().encode('tswg-probe');
    this.opts.log.verbose(`probe: echo ${seq} to ${formatIp(dst)} for peer ${key.slice(0, 8)}…`);
    this.opts.send(buildEchoRequest({ src, dst, id: this.id, seq, data }));
  }
}

/** Real time and randomness; the timers never keep the process alive. */
export const systemProbePorts: Pick<ProbeOptions, 'clock' | 'random' | 'scheduler'> = {
  clock: systemClock,
  random: systemRandom,
  scheduler: {
    setTimer(delayMs, fn) {
      const t = setTimeout(fn, Math.max(0, delayMs));
      t.unref();
      return () => clearTimeout(t);
    },
  },
};

/** The part of a Daemon the probe drives. */
export interface ProbeHost {
  snapshot(): { readonly peers: readonly ProbePeer[] };
  sendPacket(packet: Uint8Array): void;
}

/**
 * The daemon's switch for the probe: its `deliverFilter` is given to the
 * Daemon at construction (before any probe exists), `attach` starts probing
 * if the configuration asks for it, and `configure` follows SIGHUP reloads
 * (turning the probe on, off, or to new timings).
 */
export class ProbeControl {
  private probe: LivenessProbe | null = null;
  private host: ProbeHost | null = null;

  constructor(
    private readonly ifname: string,
    private readonly log: ProbeOptions['log'],
    private readonly record: ProbeOptions['record'],
    private readonly ports: Pick<ProbeOptions, 'clock' | 'random' | 'scheduler' | 'addresses'> = systemProbePorts,
  ) {}

  readonly deliverFilter = (packet: Uint8Array): boolean => this.probe !== null && this.probe.deliverFilter(packet);

  attach(host: ProbeHost, config: ProbeConfig | undefined): void {
    this.host = host;
    this.configure(config);
  }

  configure(config: ProbeConfig | undefined): void {
    const host = this.host;
    if (!host) return;
    if (!config) {
      if (this.probe) this.log.verbose('probe: off');
      this.probe?.stop();
      this.probe = null;
      return;
    }
    if (this.probe) {
      this.probe.configure(config);
      return;
    }
    this.probe = new LivenessProbe({
      ifname: this.ifname,
      config,
      peers: () => host.snapshot().peers,
      send: (p) => host.sendPacket(p),
      record: this.record,
      log: this.log,
      ...this.ports,
    });
    this.probe.start();
    this.log.verbose(`probe: every ${config.intervalMs} ms, timeout ${config.timeoutMs} ms`);
  }

  stop(): void {
    this.probe?.stop();
    this.probe = null;
    this.host = null;
  }
}
