/**
 * An in-memory stand-in for the native addon (native.ts): TUN devices and
 * UDP sockets that exist only in this process and are wired to each other.
 * The daemon's glue warm-up (runtime/glue-warmup.ts) runs whole Daemons over
 * it, so the reader callbacks, the UDP and TUN batch handlers, the effects
 * flush and the TUN write encoder run — and get optimised by V8 — before the
 * real interface carries its first packet. Nothing here touches the OS.
 *
 * Semantics follow the real addon where the code above it can tell:
 * - reader callbacks get one fresh buffer per batch, packets back to back,
 *   lengths (and UDP source records) in the arrays given at start, and are
 *   only ever called from `deliver()`, never from inside a send or write
 *   (the real ones run from libuv, a later event-loop turn);
 * - a TUN opened with a vnet header reads and writes the 10-byte
 *   virtio_net_hdr in front of each packet;
 * - datagrams to a port nobody bound vanish, as UDP does.
 * The "network" routes by UDP port alone; every socket's address is
 * HOST_ADDRESS (a 198.18.0.0/15 benchmarking address, never sent to).
 *
 * A TUN answers ICMP echo requests written to it (IPv4 type 8, ICMPv6 128)
 * with a reply read back from it, as the kernel behind a real TUN would.
 */
import type { LinkWatchCallback, NativeAddon, NativeHandle, ReaderCallback } from './native.js';
import { IFF_RUNNING, IFF_UP, IFF_VNET_HDR } from './native.js';
import { VNET_HDR_LEN } from '../wire/virtio-net-hdr.js';

/** The one address every in-memory host has. */
export const HOST_ADDRESS: readonly number[] = [198, 18, 255, 1];

const ADDR_STRIDE = 20; // native/udp.c's source record: [0] family, [2..4) port BE, [4..20) address
const FIRST_FD = 1 << 20; // above any real descriptor number, so a mix-up cannot close a real one
const FIRST_PORT = 40000;

interface Reader {
  cb: ReaderCallback;
  lengths: Uint32Array;
  /** UDP only: the source records. */
  addrs: Uint8Array | null;
  stopped: boolean;
}

interface MemTun {
  fd: number;
  name: string;
  vnet: boolean;
  mtu: number;
  reader: Reader | null;
  /** Packets written to the TUN (what the kernel would have received). */
  written: number;
}

interface MemSock {
  family: 4 | 6;
  port: number;
  mark: number;
  reader: Reader | null;
}

/** One batch waiting for its reader: packed bytes, lengths, and (UDP) the sender's port. */
interface Pending {
  reader: Reader;
  buffer: Uint8Array;
  lengths: number[];
  fromFamily: 4 | 6;
  fromPort: number;
}

export class MemoryAddon implements NativeAddon {
  private nextFd = FIRST_FD;
  private nextPort = FIRST_PORT;
  private readonly tuns = new Map<number, MemTun>();
  private readonly socks = new Map<number, MemSock>();
  private readonly queue: Pending[] = [];
  /** Echo replies the TUNs produced (each is also queued as a TUN read). */
  echoReplies = 0;

  // ---- TUN ------------------------------------------------------------------

  openTun(name: string, vnetHdr: boolean): { fd: number; name: string } {
    const fd = this.nextFd++;
    this.tuns.set(fd, { fd, name, vnet: vnetHdr, mtu: 1420, reader: null, written: 0 });
    return { fd, name };
  }

  tunInfo(fd: number): { name: string; flags: number } {
    const t = this.tun(fd);
    return { name: t.name, flags: t.vnet ? IFF_VNET_HDR : 0 };
  }

  writeTun(fd: number, packet: Uint8Array): number {
    this.written(this.tun(fd), packet);
    return packet.length;
  }

  writeTunMany(fd: number, packets: readonly Uint8Array[], count: number): number {
    const t = this.tun(fd);
    for (let i = 0; i < count; i++) this.written(t, packets[i]!);
    return count;
  }

  writeTunVnet(fd: number, _hdrs: Uint8Array, counts: Uint32Array, parts: readonly Uint8Array[], first: number, n: number, partStart: number): number {
    const t = this.tun(fd);
    let p = partStart;
    for (let i = first; i < n; i++) {
      const c = counts[i]!;
      // A single-part write is one plain packet; a coalesced one (headers + payloads) is never an echo.
      if (c === 1) this.written(t, parts[p]!);
      else t.written += c - 1;
      p += c;
    }
    return n - first;
  }

  closeFd(fd: number): void {
    const t = this.tuns.get(fd);
    if (t?.reader) t.reader.stopped = true;
    const s = this.socks.get(fd);
    if (s?.reader) s.reader.stopped = true;
    this.tuns.delete(fd);
    this.socks.delete(fd);
  }

  setTunOffload(fd: number, _flags: number): void {
    this.tun(fd);
  }

  startReader(fd: number, _maxBatch: number, _maxPacket: number, lengths: Uint32Array, cb: ReaderCallback): NativeHandle {
    const r: Reader = { cb, lengths, addrs: null, stopped: false };
    this.tun(fd).reader = r;
    return r as unknown as NativeHandle;
  }

  stopReader(handle: NativeHandle): void {
    (handle as unknown as Reader).stopped = true;
  }

  errnoString(errno: number): { name: string; message: string } {
    return { name: '', message: `errno ${errno}` };
  }

  refHandle(_handle: NativeHandle, _ref: boolean): void {}

  getMtu(name: string): number {
    return this.tunByName(name)?.mtu ?? 1420;
  }

  setMtu(name: string, mtu: number): void {
    const t = this.tunByName(name);
    if (t) t.mtu = mtu;
  }

  getFlags(_name: string): number {
    return IFF_UP | IFF_RUNNING;
  }

  ifIndex(_name: string): number {
    return 1_000_000; // no real interface has it; nothing watches it (startLinkWatch is inert)
  }

  startLinkWatch(_ifindex: number, _cb: LinkWatchCallback): NativeHandle {
    return {} as NativeHandle;
  }

  stopLinkWatch(_handle: NativeHandle): void {}

  // ---- UDP ------------------------------------------------------------------

  setSockMark(fd: number, mark: number): void {
    this.sock(fd).mark = mark;
  }

  getSockMark(fd: number): number {
    return this.sock(fd).mark;
  }

  setSockBuffers(_fd: number, bytes: number): { rcv: number; snd: number } {
    return { rcv: bytes, snd: bytes };
  }

  udpSocket(family: 4 | 6, _address: Uint8Array, port: number): { fd: number; port: number } {
    const p = port !== 0 ? port : this.nextPort++;
    for (const s of this.socks.values()) {
      if (s.family === family && s.port === p) throw Object.assign(new Error('address in use'), { code: 'EADDRINUSE', errno: -98, syscall: 'bind' });
    }
    const fd = this.nextFd++;
    this.socks.set(fd, { family, port: p, mark: 0, reader: null });
    return { fd, port: p };
  }

  startUdpReader(fd: number, _maxBatch: number, lengths: Uint32Array, addrs: Uint8Array, cb: ReaderCallback): NativeHandle {
    const r: Reader = { cb, lengths, addrs, stopped: false };
    this.sock(fd).reader = r;
    return r as unknown as NativeHandle;
  }

  stopUdpReader(handle: NativeHandle): void {
    (handle as unknown as Reader).stopped = true;
  }

  udpSendMany(
    fd: number,
    datagrams: readonly Uint8Array[],
    start: number,
    count: number,
    family: 4 | 6,
    _address: Uint8Array,
    port: number,
    _gso: boolean,
  ): number {
    const from = this.sock(fd);
    let to: MemSock | null = null;
    for (const s of this.socks.values()) if (s.family === family && s.port === port) to = s;
    if (to?.reader) {
      const lengths: number[] = [];
      for (let i = start; i < start + count; i++) lengths.push(datagrams[i]!.length);
      this.queue.push({ reader: to.reader, buffer: pack(datagrams, start, count, 0), lengths, fromFamily: from.family, fromPort: from.port });
    }
    return count;
  }

  udpOffloads(_fd: number, gro: boolean): { gso: boolean; gro: boolean } {
    // As on a veth: both offloads are available.
    return { gso: true, gro };
  }

  // ---- driving it -------------------------------------------------------------

  /** Queues `packets` as one TUN read batch of `fd` (with zeroed vnet headers when the TUN has them). */
  readFromTun(fd: number, packets: readonly Uint8Array[]): void {
    const t = this.tun(fd);
    if (t.reader === null) return;
    const hdr = t.vnet ? VNET_HDR_LEN : 0;
    this.queue.push({
      reader: t.reader,
      buffer: pack(packets, 0, packets.length, hdr),
      lengths: packets.map((p) => p.length + hdr),
      fromFamily: 4,
      fromPort: 0,
    });
  }

  /** Queues one datagram to the socket bound on (`family`, `toPort`) as if sent from `fromPort` (a stranger: no socket needed there). */
  sendFrom(fromPort: number, family: 4 | 6, toPort: number, datagram: Uint8Array): void {
    for (const s of this.socks.values()) {
      if (s.family === family && s.port === toPort && s.reader !== null) {
        this.queue.push({ reader: s.reader, buffer: datagram.slice(), lengths: [datagram.length], fromFamily: family, fromPort });
      }
    }
  }

  /** Packets written to TUN `fd` so far. */
  writtenTo(fd: number): number {
    return this.tun(fd).written;
  }

  /**
   * Hands queued batches to their readers, including those the handlers
   * queue meanwhile, until nothing is left or `limit` batches went.
   * Returns how many were delivered.
   */
  deliver(limit = 1024): number {
    let n = 0;
    while (n < limit && this.queue.length > 0) {
      const b = this.queue.shift()!;
      if (b.reader.stopped) continue;
      const r = b.reader;
      for (let i = 0; i < b.lengths.length; i++) {
        r.lengths[i] = b.lengths[i]!;
        if (r.addrs !== null) {
          const o = i * ADDR_STRIDE;
          r.addrs.fill(0, o, o + ADDR_STRIDE);
          r.addrs[o] = b.fromFamily;
          r.addrs[o + 2] = b.fromPort >> 8;
          r.addrs[o + 3] = b.fromPort & 0xff;
          if (b.fromFamily === 4) r.addrs.set(HOST_ADDRESS, o + 4);
          else r.addrs.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...HOST_ADDRESS], o + 4);
        }
      }
      r.cb(0, b.buffer, b.lengths.length);
      n++;
    }
    return n;
  }

  /** Batches waiting for delivery. */
  get pending(): number {
    return this.queue.length;
  }

  // ---- internals ----------------------------------------------------------------

  private tun(fd: number): MemTun {
    const t = this.tuns.get(fd);
    if (t === undefined) throw Object.assign(new Error(`bad file descriptor ${fd}`), { code: 'EBADF', errno: -9, syscall: 'tun' });
    return t;
  }

  private tunByName(name: string): MemTun | undefined {
    for (const t of this.tuns.values()) if (t.name === name) return t;
    return undefined;
  }

  private sock(fd: number): MemSock {
    const s = this.socks.get(fd);
    if (s === undefined) throw Object.assign(new Error(`bad file descriptor ${fd}`), { code: 'EBADF', errno: -9, syscall: 'udp' });
    return s;
  }

  /** Counts a written packet; an echo request comes back as the reply the kernel would send. */
  private written(t: MemTun, packet: Uint8Array): void {
    t.written++;
    const reply = echoReply(packet);
    if (reply !== null && t.reader !== null) {
      this.echoReplies++;
      this.readFromTun(t.fd, [reply]);
    }
  }
}

/**
 * `mem` behind an object built like the real addon's exports (`like`): the
 * same own properties, added in the same order to a plain object. V8 then
 * gives both one hidden class, so code optimised while it called the
 * in-memory addon keeps serving the real one, instead of being thrown away at
 * the first real call ("wrong map" in --trace-deopt). Methods the in-memory
 * addon lacks throw. Without `like`, the MemoryAddon's own methods in
 * NativeAddon's order.
 */
export function addonShaped(mem: MemoryAddon, like: object | null): NativeAddon {
  const names = like !== null ? Object.getOwnPropertyNames(like) : Object.getOwnPropertyNames(MemoryAddon.prototype).filter((n) => n !== 'constructor');
  const out: Record<string, unknown> = {};
  const table = mem as unknown as Record<string, unknown>;
  for (const name of names) {
    const f = table[name];
    out[name] =
      typeof f === 'function'
        ? (f as (...a: unknown[]) => unknown).bind(mem)
        : () => {
            throw new Error(`${name} is not available in memory`);
          };
  }
  return out as unknown as NativeAddon;
}

/** Packs packets[start, start+count) back to back, each after `gap` zero bytes (the vnet header). */
function pack(packets: readonly Uint8Array[], start: number, count: number, gap: number): Uint8Array {
  let total = 0;
  for (let i = start; i < start + count; i++) total += packets[i]!.length + gap;
  const out = new Uint8Array(total);
  let off = 0;
  for (let i = start; i < start + count; i++) {
    off += gap;
    out.set(packets[i]!, off);
    off += packets[i]!.length;
  }
  return out;
}

/**
 * The echo reply to an IPv4 ICMP echo request (RFC 792: type 8 → 0) or an
 * ICMPv6 one (RFC 4443: 128 → 129) without extension headers: addresses
 * swapped, type changed. Checksums are left as they were: nothing on the
 * warm-up's path checks them. Null for anything else.
 */
export function echoReply(p: Uint8Array): Uint8Array | null {
  if (p.length >= 28 && p[0]! >> 4 === 4 && p[9] === 1) {
    const ihl = (p[0]! & 0x0f) * 4;
    if (p.length < ihl + 8 || p[ihl] !== 8) return null;
    const r = Uint8Array.from(p);
    r.set(p.subarray(16, 20), 12);
    r.set(p.subarray(12, 16), 16);
    r[ihl] = 0;
    return r;
  }
  if (p.length >= 48 && p[0]! >> 4 === 6 && p[6] === 58 && p[40] === 128) {
    const r = Uint8Array.from(p);
    r.set(p.subarray(24, 40), 8);
    r.set(p.subarray(8, 24), 24);
    r[40] = 129;
    return r;
  }
  return null;
}
