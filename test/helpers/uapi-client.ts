// A raw client for the cross-platform UAPI socket (protocol-checklist §10.2),
// for feeding daemons malformed requests that `wg` would never send. One
// request per connection, like `wg`; the reply is read until its terminating
// empty line or until the daemon closes the connection (bounded).
import { createConnection } from 'node:net';

export interface UapiReply {
  /** Raw reply text (may contain keys when the request was a get: never print it). */
  raw: string;
  /** key=value lines before the terminating empty line. */
  lines: string[];
  /** The errno= value, or null when the reply carried none. */
  errno: number | null;
  /** True when the daemon closed the connection without a complete reply. */
  closedEarly: boolean;
}

export function uapiRequest(socketPath: string, request: string | Buffer, timeoutMs = 3000): Promise<UapiReply> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let raw = '';
    let settled = false;
    const finish = (closedEarly: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const body = raw.endsWith('\n\n') ? raw.slice(0, -2) : raw;
      const lines = body.split('\n').filter((l) => l.length > 0);
      const errLine = lines.find((l) => l.startsWith('errno='));
      resolve({ raw, lines, errno: errLine === undefined ? null : Number(errLine.slice(6)), closedEarly });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      sock.destroy();
      reject(new Error(`UAPI reply timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(request));
    sock.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
      // A reply ends with "errno=N\n\n"; a get reply carries errno last too.
      if (/(^|\n)errno=-?\d+\n\n$/.test(raw)) finish(false);
    });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (err) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(err);
    });
  });
}
