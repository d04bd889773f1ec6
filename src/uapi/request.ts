/**
 * One UAPI request → its reply (cross-platform UAPI, "configuration protocol";
 * protocol-checklist §10.2), independent of sockets so the runtime's unix
 * socket server and the tests share one implementation of the semantics:
 * - `get=1` must be followed by the empty line, else EINVAL;
 * - `set=1` body is parsed whole (parseSet) and then applied in one call;
 * - any other first line: no reply, the connection is closed (as wireguard-go).
 */
import type { ConfigDelta, DeviceSnapshot } from '../core/config.js';
import { EINVAL, EUNKNOWN, UapiError, formatErrno } from './errors.js';
import { formatGet, formatGetChunks } from './format.js';
import { parseSet } from './parse.js';

export interface UapiHandlers {
  /** The current device state for `get=1`. */
  get(): DeviceSnapshot;
  /** Applies a parsed `set=1` request; may throw UapiError (e.g. EADDRINUSE). */
  set(delta: ConfigDelta): Promise<void> | void;
}

export interface UapiOutcome<Get = string> {
  /** Text to write back (a get's in the form `Get`), or null: close the connection without replying. */
  readonly reply: string | Get | null;
  /** The error behind a non-zero errno (for the log; never contains keys). */
  readonly error: UapiError | null;
  /** Which operation this was. */
  readonly op: 'get' | 'set' | 'unknown';
}

function asUapiError(e: unknown): UapiError {
  if (e instanceof UapiError) return e;
  // Not an IPC error: wireguard-go answers with its "unknown" code.
  return new UapiError(EUNKNOWN, `internal error: ${e instanceof Error ? e.name : 'non-error thrown'}`);
}

/**
 * Handles one request as framed by UapiFramer: `lines[0]` is the operation
 * line, then the body lines; a terminating empty line may be included.
 */
export function handleRequest(lines: readonly string[], h: UapiHandlers): Promise<UapiOutcome> {
  return handle(lines, h, formatGet);
}

/**
 * handleRequest with a get reply as consecutive pieces (formatGetChunks):
 * the daemon writes them as the socket drains, so a 10,000-peer `wg show`
 * never builds its multi-megabyte reply as one string. The pieces join to
 * exactly handleRequest's reply.
 */
export function handleRequestChunked(lines: readonly string[], h: UapiHandlers): Promise<UapiOutcome<Iterable<string>>> {
  return handle(lines, h, formatGetChunks);
}

async function handle<Get>(lines: readonly string[], h: UapiHandlers, format: (s: DeviceSnapshot) => Get): Promise<UapiOutcome<Get>> {
  const op = lines[0];
  if (op === 'get=1') {
    if (lines.length < 2) return { reply: null, error: null, op: 'get' }; // EOF before the empty line
    if (lines[1] !== '') {
      const error = new UapiError(EINVAL, 'trailing characters after get=1');
      return { reply: formatErrno(error.errno), error, op: 'get' };
    }
    try {
      return { reply: format(h.get()), error: null, op: 'get' };
    } catch (e) {
      const error = asUapiError(e);
      return { reply: formatErrno(error.errno), error, op: 'get' };
    }
  }
  if (op === 'set=1') {
    try {
      const delta = parseSet(lines.slice(1));
      await h.set(delta);
      return { reply: formatErrno(0), error: null, op: 'set' };
    } catch (e) {
      const error = asUapiError(e);
      return { reply: formatErrno(error.errno), error, op: 'set' };
    }
  }
  return { reply: null, error: null, op: 'unknown' };
}

/**
 * Splits the text of one connection into requests (several may share a
 * connection). A request larger than `maxRequestBytes` is answered like an
 * unknown operation (the connection is closed), so a client cannot make the
 * daemon buffer without bound.
 */
export class UapiFramer {
  private partial = '';
  private current: string[] | null = null;
  private size = 0;
  private done = false;

  constructor(private readonly maxRequestBytes = 16 * 1024 * 1024) {}

  /** True once an unknown operation or an oversized request was seen. */
  get closed(): boolean {
    return this.done;
  }

  /** Feeds text read from the socket; returns the requests it completed. */
  push(chunk: string): string[][] {
    const out: string[][] = [];
    if (this.done) return out;
    this.partial += chunk;
    this.size += chunk.length;
    let nl: number;
    while (!this.done && (nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.line(line, out);
    }
    if (!this.done && this.size > this.maxRequestBytes) {
      this.done = true;
      out.push(['']);
    }
    return out;
  }

  /** End of input: a set request without its terminator is still returned (wireguard-go applies it). */
  end(): string[] | null {
    if (this.done || this.current === null || this.current[0] !== 'set=1') return null;
    const r = this.current;
    this.current = null;
    return r;
  }

  private line(line: string, out: string[][]): void {
    if (this.current === null) {
      if (line === 'get=1' || line === 'set=1') {
        this.current = [line];
        return;
      }
      this.done = true; // unknown operation: handled as "close"
      out.push([line]);
      return;
    }
    this.current.push(line);
    if (this.current[0] === 'get=1' || line === '') {
      out.push(this.current);
      this.current = null;
      this.size = this.partial.length;
    }
  }
}
