/**
 * The UDP side of the device (whitepaper §2 "endpoints"): two node:dgram
 * sockets on one port, udp4 and a v6-only udp6, like wireguard-go's
 * StdNetBind (protocol-checklist §12 "UDP"). Port 0 picks a random port and
 * retries when the v6 bind collides; buffers are raised to 7 MB; SO_MARK
 * (`fwmark`) is applied to both sockets and re-applied after every rebind.
 * Sends never throw: failures are counted.
 */
import dgram from 'node:dgram';
import type { Endpoint } from '../core/endpoint.js';
import { loadNative, type NativeAddon } from './native.js';

export interface UdpBindOptions {
  /** IPv4 bind address; default '0.0.0.0'. null = no IPv4 socket. */
  address4?: string | null;
  /** IPv6 bind address; default '::'. null = no IPv6 socket. */
  address6?: string | null;
  /** Socket buffer size to request (SO_RCVBUFFORCE/SO_SNDBUFFORCE); default 7 MiB like wireguard-go. */
  bufferBytes?: number;
}

export interface UdpStats {
  /** Datagrams handed to the socket (a later asynchronous failure also counts in sendErrors). */
  sent: number;
  received: number;
  /** Send failures (unreachable, no buffer space, no socket for that family, …). */
  sendErrors: number;
  /** Asynchronous socket errors reported by Node after binding. */
  socketErrors: number;
}

export type DatagramHandler = (data: Uint8Array, from: Endpoint) => void;
/** Called after each batch of datagrams handed to the DatagramHandler (after each one for node:dgram). */
export type BatchEndHandler = () => void;

/** Bind error carrying the errno name in `code` ('EADDRINUSE'). */
export interface UdpBindError extends Error {
  code: string;
  port: number;
}

const DEFAULT_BUFFER = 7 << 20;
const MAX_PORT_ATTEMPTS = 100;

// Endpoints are numeric (canonical text), so the resolver step dgram runs for
// every send is replaced by a synchronous pass-through: no DNS, no nextTick.
function numericLookup(address: string, _family: unknown, cb: (err: Error | null, a: string, f: number) => void): void {
  cb(null, address, address.includes(':') ? 6 : 4);
}

/**
 * The socket's fd. dgram exposes its UDPWrap only through the deprecated
 * `_handle` getter (DEP0112); the same object lives under the socket's
 * internal `Symbol('state symbol')` as `.handle`, whose `fd` getter is public
 * on the wrap. Reading it there avoids the deprecation warning.
 */
export function socketFd(sock: dgram.Socket): number {
  const sym = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  const state = sym ? (sock as unknown as Record<symbol, { handle?: { fd?: number } } | undefined>)[sym] : undefined;
  const fd = state?.handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('cannot find the file descriptor of a dgram socket');
  return fd;
}

/** IPv4-mapped IPv6 back to IPv4; the zone is dropped (Endpoint carries none). */
function canonicalFrom(address: string): string {
  if (!address.includes(':')) return address;
  const zone = address.indexOf('%');
  const a = zone >= 0 ? address.slice(0, zone) : address;
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  return a;
}

function bindOne(sock: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    sock.once('error', onError);
    sock.bind({ port, address, exclusive: true }, () => {
      sock.off('error', onError);
      resolve();
    });
  });
}

function closeQuietly(sock: dgram.Socket | null): void {
  if (!sock) return;
  try {
    sock.close();
  } catch {
    // already closed
  }
}

/**
 * Runs `tryOpen(port)`; with port 0 (random) retries when the v6 bind of the
 * chosen port collides, as wireguard-go does, up to MAX_PORT_ATTEMPTS times.
 * Failure is a UdpBindError naming the port and errno code. Shared by both
 * binds (node:dgram and the native sockets).
 */
export async function bindWithRetry(port: number, tryOpen: (port: number) => Promise<number> | number): Promise<number> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < (port === 0 ? MAX_PORT_ATTEMPTS : 1); attempt++) {
    try {
      return await tryOpen(port);
    } catch (err) {
      lastErr = err;
      if (port !== 0 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
    }
  }
  const code = (lastErr as NodeJS.ErrnoException)?.code ?? 'EIO';
  const e = new Error(
    `cannot bind UDP port ${port}: ${code === 'EADDRINUSE' ? 'address already in use' : String((lastErr as Error)?.message)} (${code})`,
  ) as UdpBindError;
  e.code = code;
  e.port = port;
  throw e;
}

export class UdpBind {
  readonly stats: UdpStats = { sent: 0, received: 0, sendErrors: 0, socketErrors: 0 };
  private readonly address4: string | null;
  private readonly address6: string | null;
  private readonly bufferBytes: number;
  private sock4: dgram.Socket | null = null;
  private sock6: dgram.Socket | null = null;
  private boundPort = 0;
  private mark = 0;
  private handler: DatagramHandler | null = null;
  private batchEnd: BatchEndHandler | null = null;
  private native: NativeAddon | null | undefined;
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.stats.sendErrors++;
  };

  constructor(opts: UdpBindOptions = {}) {
    this.address4 = opts.address4 === undefined ? '0.0.0.0' : opts.address4;
    this.address6 = opts.address6 === undefined ? '::' : opts.address6;
    this.bufferBytes = opts.bufferBytes ?? DEFAULT_BUFFER;
  }

  /** The bound port, 0 while closed. */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Binds both sockets on `port` (0 = random) and returns the actual port;
   * an open bind is closed first (UAPI `listen_port` rebinds). Rejects with a
   * UdpBindError (code 'EADDRINUSE', …) and leaves the bind closed on failure.
   */
  async open(port: number): Promise<number> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`bad UDP port ${port}`);
    await this.close();
    return bindWithRetry(port, (p) => this.tryOpen(p));
  }

  private async tryOpen(port: number): Promise<number> {
    let s4: dgram.Socket | null = null;
    let s6: dgram.Socket | null = null;
    try {
      let actual = port;
      if (this.address4 !== null) {
        s4 = dgram.createSocket({ type: 'udp4', lookup: numericLookup });
        try {
          await bindOne(s4, port, this.address4);
          actual = s4.address().port;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAFNOSUPPORT' || this.address6 === null) throw err;
          closeQuietly(s4); // IPv6-only host
          s4 = null;
        }
      }
      if (this.address6 !== null) {
        s6 = dgram.createSocket({ type: 'udp6', ipv6Only: true, lookup: numericLookup });
        try {
          await bindOne(s6, actual, this.address6);
          actual = s6.address().port;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          // No IPv6 on this host: carry on with IPv4 only, as wireguard-go does.
          if (s4 === null || (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL')) throw err;
          closeQuietly(s6);
          s6 = null;
        }
      }
      if (s4 === null && s6 === null) throw Object.assign(new Error('no socket could be bound'), { code: 'EAFNOSUPPORT' });
      for (const s of [s4, s6]) if (s) this.prepare(s);
      this.sock4 = s4;
      this.sock6 = s6;
      this.boundPort = actual;
      return actual;
    } catch (err) {
      closeQuietly(s4);
      closeQuietly(s6);
      throw err;
    }
  }

  private prepare(sock: dgram.Socket): void {
    sock.on('error', () => this.stats.socketErrors++);
    sock.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      this.stats.received++;
      try {
        this.handler?.(msg, { address: canonicalFrom(rinfo.address), port: rinfo.port });
      } finally {
        this.batchEnd?.();
      }
    });
    const fd = socketFd(sock);
    const native = this.nativeOrNull();
    if (native) {
      native.setSockBuffers(fd, this.bufferBytes);
      if (this.mark !== 0) native.setSockMark(fd, this.mark);
    } else {
      try {
        sock.setRecvBufferSize(this.bufferBytes);
        sock.setSendBufferSize(this.bufferBytes);
      } catch {
        // capped by net.core.rmem_max / wmem_max; keep the default
      }
    }
  }

  private nativeOrNull(): NativeAddon | null {
    if (this.native === undefined) {
      try {
        this.native = loadNative();
      } catch {
        this.native = null; // UDP works without the addon; only fwmark needs it
      }
    }
    return this.native;
  }

  /** Closes both sockets; idempotent. */
  async close(): Promise<void> {
    const socks = [this.sock4, this.sock6].filter((s): s is dgram.Socket => s !== null);
    this.sock4 = null;
    this.sock6 = null;
    this.boundPort = 0;
    await Promise.all(socks.map((s) => new Promise<void>((resolve) => {
      try {
        s.close(() => resolve());
      } catch {
        resolve();
      }
    })));
  }

  /**
   * Sends one datagram; the socket is chosen by the address family. The
   * datagram must not be modified until Node has sent it (it may queue it).
   */
  send(to: Endpoint, datagram: Uint8Array): void {
    let address = to.address;
    let sock: dgram.Socket | null;
    if (address.includes(':')) {
      if (address.startsWith('::ffff:') && address.includes('.')) {
        address = address.slice(7);
        sock = this.sock4;
      } else {
        sock = this.sock6;
      }
    } else {
      sock = this.sock4;
    }
    if (sock === null) {
      this.stats.sendErrors++;
      return;
    }
    try {
      sock.send(datagram, to.port, address, this.afterSend);
      this.stats.sent++;
    } catch {
      this.stats.sendErrors++; // bad port, closed socket
    }
  }

  /** Sends datagrams[start, start+count) to one endpoint (one dgram send each). */
  sendMany(to: Endpoint, datagrams: readonly Uint8Array[], start = 0, count = datagrams.length - start): void {
    for (let i = start; i < start + count; i++) this.send(to, datagrams[i]!);
  }

  /** Every received datagram (a fresh Buffer each) with its canonical source; `end` after each. */
  onDatagram(cb: DatagramHandler, end?: BatchEndHandler): void {
    this.handler = cb;
    this.batchEnd = end ?? null;
  }

  /** SO_MARK on both sockets (0 removes it); remembered for later rebinds. Throws a NativeError (e.g. EPERM). */
  setMark(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > 0xffffffff) throw new RangeError(`bad fwmark ${mark}`);
    const native = loadNative();
    for (const s of [this.sock4, this.sock6]) if (s) native.setSockMark(socketFd(s), mark);
    this.mark = mark;
  }

  /** The mark as the kernel reports it on each open socket (for tests and `wg show`-style checks). */
  marks(): number[] {
    const native = loadNative();
    return [this.sock4, this.sock6].filter((s): s is dgram.Socket => s !== null).map((s) => native.getSockMark(socketFd(s)));
  }
}
