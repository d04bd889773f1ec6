// A test-only UAPI socket in /var/run/wireguard served by the pure request
// handler (src/uapi/request.ts) over an in-memory model, so the real wg(8)
// can talk to it: every request it sends is recorded.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { ConfigDelta, DeviceSnapshot } from '../../src/core/config.js';
import { UapiFramer, handleRequest } from '../../src/uapi/request.js';
import { UapiError } from '../../src/uapi/errors.js';
import { publicKeyOf } from '../../src/crypto/keys.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { applyDelta, device } from './fixtures.js';

export const UAPI_DIR = '/var/run/wireguard';

export class FakeUapi {
  readonly name = `tswgE${randomBytes(3).toString('hex')}`;
  readonly path = `${UAPI_DIR}/${this.name}.sock`;
  state: DeviceSnapshot = device(null, null, 0, 0, []);
  /** Raw requests as framed (operation line first). */
  readonly requests: string[][] = [];
  /** Parsed set requests, in order. */
  readonly sets: ConfigDelta[] = [];
  /** When set, the next set() throws it (then it is cleared). */
  failNextSet: UapiError | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<void> {
    mkdirSync(UAPI_DIR, { recursive: true, mode: 0o755 });
    rmSync(this.path, { force: true });
    const server = createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.setEncoding('latin1');
    const framer = new UapiFramer();
    let chain = Promise.resolve();
    const run = (req: string[]): void => {
      chain = chain.then(async () => {
        this.requests.push(req);
        const out = await handleRequest(req, {
          get: () => this.state,
          set: (d) => {
            if (this.failNextSet) {
              const e = this.failNextSet;
              this.failNextSet = null;
              throw e;
            }
            this.sets.push(d);
            this.state = applyDelta(this.state, d, (k) => publicKeyOf(nobleProvider, k));
          },
        });
        if (out.reply === null) sock.end();
        else if (!sock.destroyed) sock.write(out.reply);
      });
    };
    sock.on('data', (chunk: string) => {
      for (const req of framer.push(chunk)) run(req);
    });
    sock.on('end', () => {
      const last = framer.end();
      if (last) run(last);
      void chain.then(() => sock.end());
    });
    sock.on('error', () => sock.destroy());
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.path, { force: true });
  }
}
