/**
 * A Linux TUN interface as the daemon sees it: packets in (batched, from the
 * native uv_poll reader), packets out (non-blocking writes that drop instead
 * of waiting), MTU, link state, and notice of removal. Layer-3 only
 * (IFF_TUN|IFF_NO_PI): every read/write is one raw IPv4/IPv6 packet
 * (protocol-checklist §12). With offloads (the default for a TUN we create:
 * IFF_VNET_HDR + TSO4/TSO6/CSUM) reads of TCP super-packets are split and
 * writes coalesced by tun-offload.ts; callers still see plain IP packets.
 */
import { LinkMonitor, type LinkEvent } from './link-monitor.js';
import { errnoName, IFF_RUNNING, IFF_UP, IFF_VNET_HDR, loadNative, type NativeAddon, type NativeHandle } from './native.js';
import { TunOffload } from './tun-offload.js';
import { TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, VNET_HDR_LEN } from '../wire/virtio-net-hdr.js';

export interface TunOptions {
  /** Most packets handed over per batch (one JS call). Default 128, wireguard-go's batch size. */
  maxBatch?: number;
  /** Largest packet one read accepts; longer packets would be truncated by the kernel. Default 65535. */
  maxPacket?: number;
  /**
   * Create the TUN with IFF_VNET_HDR and TSO/checksum offloads (default true;
   * TSWG_TUN_OFFLOAD=0 turns the default off). Ignored by fromFd, which
   * follows the inherited fd's flags.
   */
  offload?: boolean;
  /** The addon behind the fd (default: the built one; the glue warm-up passes an in-memory one, io/memory-addon.ts). */
  native?: NativeAddon;
}

function offloadDefault(opts: TunOptions): boolean {
  return opts.offload ?? process.env.TSWG_TUN_OFFLOAD !== '0';
}

/** Link state: `up` = IFF_UP and IFF_RUNNING, the condition wireguard-go binds sockets and starts peers on. */
export interface LinkState {
  up: boolean;
  mtu: number;
  flags: number;
}

export interface TunStats {
  batches: number;
  packetsRead: number;
  bytesRead: number;
  packetsWritten: number;
  /** Writes the kernel refused (EAGAIN, EIO while down, EINVAL for a malformed packet, …). */
  writeDrops: number;
  /** errno of the latest refused write, 0 if none. */
  lastWriteErrno: number;
}

/** Zero-copy batch shape: packet i is `buffer[offset_i, offset_i + lengths[i])`, offsets cumulative from 0. */
export type BatchHandler = (buffer: Uint8Array, lengths: Uint32Array, count: number) => void;

const EBADFD = 77; // what read(2) returns once the interface is deleted

export class Tun {
  readonly name: string;
  readonly fd: number;
  readonly ifindex: number;
  readonly stats: TunStats = {
    batches: 0,
    packetsRead: 0,
    bytesRead: 0,
    packetsWritten: 0,
    writeDrops: 0,
    lastWriteErrno: 0,
  };
  private readonly native: NativeAddon;
  private readonly maxBatch: number;
  private readonly maxPacket: number;
  private readonly lengths: Uint32Array;
  private reader: NativeHandle | null = null;
  private monitor: LinkMonitor | null = null;
  private batchHandler: BatchHandler | null = null;
  private closedHandlers: ((reason: string) => void)[] = [];
  private linkHandlers: ((state: LinkState) => void)[] = [];
  private lastLink: LinkState | null = null;
  private closed = false;
  private referenced = true;
  /** Set when the fd carries virtio_net_hdr prefixes (IFF_VNET_HDR). */
  readonly offload: TunOffload | null;

  private constructor(native: NativeAddon, fd: number, name: string, opts: TunOptions, vnet: boolean) {
    this.native = native;
    this.fd = fd;
    this.name = name;
    this.maxBatch = opts.maxBatch ?? 128;
    this.maxPacket = opts.maxPacket ?? 65535;
    this.lengths = new Uint32Array(this.maxBatch);
    this.ifindex = native.ifIndex(name);
    this.offload = null;
    if (vnet) {
      // wireguard-go requires CSUM|TSO4|TSO6 with IFF_VNET_HDR (checklist §12).
      native.setTunOffload(fd, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
      this.offload = new TunOffload(native, fd);
    }
  }

  /** Creates (or attaches to) TUN `name`; '' or 'name%d' lets the kernel choose. Throws a NativeError. */
  static create(name: string, opts: TunOptions = {}): Tun {
    const native = opts.native ?? loadNative();
    const vnet = offloadDefault(opts);
    const { fd, name: actual } = native.openTun(name, vnet);
    try {
      return new Tun(native, fd, actual, opts, vnet);
    } catch (err) {
      native.closeFd(fd);
      throw err;
    }
  }

  /** Adopts an inherited TUN fd (WG_TUN_FD, checklist §10.4); makes it non-blocking. */
  static fromFd(fd: number, opts: TunOptions = {}): Tun {
    const native = opts.native ?? loadNative();
    const info = native.tunInfo(fd);
    return new Tun(native, fd, info.name, opts, (info.flags & IFF_VNET_HDR) !== 0);
  }

  /**
   * Receives packets as views into one fresh buffer per batch (safe to keep).
   * Starts the reader; replaces any earlier packet/batch handler.
   */
  onPackets(cb: (packets: Uint8Array[]) => void): void {
    this.onBatch((buffer, lengths, count) => {
      const packets = new Array<Uint8Array>(count);
      const ab = buffer.buffer;
      let off = buffer.byteOffset;
      for (let i = 0; i < count; i++) {
        const n = lengths[i]!;
        packets[i] = new Uint8Array(ab, off, n);
        off += n;
      }
      cb(packets);
    });
  }

  /** Lowest-cost shape: no per-packet objects. `lengths` is only valid during the call. */
  onBatch(cb: BatchHandler): void {
    if (this.closed) throw new Error(`TUN ${this.name} is closed`);
    this.batchHandler = cb;
    if (this.reader) return;
    const readMax = this.offload ? this.maxPacket + VNET_HDR_LEN : this.maxPacket;
    // Named, so profiles and --trace-opt can tell it from the other reader callbacks.
    const tunReaderBatch = (code: number, buf: Uint8Array | undefined, count: number): void => {
      if (code !== 0) {
        this.reader = null;
        const why = code === EBADFD ? 'the TUN interface was removed' : 'reading the TUN device failed';
        this.closeWith(`${why} (${errnoName(code)})`);
        return;
      }
      this.stats.batches++;
      if (this.offload) {
        const d = this.offload.decode(buf!, this.lengths, count);
        this.stats.packetsRead += d.count;
        this.stats.bytesRead += d.buffer.length;
        if (d.count > 0) this.batchHandler?.(d.buffer, d.lengths, d.count);
        return;
      }
      this.stats.packetsRead += count;
      this.stats.bytesRead += buf!.length;
      this.batchHandler?.(buf!, this.lengths, count);
    };
    this.reader = this.native.startReader(this.fd, this.maxBatch, readMax, this.lengths, tunReaderBatch);
    if (!this.referenced) this.native.refHandle(this.reader, false);
  }

  /** Fires once when the interface disappears (read error or `ip link del`). Not fired by `close()`. */
  onClosed(cb: (reason: string) => void): void {
    this.closedHandlers.push(cb);
    this.startMonitor();
  }

  /** Fires when up/down or the MTU changes (duplicate netlink notifications are filtered out). */
  onLinkChange(cb: (state: LinkState) => void): void {
    this.linkHandlers.push(cb);
    this.startMonitor();
  }

  /** Writes one packet; a refusal is counted in `stats`, never thrown and never waited for. */
  write(packet: Uint8Array): void {
    if (this.closed) {
      this.stats.writeDrops++;
      return;
    }
    if (this.offload) {
      this.writeMany([packet]);
      return;
    }
    const r = this.native.writeTun(this.fd, packet);
    if (r >= 0) this.stats.packetsWritten++;
    else this.drop(-r, 1);
  }

  /** Writes several packets; returns how many the kernel took (the rest are counted as dropped). */
  writeMany(packets: readonly Uint8Array[]): number {
    if (this.closed || packets.length === 0) {
      this.stats.writeDrops += packets.length;
      return 0;
    }
    if (this.offload) {
      const n = this.offload.write(packets, this.refused);
      this.stats.packetsWritten += n;
      return n;
    }
    let written = 0;
    let i = 0;
    while (i < packets.length) {
      const batch = i === 0 ? packets : packets.slice(i);
      const r = this.native.writeTunMany(this.fd, batch, batch.length);
      if (r < 0) {
        // The first packet of this slice was refused: drop it and go on, so
        // one malformed packet never costs the packets behind it.
        this.drop(-r, 1);
        i++;
        continue;
      }
      // r < batch.length: batch[r] was refused; the next round retries it once.
      written += r;
      i += r;
    }
    this.stats.packetsWritten += written;
    return written;
  }

  mtu(): number {
    return this.native.getMtu(this.name);
  }

  setMtu(mtu: number): void {
    this.native.setMtu(this.name, mtu);
  }

  isUp(): boolean {
    return this.linkState().up;
  }

  /** Current state read from the kernel (SIOCGIFFLAGS / SIOCGIFMTU). */
  linkState(): LinkState {
    const flags = this.native.getFlags(this.name);
    return { up: isUpFlags(flags), mtu: this.native.getMtu(this.name), flags };
  }

  /** Lets the process exit even while the reader and monitor run. */
  unref(): void {
    this.referenced = false;
    if (this.reader) this.native.refHandle(this.reader, false);
    this.monitor?.unref();
  }

  /** Stops reading and watching and closes the fd (a non-persistent TUN then disappears). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reader) this.native.stopReader(this.reader); // before closeFd: libuv must not poll a closed fd
    this.reader = null;
    this.monitor?.close();
    this.monitor = null;
    this.native.closeFd(this.fd);
  }

  private readonly refused = (errno: number, n: number): void => this.drop(errno, n);

  private drop(errno: number, n: number): void {
    this.stats.writeDrops += n;
    this.stats.lastWriteErrno = errno;
  }

  private startMonitor(): void {
    if (this.monitor || this.closed) return;
    this.lastLink = this.linkState();
    this.monitor = LinkMonitor.start(this.ifindex, (e) => this.onLinkEvent(e), this.native);
    if (!this.referenced) this.monitor.unref();
  }

  private onLinkEvent(e: LinkEvent): void {
    if (this.closed) return;
    if (e.type === 'delete') {
      this.closeWith(`the TUN interface ${this.name} was deleted`);
      return;
    }
    if (e.type === 'error') {
      this.monitor = null;
      return; // the reader still reports removal; link changes are then unobserved
    }
    let state: LinkState;
    if (e.type === 'resync') {
      try {
        state = this.linkState();
      } catch {
        this.closeWith(`the TUN interface ${this.name} is gone`);
        return;
      }
    } else {
      state = { up: isUpFlags(e.flags), mtu: e.mtu || (this.lastLink?.mtu ?? 0), flags: e.flags };
    }
    const prev = this.lastLink;
    this.lastLink = state;
    if (prev && prev.up === state.up && prev.mtu === state.mtu) return;
    for (const cb of this.linkHandlers) cb(state);
  }

  private closeWith(reason: string): void {
    if (this.closed) return;
    this.close();
    for (const cb of this.closedHandlers) cb(reason);
  }
}

function isUpFlags(flags: number): boolean {
  return (flags & IFF_UP) !== 0 && (flags & IFF_RUNNING) !== 0;
}
