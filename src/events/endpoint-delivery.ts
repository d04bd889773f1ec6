/**
 * Delivery to one webhook endpoint: per-peer FIFO lanes, one request in
 * flight per lane, at most `max_in_flight` lanes at once.
 *
 * A lane is keyed by the event's ordering key (the peer's public key), so a
 * peer's disconnect is never delivered before its connect, while a slow or
 * failing peer only holds up its own lane (issue 4 "Delivery"). Failures
 * retry with backoff + full jitter or Retry-After; 429/503 with Retry-After
 * hold the whole endpoint; 410 Gone pauses the endpoint until the next
 * reload (Standard Webhooks §3.1). Every attempt reuses the event's id.
 * Order across lanes is not guaranteed (an interface delete may overtake a
 * peer's delete): receivers order by `tswg.sequence` per key, `eventId` overall.
 * Failures are logged at most once per FAILURE_LOG_INTERVAL_MS with a count,
 * and the first success after a logged failure logs the recovery: 10,000
 * events queued against a dead receiver must not mean 10,000 log lines.
 */
import type { Clock, Random } from '../util/ports.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './backoff.js';
import type { EndpointConfig } from './config.js';
import type { CancelTimer, HttpResult, HttpTransport, Logger, Scheduler } from './ports.js';
import { decodeSigningSecret, standardWebhookHeaders } from './standard-webhooks.js';

export interface DeliveryItem {
  readonly id: string;
  readonly key: string;
  readonly body: string;
}

export type DeliveryOutcome = 'delivered' | 'failed';

/** At most one failure line per endpoint per interval (each with a count of the attempts it covers). */
export const FAILURE_LOG_INTERVAL_MS = 10_000;

export interface DeliveryDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** Called once per item when this endpoint is done with it. */
  readonly onDone: (id: string, endpoint: string, outcome: DeliveryOutcome) => void;
}

/** Per-endpoint counters (issue 4: delivered/failed/retried/queued, plus dropped). */
export interface EndpointCounters {
  delivered: number;
  /** Events given up (non-retryable status or max_attempts reached). */
  failed: number;
  /** Attempts that failed and were scheduled again. */
  retried: number;
  /** Events waiting or in flight for this endpoint right now. */
  queued: number;
  /** Events discarded because the queue was full or the endpoint was removed. */
  dropped: number;
  inFlight: number;
  /** True after a 410 Gone until the next reload. */
  paused: boolean;
}

interface Lane {
  readonly key: string;
  readonly items: DeliveryItem[];
  /** Failed attempts of the head item. */
  attempts: number;
  state: 'idle' | 'ready' | 'sending' | 'waiting';
  cancelWait: CancelTimer | undefined;
}

export class EndpointDelivery {
  private cfg: EndpointConfig;
  private transport: HttpTransport;
  private signingKey: Uint8Array | null;
  private readonly lanes = new Map<string, Lane>();
  private readonly ready: Lane[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private holdUntil = 0;
  /** Failed attempts not yet reported in a log line, and since the last success. */
  private unreported = 0;
  private failuresSinceSuccess = 0;
  private lastFailureLog = -Infinity;
  /** A failure was logged and no recovery line yet. */
  private reportedFailing = false;
  private cancelHold: CancelTimer | undefined;
  private closed = false;
  readonly counters: EndpointCounters = {
    delivered: 0,
    failed: 0,
    retried: 0,
    queued: 0,
    dropped: 0,
    inFlight: 0,
    paused: false,
  };

  constructor(
    cfg: EndpointConfig,
    transport: HttpTransport,
    private readonly deps: DeliveryDeps,
  ) {
    this.cfg = cfg;
    this.transport = transport;
    this.signingKey = cfg.signingSecret ? decodeSigningSecret(cfg.signingSecret) : null;
  }

  get name(): string {
    return this.cfg.name;
  }

  /** Applies a reloaded configuration; queued items are kept and a 410 pause is lifted. Returns the old transport. */
  reconfigure(cfg: EndpointConfig, transport: HttpTransport): HttpTransport {
    const old = this.transport;
    this.cfg = cfg;
    this.transport = transport;
    this.signingKey = cfg.signingSecret ? decodeSigningSecret(cfg.signingSecret) : null;
    this.counters.paused = false;
    this.dispatch();
    return old;
  }

  enqueue(item: DeliveryItem): void {
    if (this.closed) return;
    let lane = this.lanes.get(item.key);
    if (!lane) {
      lane = { key: item.key, items: [], attempts: 0, state: 'idle', cancelWait: undefined };
      this.lanes.set(item.key, lane);
    }
    lane.items.push(item);
    this.counters.queued++;
    if (lane.state === 'idle') this.makeReady(lane);
    this.dispatch();
  }

  /**
   * Discards an item this endpoint still owes (queue full / endpoint removed), counting it as dropped,
   * whether it is queued here or not yet released to us (fsync pending). An item in flight cannot be
   * recalled: returns false and its result stands.
   */
  discard(id: string, key: string): boolean {
    const lane = this.lanes.get(key);
    const i = lane ? lane.items.findIndex((x) => x.id === id) : -1;
    if (!lane || i < 0) {
      this.counters.dropped++;
      return true;
    }
    if (i === 0 && lane.state === 'sending') return false;
    lane.items.splice(i, 1);
    if (i === 0) lane.attempts = 0;
    this.counters.queued--;
    this.counters.dropped++;
    if (lane.items.length === 0 && lane.state !== 'sending') this.dropLane(lane);
    return true;
  }

  /** Closes the current transport (after close() for an endpoint removed by a reload). */
  closeTransport(): Promise<void> {
    return this.transport.close();
  }

  /** Stops starting attempts; resolves when the attempts in flight have ended (each is bounded by the timeout). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelHold?.();
    for (const lane of this.lanes.values()) lane.cancelWait?.();
    await Promise.allSettled([...this.inflight]);
  }

  private makeReady(lane: Lane): void {
    lane.state = 'ready';
    this.ready.push(lane);
  }

  private dropLane(lane: Lane): void {
    lane.cancelWait?.();
    this.lanes.delete(lane.key);
    const r = this.ready.indexOf(lane);
    if (r >= 0) this.ready.splice(r, 1);
  }

  private dispatch(): void {
    if (this.closed || this.counters.paused) return;
    const now = this.deps.clock.now();
    if (now < this.holdUntil) {
      if (!this.cancelHold) {
        this.cancelHold = this.deps.scheduler.setTimer(this.holdUntil - now, () => {
          this.cancelHold = undefined;
          this.dispatch();
        });
      }
      return;
    }
    while (this.counters.inFlight < this.cfg.maxInFlight && this.ready.length > 0) {
      const lane = this.ready.shift()!;
      if (lane.items.length === 0) {
        this.dropLane(lane);
        continue;
      }
      this.send(lane);
    }
  }

  private send(lane: Lane): void {
    const item = lane.items[0]!;
    lane.state = 'sending';
    this.counters.inFlight++;
    const headers: Record<string, string> = {
      ...this.cfg.headers,
      'content-type': 'application/json',
      ...standardWebhookHeaders(this.signingKey, item.id, this.deps.clock.wallNow() / 1000, item.body),
    };
    if (!('user-agent' in lowerKeys(this.cfg.headers))) headers['user-agent'] = 'tswg-webhooks/0.1';
    if (this.cfg.authorization !== undefined) headers['authorization'] = this.cfg.authorization;
    const p = this.transport
      .send({ url: this.cfg.url, headers, body: item.body, timeoutMs: this.cfg.timeoutMs })
      .catch((e: unknown): HttpResult => ({ error: e instanceof Error ? e.message : String(e) }))
      .then((r) => this.settle(lane, item, r));
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  private settle(lane: Lane, item: DeliveryItem, r: HttpResult): void {
    this.counters.inFlight--;
    const where = `webhook ${this.cfg.name}`;
    if ('status' in r && r.status >= 200 && r.status < 300) {
      this.counters.delivered++;
      if (this.reportedFailing) {
        this.deps.logger.info(`${where}: delivering again after ${this.failuresSinceSuccess} failed attempt(s)`);
        this.reportedFailing = false;
      }
      this.failuresSinceSuccess = 0;
      this.finishHead(lane, item, 'delivered');
    } else if ('status' in r && r.status === 410) {
      // 410 Gone: the receiver asks us to stop. Keep everything queued; a reload resumes (§3.1).
      if (!this.counters.paused) this.deps.logger.warn(`${where}: receiver answered 410 Gone; endpoint paused until the configuration is reloaded`);
      this.counters.paused = true;
      lane.state = 'ready';
      this.ready.unshift(lane);
    } else {
      lane.attempts++;
      const retryable = 'error' in r || isRetryableStatus(r.status);
      const why = 'error' in r ? r.error : `HTTP ${r.status}`;
      const limit = this.cfg.retry.maxAttempts;
      if (!retryable || (limit > 0 && lane.attempts >= limit)) {
        this.deps.logger.error(`${where}: giving up on event ${item.id} after ${lane.attempts} attempt(s): ${why}`);
        this.counters.failed++;
        this.finishHead(lane, item, 'failed');
      } else {
        this.counters.retried++;
        const ra = 'status' in r ? parseRetryAfter(r.retryAfter, this.deps.clock.wallNow()) : null;
        const delay = ra ?? backoffDelay(lane.attempts, this.cfg.retry, this.deps.random);
        if (ra !== null && 'status' in r && (r.status === 429 || r.status === 503)) {
          this.holdUntil = Math.max(this.holdUntil, this.deps.clock.now() + ra);
        }
        this.failuresSinceSuccess++;
        this.unreported++;
        const now = this.deps.clock.now();
        if (now - this.lastFailureLog >= FAILURE_LOG_INTERVAL_MS) {
          const more = this.unreported > 1 ? ` (${this.unreported} failed attempts since the last report)` : '';
          this.deps.logger.warn(`${where}: delivery of ${item.id} failed (${why}); retrying${more}`);
          this.lastFailureLog = now;
          this.unreported = 0;
          this.reportedFailing = true;
        }
        lane.state = 'waiting';
        lane.cancelWait = this.deps.scheduler.setTimer(delay, () => {
          lane.cancelWait = undefined;
          if (lane.state !== 'waiting' || this.closed) return;
          if (lane.items.length === 0) {
            this.dropLane(lane);
            return;
          }
          this.makeReady(lane);
          this.dispatch();
        });
      }
    }
    this.dispatch();
  }

  private finishHead(lane: Lane, item: DeliveryItem, outcome: 'delivered' | 'failed'): void {
    if (lane.items[0] === item) {
      lane.items.shift();
      this.counters.queued--;
    }
    lane.attempts = 0;
    if (lane.items.length > 0) this.makeReady(lane);
    else {
      lane.state = 'idle';
      this.dropLane(lane);
    }
    this.deps.onDone(item.id, this.cfg.name, outcome);
  }
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
