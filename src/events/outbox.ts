/**
 * The outbox: fans portal events out to the endpoints whose filters want
 * them, makes each one durable in the journal before it counts as queued,
 * and forgets it once every target endpoint is done with it.
 *
 * Policies (issue 4 "Delivery"):
 * - Bounded: at most `queue.max_events` events are pending. When full, the
 *   oldest pending event is dropped for every endpoint (new facts are worth
 *   more than old ones), counted, and logged once per burst with a count.
 * - Disk errors (ENOSPC, EIO, read-only): one clear log line, then delivery
 *   continues from memory; never a crash. Every `diskRetryMs` the outbox
 *   tries the disk again by compacting — one atomic rewrite of the journal
 *   holding exactly the in-memory queue and tracker state. When that
 *   succeeds, storage is 'disk' again (one info line) and new events are
 *   fsync'd before delivery as before: that is what "resumes" means.
 * - Restart: journal contents are re-queued in their original order with
 *   their original ids and bodies (at-least-once delivery).
 * - Compaction: when the journal holds more than twice the live records
 *   (and at least COMPACT_AFTER_LINES lines), it is rewritten.
 */
import type { Clock, Random } from '../util/ports.js';
import { endpointWants, type EndpointConfig, type EventsConfig } from './config.js';
import { EndpointDelivery, type EndpointCounters } from './endpoint-delivery.js';
import type { PortalEvent } from './portal-event.js';
import type { ConnectedRecord, HttpTransport, Journal, JournalContents, JournalEvent, Logger, Scheduler, TrackerState } from './ports.js';

export const COMPACT_AFTER_LINES = 1000;
const DROP_LOG_DELAY_MS = 1000;
/** Default wait between attempts to write to the journal again after a disk error. */
export const DISK_RETRY_MS = 5000;

export interface OutboxDeps {
  readonly clock: Clock;
  readonly random: Random;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** null = memory only. */
  readonly journal: Journal | null;
  /** Builds the transport for an endpoint (TLS options etc.). May throw a clear config error. */
  readonly transportFor: (e: EndpointConfig) => HttpTransport;
  /** Current tracker state (sequences, connected peers), written into compacted journals. */
  readonly state: () => TrackerState;
  /** Wait between attempts to use the journal again after a disk error (default DISK_RETRY_MS). */
  readonly diskRetryMs?: number;
}

export interface OutboxStats {
  /** Events pending for at least one endpoint. */
  readonly queued: number;
  /** 'disk' while the journal works, 'memory' after a disk error or without a state dir. */
  readonly storage: 'disk' | 'memory';
  readonly droppedQueueFull: number;
  readonly endpoints: Readonly<Record<string, Readonly<EndpointCounters>>>;
}

interface Record_ {
  readonly ev: JournalEvent;
  readonly remaining: Set<string>;
}

export class Outbox {
  private config: EventsConfig;
  private journal: Journal | null;
  /** The journal after a disk error: kept open and tried again (compaction) every diskRetryMs. */
  private suspended: Journal | null = null;
  private cancelDiskRetry: (() => void) | undefined;
  private readonly endpoints = new Map<string, EndpointDelivery>();
  private readonly records = new Map<string, Record_>();
  /** Records waiting for their fsync, in append order; released to endpoints in the same order. */
  private readonly awaitingDisk: { rec: Record_; done: boolean }[] = [];
  private durableWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private linesSinceCompact = 0;
  private compacting = false;
  private droppedQueueFull = 0;
  private burstDrops = 0;
  private closed = false;

  constructor(
    config: EventsConfig,
    private readonly deps: OutboxDeps,
    restored?: JournalContents,
  ) {
    this.config = config;
    this.journal = deps.journal;
    for (const e of config.endpoints) this.endpoints.set(e.name, this.newDelivery(e));
    if (restored) this.restore(restored);
  }

  private newDelivery(e: EndpointConfig): EndpointDelivery {
    return new EndpointDelivery(e, this.deps.transportFor(e), {
      clock: this.deps.clock,
      random: this.deps.random,
      scheduler: this.deps.scheduler,
      logger: this.deps.logger,
      onDone: (id, name) => this.ack(id, name),
    });
  }

  private restore(c: JournalContents): void {
    if (c.badLines > 0) this.deps.logger.warn(`event journal: skipped ${c.badLines} unreadable line(s) (torn write?)`);
    let abandoned = 0;
    for (const ev of c.events) {
      const targets = ev.targets.filter((t) => this.endpoints.has(t));
      if (targets.length < ev.targets.length) abandoned++;
      if (targets.length === 0) continue;
      const rec: Record_ = { ev: { ...ev, targets }, remaining: new Set(targets) };
      this.admit(rec);
      this.release(rec);
    }
    if (abandoned > 0) this.deps.logger.warn(`event journal: ${abandoned} event(s) were queued for endpoints no longer configured; not sent there`);
    if (c.events.length > 0) this.deps.logger.info(`event journal: redelivering ${this.records.size} queued event(s)`);
    this.linesSinceCompact = c.events.length + 1;
    this.maybeCompact(true);
  }

  /** Queues one event for every endpoint that wants it. Synchronous; disk work continues in the background. */
  enqueue(pe: PortalEvent, sequence: number): void {
    if (this.closed) return;
    const { event, entity } = pe.envelope;
    const targets = this.config.endpoints.filter((e) => endpointWants(e, event, entity)).map((e) => e.name);
    if (targets.length === 0) return;
    const ev: JournalEvent = { id: pe.id, key: pe.key, targets, body: JSON.stringify(pe.envelope), at: this.deps.clock.wallNow() };
    const rec: Record_ = { ev, remaining: new Set(targets) };
    this.admit(rec);
    const j = this.journal;
    if (!j) {
      this.release(rec);
      return;
    }
    const slot = { rec, done: false };
    this.awaitingDisk.push(slot);
    this.linesSinceCompact++;
    j.appendEvent(ev, sequence).then(
      () => {
        slot.done = true;
        this.drainAwaiting();
      },
      (err: unknown) => this.diskFailed(err),
    );
  }

  /** Persists a peer's connected state (for crash reporting after a restart). */
  recordConnection(key: string, rec: ConnectedRecord | null): void {
    if (!this.journal || this.closed) return;
    this.linesSinceCompact++;
    this.journal.appendConnection(key, rec).catch((err: unknown) => this.diskFailed(err));
  }

  /** Resolves once every event enqueued so far is on disk (or the journal was abandoned). */
  whenDurable(): Promise<void> {
    if (this.awaitingDisk.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push(resolve));
  }

  /** Resolves when nothing is pending for any endpoint. */
  whenIdle(): Promise<void> {
    if (this.records.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Applies a reloaded configuration: queued events are kept for endpoints that remain (by name). */
  reload(config: EventsConfig): void {
    const next = new Map(config.endpoints.map((e) => [e.name, e]));
    for (const [name, d] of this.endpoints) {
      const e = next.get(name);
      if (e) {
        const old = d.reconfigure(e, this.deps.transportFor(e)); // lanes stay; the old transport is retired
        void old.close().catch(() => undefined);
        continue;
      }
      this.endpoints.delete(name);
      for (const rec of [...this.records.values()]) {
        if (rec.remaining.has(name)) {
          d.discard(rec.ev.id, rec.ev.key);
          this.ack(rec.ev.id, name);
        }
      }
      void d.close().then(() => d.closeTransport());
    }
    for (const e of config.endpoints) if (!this.endpoints.has(e.name)) this.endpoints.set(e.name, this.newDelivery(e));
    this.config = config;
    while (this.records.size > config.queue.maxEvents) this.dropOldest();
  }

  stats(): OutboxStats {
    const endpoints: Record<string, EndpointCounters> = {};
    for (const [name, d] of this.endpoints) endpoints[name] = { ...d.counters };
    return {
      queued: this.records.size,
      storage: this.journal ? 'disk' : 'memory',
      droppedQueueFull: this.droppedQueueFull,
      endpoints,
    };
  }

  /** Stops delivery (in-flight attempts end), compacts and closes the journal. Pending events stay on disk. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.endpoints.values()].map((d) => d.close()));
    await this.whenDurable();
    this.cancelDiskRetry?.();
    // A journal suspended by a disk error gets one last try: the disk may have room again.
    const j = this.journal ?? this.suspended;
    if (j) {
      try {
        await j.compact(this.live(), this.deps.state());
      } catch (err) {
        this.deps.logger.error(`event journal: compaction at shutdown failed: ${describe(err)}`);
      }
      await j.close().catch(() => undefined);
    }
  }

  private admit(rec: Record_): void {
    while (this.records.size >= this.config.queue.maxEvents) this.dropOldest();
    this.records.set(rec.ev.id, rec);
  }

  private release(rec: Record_): void {
    if (!this.records.has(rec.ev.id)) return; // dropped while its fsync was pending
    for (const name of rec.remaining) this.endpoints.get(name)?.enqueue({ id: rec.ev.id, key: rec.ev.key, body: rec.ev.body });
  }

  private drainAwaiting(): void {
    while (this.awaitingDisk.length > 0 && this.awaitingDisk[0]!.done) this.release(this.awaitingDisk.shift()!.rec);
    if (this.awaitingDisk.length === 0) {
      const w = this.durableWaiters;
      this.durableWaiters = [];
      for (const f of w) f();
    }
  }

  /** A journal operation failed: continue from memory and try the disk again later. */
  private diskFailed(err: unknown, retrying = false): void {
    const j = this.journal;
    if (j) {
      // One line per outage: a failed retry while the disk is still full says nothing new.
      if (!retrying) {
        const every = Math.round(this.retryMs() / 1000);
        this.deps.logger.error(
          `event journal: disk error (${describe(err)}); continuing without persistence — queued events will not survive a restart until the disk is writable again (retrying every ${every} s)`,
        );
      }
      this.journal = null;
      this.suspended = j;
      this.scheduleDiskRetry();
    }
    for (const slot of this.awaitingDisk) slot.done = true;
    this.drainAwaiting();
  }

  private retryMs(): number {
    return this.deps.diskRetryMs ?? DISK_RETRY_MS;
  }

  private scheduleDiskRetry(): void {
    if (this.closed || this.cancelDiskRetry) return;
    this.cancelDiskRetry = this.deps.scheduler.setTimer(this.retryMs(), () => {
      this.cancelDiskRetry = undefined;
      this.retryDisk();
    });
  }

  /**
   * Puts the suspended journal back first, so that events enqueued from now on are appended after the
   * compaction in the journal's own order; if the compaction fails they fail too and we are back in memory.
   */
  private retryDisk(): void {
    const j = this.suspended;
    if (!j || this.closed || this.journal) return;
    this.suspended = null;
    this.journal = j;
    this.compacting = true;
    this.linesSinceCompact = this.records.size;
    const saved = this.records.size;
    j.compact(this.live(), this.deps.state()).then(
      () => {
        this.compacting = false;
        if (this.journal === j) this.deps.logger.info(`event journal: disk writable again; ${saved} pending event(s) saved, new events are persisted`);
      },
      (err: unknown) => {
        this.compacting = false;
        this.diskFailed(err, true);
      },
    );
  }

  private ack(id: string, endpoint: string): void {
    const rec = this.records.get(id);
    if (!rec || !rec.remaining.delete(endpoint)) return;
    if (this.journal) {
      this.linesSinceCompact++;
      this.journal.appendAck(id, endpoint).catch((err: unknown) => this.diskFailed(err));
    }
    if (rec.remaining.size === 0) this.forget(id);
  }

  private forget(id: string): void {
    this.records.delete(id);
    if (this.records.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
    this.maybeCompact(false);
  }

  private dropOldest(): void {
    const first = this.records.values().next();
    if (first.done) return;
    const rec = first.value;
    for (const name of rec.remaining) {
      const d = this.endpoints.get(name);
      d?.discard(rec.ev.id, rec.ev.key); // an attempt in flight cannot be recalled; its result is ignored
    }
    this.droppedQueueFull++;
    if (this.burstDrops++ === 0) {
      this.deps.scheduler.setTimer(DROP_LOG_DELAY_MS, () => {
        this.deps.logger.warn(
          `event queue full (queue.max_events=${this.config.queue.maxEvents}): dropped the ${this.burstDrops} oldest pending event(s)`,
        );
        this.burstDrops = 0;
      });
    }
    if (this.journal) {
      this.linesSinceCompact++;
      this.journal.appendDiscard(rec.ev.id).catch((err: unknown) => this.diskFailed(err));
    }
    this.forget(rec.ev.id);
  }

  private live(): JournalEvent[] {
    return [...this.records.values()].map((r) => ({ ...r.ev, targets: [...r.remaining] }));
  }

  private maybeCompact(force: boolean): void {
    const j = this.journal;
    if (!j || this.compacting || this.closed) return;
    if (!force && (this.linesSinceCompact < COMPACT_AFTER_LINES || this.linesSinceCompact < 2 * this.records.size)) return;
    this.compacting = true;
    this.linesSinceCompact = this.records.size;
    j.compact(this.live(), this.deps.state()).then(
      () => {
        this.compacting = false;
      },
      (err: unknown) => {
        this.compacting = false;
        this.diskFailed(err);
      },
    );
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
