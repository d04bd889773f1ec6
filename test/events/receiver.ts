// A real webhook receiver for tests (node:http / node:https on 127.0.0.1):
// records every request with its raw body and answers with whatever the
// test's `respond` decides (status, headers, or holding the response).
import { createServer as createHttp, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: { event: string; entity: string; identifier: string; payload: Record<string, unknown>; tswg: Record<string, unknown> };
  readonly at: number;
  /** Subject CN of the client certificate (mTLS), if any. */
  readonly clientCn: string | undefined;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Resolve this promise to send the reply later. */
  hold?: Promise<void>;
}

export class Receiver {
  readonly requests: Received[] = [];
  respond: (r: Received, index: number) => Reply = () => ({ status: 200 });
  private server!: ReturnType<typeof createHttp>;
  private scheme = 'http';

  static async http(port = 0): Promise<Receiver> {
    const r = new Receiver();
    r.server = createHttp((req, res) => r.onRequest(req, res));
    await r.listen(port);
    return r;
  }

  static async https(opts: ServerOptions, port = 0): Promise<Receiver> {
    const r = new Receiver();
    r.scheme = 'https';
    r.server = createHttps(opts, (req, res) => r.onRequest(req, res)) as unknown as ReturnType<typeof createHttp>;
    await r.listen(port);
    return r;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `${this.scheme}://127.0.0.1:${this.port}${path}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Received['json'];
      try {
        json = JSON.parse(body) as Received['json'];
      } catch {
        json = { event: '', entity: '', identifier: '', payload: {}, tswg: {} };
      }
      const sock = req.socket as TLSSocket;
      const cert = typeof sock.getPeerCertificate === 'function' ? sock.getPeerCertificate() : undefined;
      const clientCn = cert && cert.subject ? String(cert.subject.CN) : undefined;
      const rec: Received = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now(), clientCn };
      const index = this.requests.length;
      this.requests.push(rec);
      const reply = this.respond(rec, index);
      const send = () => {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end('ok');
      };
      if (reply.hold) void reply.hold.then(send);
      else send();
    });
  }

  /** Requests answered 2xx are not tracked here; tests look at `requests` and their own reply logic. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `cond` every 10 ms until it is true; fails after `timeoutMs` (every wait in these tests is bounded). */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Quiet logger that keeps lines for assertions. */
export function memoryLogger(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

/** Distinct events in arrival order (retries deduplicated by webhook-id, first arrival kept). */
export function distinct(reqs: readonly Received[]): Received[] {
  const seen = new Set<string>();
  return reqs.filter((r) => {
    const id = String(r.headers['webhook-id']);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
