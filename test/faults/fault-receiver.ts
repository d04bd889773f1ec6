// A webhook receiver that misbehaves on purpose (issue 6 "Faults"): for each
// request a test-supplied plan picks an answer — a status (with headers, after
// a delay), or a reset of the connection as soon as the headers arrived or
// after the whole body was read, without answering. Every arrival is recorded
// with what was done to it, so the checks below can tell "seen" from
// "acknowledged" and prove at-least-once delivery and per-peer order.
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';

export type Fault =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly delayMs?: number }
  | { readonly reset: 'on-headers' | 'after-body' };

export interface Arrival {
  /** webhook-id header (present even when the body was never read). */
  readonly id: string;
  /** Raw body; '' for a reset on headers. */
  readonly body: string;
  readonly identifier: string;
  readonly sequence: number;
  readonly eventId: string;
  /** The status answered, or 'reset'. */
  readonly outcome: number | 'reset';
  /** How many earlier arrivals carried the same id. */
  readonly attempt: number;
}

export class FaultReceiver {
  readonly arrivals: Arrival[] = [];
  /** Decides what to do with a request (attempt = earlier arrivals of the same id). */
  plan: (id: string, attempt: number, index: number) => Fault = () => ({ status: 200 });
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server!: Server;
  private scheme = 'http';

  static async http(port = 0): Promise<FaultReceiver> {
    const r = new FaultReceiver();
    r.server = createHttp((req, res) => r.onRequest(req, res));
    await r.listen(port);
    return r;
  }

  static async https(opts: ServerOptions, port = 0): Promise<FaultReceiver> {
    const r = new FaultReceiver();
    r.scheme = 'https';
    r.server = createHttps(opts, (req, res) => r.onRequest(req, res)) as unknown as Server;
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

  url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}/hook`;
  }

  /** Arrivals answered 2xx. */
  acknowledged(): Arrival[] {
    return this.arrivals.filter((a) => typeof a.outcome === 'number' && a.outcome >= 200 && a.outcome < 300);
  }

  private record(id: string, body: string, outcome: number | 'reset'): void {
    const attempt = this.attempts.get(id) ?? 0;
    this.attempts.set(id, attempt + 1);
    let json: { identifier?: string; tswg?: { sequence?: number; eventId?: string } } = {};
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      // reset before the body: only the header id is known
    }
    this.arrivals.push({
      id,
      body,
      identifier: json.identifier ?? '',
      sequence: json.tswg?.sequence ?? -1,
      eventId: json.tswg?.eventId ?? '',
      outcome,
      attempt,
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const id = String(req.headers['webhook-id'] ?? '');
    const fault = this.plan(id, this.attempts.get(id) ?? 0, this.arrivals.length);
    if ('reset' in fault && fault.reset === 'on-headers') {
      this.record(id, '', 'reset');
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if ('reset' in fault) {
        this.record(id, body, 'reset');
        req.socket.destroy();
        return;
      }
      this.record(id, body, fault.status);
      const send = (): void => {
        if (res.destroyed) return; // the client gave up (timeout) and closed
        res.writeHead(fault.status, fault.headers ?? {});
        res.end('x');
      };
      if (fault.delayMs) {
        const t = setTimeout(() => {
          this.timers.delete(t);
          send();
        }, fault.delayMs);
        this.timers.add(t);
      } else send();
    });
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** What the pipeline emitted: id → (peer identifier, sequence, body as queued). */
export interface Emitted {
  readonly id: string;
  readonly identifier: string;
  readonly sequence: number;
}

/**
 * The delivery contract under faults:
 * - no event lost: every id in `mustArrive` was acknowledged (2xx) at least once;
 * - nothing invented: every id seen was emitted, and its body names the same id;
 * - ids stable across retries: every arrival of one id carries identical bytes;
 * - per-peer order: the FIRST arrivals of each peer's events have strictly
 *   increasing sequence numbers (duplicates allowed — at-least-once).
 * Returns counts for the figures.
 */
export function checkDelivery(
  emitted: readonly Emitted[],
  arrivals: readonly Arrival[],
  mustArrive: ReadonlySet<string> = new Set(emitted.map((e) => e.id)),
): { distinct: number; duplicates: number; arrivals: number } {
  const byId = new Map(emitted.map((e) => [e.id, e]));
  const bodies = new Map<string, string>();
  const acked = new Set<string>();
  const firstSeen = new Set<string>();
  const lastSeq = new Map<string, number>();
  for (const a of arrivals) {
    const e = byId.get(a.id);
    assert.ok(e, `an id the pipeline never emitted arrived: ${a.id}`);
    if (a.body !== '') {
      assert.equal(a.eventId, a.id, 'webhook-id header = tswg.eventId');
      const prev = bodies.get(a.id);
      if (prev === undefined) bodies.set(a.id, a.body);
      else assert.equal(a.body, prev, `retry of ${a.id} changed its bytes`);
      assert.equal(a.sequence, e.sequence, `${a.id} carries its own sequence`);
    }
    if (typeof a.outcome === 'number' && a.outcome >= 200 && a.outcome < 300) acked.add(a.id);
    if (!firstSeen.has(a.id)) {
      firstSeen.add(a.id);
      const last = lastSeq.get(e.identifier) ?? 0;
      assert.ok(e.sequence > last, `peer ${e.identifier}: first arrival of sequence ${e.sequence} after ${last}`);
      lastSeq.set(e.identifier, e.sequence);
    }
  }
  const lost = [...mustArrive].filter((id) => !acked.has(id));
  assert.equal(lost.length, 0, `${lost.length} event(s) never acknowledged, e.g. ${lost.slice(0, 3).join(', ')}`);
  return { distinct: firstSeen.size, duplicates: arrivals.length - firstSeen.size, arrivals: arrivals.length };
}

/** Bounded polling (every wait in these tests ends). */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
