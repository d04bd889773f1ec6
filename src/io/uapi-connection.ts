/**
 * One UAPI client connection: splits the byte stream into requests
 * (protocol-checklist §10.2) and answers them one at a time, in order.
 * Unknown operation → close (as wireguard-go does); `get=1` not followed by
 * the blank line, an over-long line or request → `errno=-22` then close.
 * Network input never throws here.
 */
import type net from 'node:net';

export type UapiRequest = { op: 'get' } | { op: 'set'; lines: string[] };
/** A reply: one string, or consecutive pieces (e.g. formatGetChunks) written as the socket drains. */
export type UapiReply = string | Iterable<string>;
export type UapiHandler = (req: UapiRequest) => Promise<UapiReply> | UapiReply;

/**
 * Replies are written at most this many characters at a time, each after the
 * previous one left the socket buffer: a 10,000-peer get is ≈ 3 MB, and
 * handing it to the socket whole kept a second full copy in memory until a
 * slow reader took it.
 */
export const REPLY_WRITE_CHARS = 64 * 1024;

export interface UapiLimits {
  /** Longest accepted line (default 4096; real lines are under 100 bytes). */
  maxLineBytes: number;
  /** Largest accepted `set` request (default 16 MiB). */
  maxRequestBytes: number;
}

const EINVAL_REPLY = 'errno=-22\n\n';
/** wireguard-go's ipcErrorUnknown: the handler failed for a reason it did not name. */
const UNKNOWN_REPLY = 'errno=-55\n\n';

export class UapiConnection {
  private pending = '';
  private pos = 0;
  private state: 'op' | 'get' | 'set' = 'op';
  private lines: string[] = [];
  private requestBytes = 0;
  private busy = false;
  private dead = false;
  private ended = false;

  constructor(
    private readonly sock: net.Socket,
    private readonly limits: UapiLimits,
    private readonly handler: UapiHandler,
  ) {
    // latin1 maps bytes 1:1, so length limits count bytes; valid UAPI text is ASCII.
    sock.setEncoding('latin1');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', () => this.destroy());
    // The server allows half-open sockets: a client that shuts down its
    // write side after the request (nc, socat) still gets the reply.
    sock.on('end', () => {
      this.ended = true;
      this.drain();
    });
  }

  destroy(): void {
    this.dead = true;
    this.pending = '';
    this.sock.destroy();
  }

  private onData(chunk: string): void {
    if (this.dead) return;
    this.pending = this.pos > 0 ? this.pending.slice(this.pos) + chunk : this.pending + chunk;
    this.pos = 0;
    // A client may pipeline requests while one is being handled; stop reading
    // rather than buffer without bound.
    if (this.busy && this.pending.length > this.limits.maxRequestBytes) this.sock.pause();
    this.drain();
  }

  private drain(): void {
    while (!this.busy && !this.dead) {
      const nl = this.pending.indexOf('\n', this.pos);
      if (nl < 0) {
        if (this.pending.length - this.pos > this.limits.maxLineBytes) this.fail();
        else if (this.ended) {
          this.dead = true; // a partial request at EOF is dropped
          this.sock.end();
        }
        return;
      }
      const line = this.pending.slice(this.pos, nl);
      this.pos = nl + 1;
      if (line.length > this.limits.maxLineBytes) {
        this.fail();
        return;
      }
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'op':
        if (line === 'get=1') this.state = 'get';
        else if (line === 'set=1') {
          this.state = 'set';
          this.lines = [];
          this.requestBytes = 0;
        } else this.destroy(); // unknown operation: wireguard-go just hangs up
        return;
      case 'get':
        if (line === '') this.dispatch({ op: 'get' });
        else this.fail(); // trailing data after get=1
        return;
      case 'set':
        if (line === '') {
          this.dispatch({ op: 'set', lines: this.lines });
          return;
        }
        this.requestBytes += line.length + 1;
        if (this.requestBytes > this.limits.maxRequestBytes) {
          this.fail();
          return;
        }
        this.lines.push(line);
        return;
    }
  }

  /** Answers EINVAL and hangs up: after bad framing the stream cannot be resynchronised. */
  private fail(): void {
    if (this.dead) return;
    this.dead = true;
    this.pending = '';
    this.sock.end(EINVAL_REPLY);
  }

  private dispatch(req: UapiRequest): void {
    this.busy = true;
    this.state = 'op';
    this.lines = [];
    let reply: Promise<UapiReply>;
    try {
      reply = Promise.resolve(this.handler(req));
    } catch {
      reply = Promise.resolve(UNKNOWN_REPLY);
    }
    reply
      .then(
        (r) => (typeof r === 'string' || isIterable(r) ? r : UNKNOWN_REPLY),
        () => UNKNOWN_REPLY, // never echo the error: it might quote a key
      )
      .then((r) => this.writeReply(r))
      .then(() => {
        if (this.dead) return;
        this.busy = false;
        this.sock.resume();
        this.drain();
      });
  }

  /**
   * Writes the reply in pieces of at most REPLY_WRITE_CHARS, waiting for
   * 'drain' whenever the socket's buffer is full. A piece source that throws
   * midway can no longer be answered cleanly: the connection is dropped
   * (the client sees a truncated reply without errno, as for any I/O error).
   */
  private async writeReply(r: UapiReply): Promise<void> {
    const pieces = typeof r === 'string' ? [r] : r;
    try {
      for (const piece of pieces) {
        for (let off = 0; off < piece.length; off += REPLY_WRITE_CHARS) {
          if (this.dead) return;
          const part = off === 0 && piece.length <= REPLY_WRITE_CHARS ? piece : piece.slice(off, off + REPLY_WRITE_CHARS);
          if (!this.sock.write(part, 'latin1')) await this.drained();
        }
      }
    } catch {
      this.destroy();
    }
  }

  /** Resolves on 'drain', or when the socket goes away (then `dead` is set). */
  private drained(): Promise<void> {
    if (this.sock.destroyed) {
      this.dead = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        this.sock.off('drain', done);
        this.sock.off('close', done);
        if (this.sock.destroyed) this.dead = true;
        resolve();
      };
      this.sock.on('drain', done);
      this.sock.on('close', done);
    });
  }
}

function isIterable(v: unknown): v is Iterable<string> {
  return typeof v === 'object' && v !== null && typeof (v as Iterable<string>)[Symbol.iterator] === 'function';
}
