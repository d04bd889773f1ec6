/**
 * HTTP(S) transport for webhook delivery, on undici (architecture-anchors
 * §1.5). One undici Agent per endpoint, so each endpoint has its own TLS
 * settings (custom CA added to the system roots, client certificate, explicit
 * insecure mode) and connection pool. Redirects are not followed (Standard
 * Webhooks: 3xx is a failure). Every failure becomes a result, never a throw.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { TlsConfig } from '../events/config.js';
import type { HttpRequest, HttpResult, HttpTransport } from '../events/ports.js';

export interface HttpClientOptions {
  readonly tls: TlsConfig;
  /** Connections per origin (the endpoint's max_in_flight). */
  readonly connections: number;
}

function readPem(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new Error(`cannot read tls.${what} "${path}": ${code}`);
  }
}

/** Builds a transport; throws a clear Error (naming the file) if a TLS file cannot be read. */
export function createHttpTransport(opts: HttpClientOptions): HttpTransport {
  const { tls } = opts;
  const connect: Record<string, unknown> = { rejectUnauthorized: !tls.insecure };
  if (tls.caFile) connect.ca = [...rootCertificates, readPem('ca_file', tls.caFile)];
  if (tls.certFile) connect.cert = readPem('cert_file', tls.certFile);
  if (tls.keyFile) connect.key = readPem('key_file', tls.keyFile);
  const agent = new Agent({ connections: opts.connections, connect, keepAliveTimeout: 4000 });

  return {
    async send(req: HttpRequest): Promise<HttpResult> {
      const signal = AbortSignal.timeout(req.timeoutMs);
      try {
        const res = await request(req.url, {
          method: 'POST',
          headers: req.headers,
          body: req.body,
          dispatcher: agent,
          signal,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        // The body is not used; read (at most 64 KiB) and discard it so the connection can be reused.
        await res.body.dump({ limit: 65_536 }).catch(() => undefined);
        const ra = res.headers['retry-after'];
        return { status: res.statusCode, retryAfter: Array.isArray(ra) ? (ra[0] ?? null) : (ra ?? null) };
      } catch (err) {
        if (signal.aborted) return { error: `timed out after ${req.timeoutMs} ms` };
        const e = err as { code?: string; message?: string };
        return { error: e.code ? `${e.code}: ${e.message ?? ''}` : String(e.message ?? err) };
      }
    },
    async close(): Promise<void> {
      await agent.close().catch(() => undefined);
    },
  };
}
