/**
 * The cross-platform UAPI socket `wg(8)` talks to (protocol-checklist §10.1–
 * 10.2): a UNIX stream socket /var/run/wireguard/<iface>.sock, directory 0755,
 * socket 0600. Frames requests (`get=1\n\n`, `set=1\n<key=value>…\n\n`, several
 * per connection) and hands each whole request to one handler; it parses no
 * keys itself (src/uapi does). Also notices deletion of the socket file,
 * which must shut the daemon down (wireguard-go watches it with inotify).
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { UapiConnection, type UapiHandler, type UapiLimits } from './uapi-connection.js';

export type { UapiHandler, UapiReply, UapiRequest } from './uapi-connection.js';

export const DEFAULT_UAPI_DIR = '/var/run/wireguard';

export interface UapiListenOptions extends Partial<UapiLimits> {
  /** Socket directory; default /var/run/wireguard (created 0755). */
  dir?: string;
  /** An inherited listening socket (WG_UAPI_FD) to serve instead of binding. */
  fd?: number;
}

/** Error with an errno-style `code` ('EADDRINUSE' for "unix socket in use", 'EINVAL' for a bad name). */
export interface UapiListenError extends Error {
  code: string;
  path: string;
}

function listenError(message: string, code: string, path: string): UapiListenError {
  return Object.assign(new Error(message), { code, path });
}

/** `<dir>/<ifname>.sock`; rejects names `wg` would reject (a '/' in them) and other unsafe ones. */
export function uapiSocketPath(ifname: string, dir = DEFAULT_UAPI_DIR): string {
  if (ifname === '' || ifname === '.' || ifname === '..' || /[/\0]/.test(ifname) || ifname.length > 255) {
    throw listenError(`invalid interface name ${JSON.stringify(ifname)} for a UAPI socket`, 'EINVAL', dir);
  }
  return join(dir, `${ifname}.sock`);
}

function listenOn(server: net.Server, target: string | { fd: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (typeof target !== 'string') {
      server.listen(target, done);
      return;
    }
    // bind(2) happens synchronously inside listen(); umask 077 makes the socket 0600 from birth.
    const old = process.umask(0o077);
    try {
      server.listen(target, done);
    } finally {
      process.umask(old);
    }
  });
}

/** True if something accepts connections on `path` (a live daemon), false if the file is stale. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(path);
    const finish = (v: boolean): void => {
      clearTimeout(timer);
      c.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(false), 2000);
    c.once('connect', () => finish(true));
    c.once('error', () => finish(false));
  });
}

/** Binds `path` like wireguard-go's UAPIListen: on EADDRINUSE, a live socket is an error, a stale one is replaced. */
async function bindUapiSocket(path: string, dir: string): Promise<net.Server> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  let server = net.createServer({ allowHalfOpen: true });
  try {
    await listenOn(server, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (await socketAnswers(path)) throw listenError(`unix socket in use: ${path}`, 'EADDRINUSE', path);
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    server = net.createServer({ allowHalfOpen: true });
    await listenOn(server, path);
  }
  chmodSync(path, 0o600);
  return server;
}

function inodeOf(path: string): number {
  try {
    return lstatSync(path).ino;
  } catch {
    return -1;
  }
}

export class UapiServer {
  readonly path: string;
  private readonly server: net.Server;
  private readonly limits: UapiLimits;
  private readonly connections = new Set<UapiConnection>();
  private readonly ino: number;
  private handler: UapiHandler | null = null;
  /**
   * Requests that arrive before onRequest wait on this. The daemon binds the
   * socket before the interface exists (so a bind failure is reported before
   * any work) and then warms up its data path for a few hundred ms; `wg set`
   * right after the socket appears got errno -55 (ENOANO) in that window.
   * Resolved with null by close(), which also drops every connection at
   * once: a request still waiting then ends with its connection closed and
   * no reply, as when the daemon exits.
   */
  private readonly handlerReady: Promise<UapiHandler | null>;
  private resolveHandler!: (h: UapiHandler | null) => void;
  private watcher: FSWatcher | null = null;
  private removedHandlers: (() => void)[] = [];
  private removed = false;
  private closed = false;

  private constructor(server: net.Server, path: string, limits: UapiLimits) {
    this.handlerReady = new Promise((resolve) => (this.resolveHandler = resolve));
    this.server = server;
    this.path = path;
    this.limits = limits;
    this.ino = inodeOf(path);
    server.on('connection', (sock) => this.accept(sock));
    server.on('error', () => {}); // accept errors (EMFILE) must not crash the daemon
  }

  /** Serves `<dir>/<ifname>.sock`, binding it or adopting `opts.fd`. Rejects with a UapiListenError. */
  static async listen(ifname: string, opts: UapiListenOptions = {}): Promise<UapiServer> {
    const dir = opts.dir ?? DEFAULT_UAPI_DIR;
    const path = uapiSocketPath(ifname, dir);
    const limits: UapiLimits = {
      maxLineBytes: opts.maxLineBytes ?? 4096,
      maxRequestBytes: opts.maxRequestBytes ?? 16 << 20,
    };
    let server: net.Server;
    if (opts.fd !== undefined) {
      server = net.createServer({ allowHalfOpen: true });
      await listenOn(server, { fd: opts.fd });
    } else {
      server = await bindUapiSocket(path, dir);
    }
    return new UapiServer(server, path, limits);
  }

  /**
   * For the daemonizing parent (checklist §10.4): binds the socket and returns
   * its listening fd to pass to the child as WG_UAPI_FD. Node exposes a
   * server's fd only as `server._handle.fd` (an internal of net.Server).
   * The parent must then exit WITHOUT closing `server`: libuv unlinks a bound
   * socket path when its handle closes, which would remove the child's socket.
   */
  static async createListeningFd(ifname: string, opts: { dir?: string } = {}): Promise<{ fd: number; path: string; server: net.Server }> {
    const dir = opts.dir ?? DEFAULT_UAPI_DIR;
    const path = uapiSocketPath(ifname, dir);
    const server = await bindUapiSocket(path, dir);
    const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) {
      server.close();
      throw listenError(`cannot get the file descriptor of ${path}`, 'EBADF', path);
    }
    return { fd, path, server };
  }

  /** The handler's reply is written verbatim; it must end with the blank line ("errno=0\n\n"). */
  onRequest(handler: UapiHandler): void {
    this.handler = handler;
    this.resolveHandler(handler);
  }

  /** Fires once when the socket file is deleted or replaced. */
  onSocketRemoved(cb: () => void): void {
    this.removedHandlers.push(cb);
    if (this.watcher || this.closed) return;
    const dir = join(this.path, '..');
    const base = this.path.slice(dir.length + 1);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === base) this.checkRemoved();
      });
      this.watcher.on('error', () => this.checkRemoved());
    } catch {
      this.watcher = null; // directory already gone
    }
    this.checkRemoved();
  }

  /** Stops serving, drops connections, and removes the socket file if it is still ours. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.resolveHandler(null);
    this.watcher?.close();
    this.watcher = null;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    const ours = this.ino !== -1 && inodeOf(this.path) === this.ino;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (ours) {
      try {
        unlinkSync(this.path);
      } catch {
        // libuv already unlinked it, or someone else did
      }
    }
  }

  private accept(sock: net.Socket): void {
    const conn = new UapiConnection(sock, this.limits, (req) => {
      if (this.handler) return this.handler(req);
      return this.handlerReady.then((h) => (h ? h(req) : 'errno=-55\n\n'));
    });
    this.connections.add(conn);
    sock.once('close', () => this.connections.delete(conn));
  }

  private checkRemoved(): void {
    if (this.removed || this.closed) return;
    if (inodeOf(this.path) === this.ino && this.ino !== -1) return;
    this.removed = true;
    this.watcher?.close();
    this.watcher = null;
    for (const cb of this.removedHandlers) cb();
  }
}
