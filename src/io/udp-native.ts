/**
 * The UDP side of the device over the addon's batched sockets
 * (native/udp.c): the same two-socket shape as UdpBind (udp4 + v6-only udp6
 * on one port, 7 MB buffers, SO_MARK; protocol-checklist §12 "UDP"), but
 * datagrams arrive as recvmmsg batches — one JS call per batch — and
 * `sendMany` hands a whole batch for one destination to one sendmmsg call.
 * node:dgram (udp.ts) stays the fallback when the addon is missing.
 */
import type { Endpoint } from '../core/endpoint.js';
import { formatIp, isIpv4Mapped, parseIp } from '../util/ip.js';
import { loadNative, type NativeAddon, type NativeHandle } from './native.js';
import { bindWithRetry, type BatchEndHandler, type DatagramHandler, type UdpStats } from './udp.js';

export interface NativeUdpOptions {
  address4?: string | null;
  address6?: string | null;
  bufferBytes?: number;
  /** Most datagrams per receive batch (default 128, wireguard-go's batch size). */
  maxBatch?: number;
  /**
   * UDP GSO sends and UDP GRO receives when the kernel has them (default
   * true; TSWG_UDP_OFFLOAD=0 turns the default off). Probed per socket.
   */
  offload?: boolean;
  /** The addon (default: the built one; the glue warm-up passes an in-memory one, memory-addon.ts). */
  native?: NativeAddon;
}

const ADDR_STRIDE = 20; // native/udp.c: [0] family, [2..4) port BE, [4..20) address
const DEFAULT_BUFFER = 7 << 20;
const EAGAIN = 11;
const EIO = 5;
/** Datagrams per received message with UDP_GRO (the kernel's merge limit); see native/udp.c. */
const GRO_MAX_SEGS = 64;

interface Sock {
  fd: number;
  reader: NativeHandle | null;
  /** UDP_SEGMENT accepted (and not yet refused with EIO). */
  gso: boolean;
}

/** Destination address bytes, parsed once per distinct endpoint string. */
interface Dest {
  family: 4 | 6;
  bytes: Uint8Array;
}

export class NativeUdpBind {
  readonly stats: UdpStats = { sent: 0, received: 0, sendErrors: 0, socketErrors: 0 };
  private readonly native: NativeAddon;
  private readonly address4: string | null;
  private readonly address6: string | null;
  private readonly bufferBytes: number;
  private readonly maxBatch: number;
  private readonly offload: boolean;
  private sock4: Sock | null = null;
  private sock6: Sock | null = null;
  private boundPort = 0;
  private mark = 0;
  private handler: DatagramHandler | null = null;
  private batchEnd: BatchEndHandler | null = null;
  private readonly dests = new Map<string, Dest | null>();
  private readonly one: Uint8Array[] = [];
  // Source-endpoint cache: consecutive datagrams from one peer share one Endpoint object.
  private readonly lastRec = new Uint8Array(ADDR_STRIDE);
  private lastFrom: Endpoint | null = null;

  /** Throws a NativeError (ERR_TSWG_NATIVE_MISSING) when the addon is not built. */
  constructor(opts: NativeUdpOptions = {}) {
    this.native = opts.native ?? loadNative();
    if (typeof this.native.udpSocket !== 'function') throw new Error('the tswg addon predates batched UDP; rebuild it');
    this.address4 = opts.address4 === undefined ? '0.0.0.0' : opts.address4;
    this.address6 = opts.address6 === undefined ? '::' : opts.address6;
    this.bufferBytes = opts.bufferBytes ?? DEFAULT_BUFFER;
    this.maxBatch = opts.maxBatch ?? 128;
    this.offload = opts.offload ?? process.env.TSWG_UDP_OFFLOAD !== '0';
  }

  get port(): number {
    return this.boundPort;
  }

  /** Binds both sockets on `port` (0 = random, retried when v6 collides); rejects with a UdpBindError. */
  async open(port: number): Promise<number> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad UDP port ${port}`);
    await this.close();
    return bindWithRetry(port, (p) => this.tryOpen(p));
  }

  private tryOpen(port: number): number {
    let s4: Sock | null = null;
    let s6: Sock | null = null;
    try {
      let actual = port;
      if (this.address4 !== null) {
        try {
          s4 = this.socket(4, this.address4, port);
          actual = this.lastPort;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT' || this.address6 === null) throw err;
        }
      }
      if (this.address6 !== null) {
        try {
          s6 = this.socket(6, this.address6, actual);
          actual = this.lastPort;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (s4 === null || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
        }
      }
      if (s4 === null && s6 === null) throw Object.assign(new Error('no socket could be bound'), { code: 'EAFNOSUPPORT' });
      for (const s of [s4, s6]) if (s) this.startReading(s);
      this.sock4 = s4;
      this.sock6 = s6;
      this.boundPort = actual;
      return actual;
    } catch (err) {
      this.closeSock(s4);
      this.closeSock(s6);
      throw err;
    }
  }

  private lastPort = 0;

  private socket(family: 4 | 6, address: string, port: number): Sock {
    const bytes = parseIp(address);
    if (bytes === null || bytes.length !== (family === 4 ? 4 : 16)) throw new RangeError(`bad bind address ${address}`);
    const { fd, port: got } = this.native.udpSocket(family, bytes, port);
    this.lastPort = got;
    this.native.setSockBuffers(fd, this.bufferBytes);
    if (this.mark !== 0) this.native.setSockMark(fd, this.mark);
    const off = this.offload ? this.native.udpOffloads(fd, true) : { gso: false, gro: false };
    return { fd, reader: null, gso: off.gso };
  }

  private startReading(s: Sock): void {
    const lengths = new Uint32Array(this.maxBatch * GRO_MAX_SEGS);
    const addrs = new Uint8Array(this.maxBatch * GRO_MAX_SEGS * ADDR_STRIDE);
    // Named, so profiles and --trace-opt can tell it from the other reader callbacks.
    const udpReaderBatch = (code: number, buf: Uint8Array | undefined, count: number): void => {
      if (code !== 0) {
        s.reader = null;
        this.stats.socketErrors++;
        return;
      }
      this.stats.received += count;
      const h = this.handler;
      if (h === null) return;
      const ab = buf!.buffer;
      let off = buf!.byteOffset;
      try {
        for (let i = 0; i < count; i++) {
          const n = lengths[i]!;
          h(new Uint8Array(ab, off, n), this.endpointAt(addrs, i * ADDR_STRIDE));
          off += n;
        }
      } finally {
        this.batchEnd?.();
      }
    };
    s.reader = this.native.startUdpReader(s.fd, this.maxBatch, lengths, addrs, udpReaderBatch);
  }

  /** The canonical Endpoint of address record `at`, reusing the previous object for a repeat sender. */
  private endpointAt(addrs: Uint8Array, at: number): Endpoint {
    const last = this.lastRec;
    const len = addrs[at] === 4 ? 8 : ADDR_STRIDE;
    let same = this.lastFrom !== null;
    for (let i = 0; same && i < len; i++) if (addrs[at + i] !== last[i]) same = false;
    if (same) return this.lastFrom!;
    last.fill(0);
    last.set(addrs.subarray(at, at + len));
    const port = (addrs[at + 2]! << 8) | addrs[at + 3]!;
    const ip = addrs[at] === 4 ? addrs.slice(at + 4, at + 8) : addrs.slice(at + 4, at + 20);
    this.lastFrom = { address: formatIp(ip), port };
    return this.lastFrom;
  }

  private closeSock(s: Sock | null): void {
    if (s === null) return;
    if (s.reader) this.native.stopUdpReader(s.reader); // before closeFd: libuv must not poll a closed fd
    s.reader = null;
    try {
      this.native.closeFd(s.fd);
    } catch {
      // already closed
    }
  }

  async close(): Promise<void> {
    this.closeSock(this.sock4);
    this.closeSock(this.sock6);
    this.sock4 = null;
    this.sock6 = null;
    this.boundPort = 0;
  }

  private dest(address: string): Dest | null {
    let d = this.dests.get(address);
    if (d !== undefined) return d;
    const ip = parseIp(address);
    if (ip === null) d = null;
    else if (ip.length === 4) d = { family: 4, bytes: ip };
    else if (isIpv4Mapped(ip)) d = { family: 4, bytes: ip.slice(12) };
    else d = { family: 6, bytes: ip };
    if (this.dests.size > 1024) this.dests.clear();
    this.dests.set(address, d);
    return d;
  }

  /** Sends one datagram (see sendMany). */
  send(to: Endpoint, datagram: Uint8Array): void {
    this.one[0] = datagram;
    this.sendMany(to, this.one, 0, 1);
    this.one.length = 0;
  }

  /**
   * Sends datagrams[start, start+count) to one endpoint with as few sendmmsg
   * calls as possible. Never throws and never waits: refusals (a full socket
   * buffer, no socket for the family) are counted in stats.sendErrors.
   */
  sendMany(to: Endpoint, datagrams: readonly Uint8Array[], start = 0, count = datagrams.length - start): void {
    const d = this.dest(to.address);
    const sock = d === null ? null : d.family === 4 ? this.sock4 : this.sock6;
    if (d === null || sock === null || to.port < 1 || to.port > 65535) {
      this.stats.sendErrors += count;
      return;
    }
    let i = start;
    const end = start + count;
    while (i < end) {
      const r = this.native.udpSendMany(sock.fd, datagrams, i, end - i, d.family, d.bytes, to.port, sock.gso);
      if (r === -EIO && sock.gso) {
        sock.gso = false; // no checksum offload on the egress device: plain sends from now on
        continue;
      }
      if (r <= 0) {
        // The datagram at i was refused (or EAGAIN: the buffer is full). Drop it and go on.
        this.stats.sendErrors++;
        i++;
        if (r === -EAGAIN) {
          this.stats.sendErrors += end - i; // a full buffer will not drain within this call
          return;
        }
        continue;
      }
      this.stats.sent += r;
      i += r;
    }
  }

  /** Every received datagram (views into one buffer per recvmmsg batch); `end` after each batch. */
  onDatagram(cb: DatagramHandler, end?: BatchEndHandler): void {
    this.handler = cb;
    this.batchEnd = end ?? null;
  }

  setMark(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) throw new RangeError(`bad fwmark ${mark}`);
    for (const s of [this.sock4, this.sock6]) if (s) this.native.setSockMark(s.fd, mark);
    this.mark = mark;
  }

  marks(): number[] {
    return [this.sock4, this.sock6].filter((s): s is Sock => s !== null).map((s) => this.native.getSockMark(s.fd));
  }
}
