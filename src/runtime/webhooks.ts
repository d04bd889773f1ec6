/**
 * Composition of the event pipeline: core DeviceEvents → connection tracker
 * → (typed emitter, outbox → journal on disk → undici deliveries).
 * The daemon (or any embedding program) builds one pipeline per interface:
 *
 *   const config = await loadEventsConfig('/etc/tswg/events.yaml'); // throws ConfigError (file:line:col)
 *   const pipeline = await createEventPipeline({ ifname: 'wg0', config });
 *   effects.emit = (ev) => pipeline.handle(ev);   // from the Device's Effects sink; never blocks
 *   pipeline.interfaceCreated(status);             // once the interface exists
 *   pipeline.events.on('connect', (ev) => console.log(ev.identifier, ev.tswg.allowedIps));
 *   process.on('SIGHUP', async () => pipeline.reload(await loadEventsConfig(path)));
 *   await pipeline.close();                        // disconnect(shutdown) for connected peers, bounded flush
 */
import { readFile } from 'node:fs/promises';
import type { DeviceEvent, InterfaceStatus } from '../core/events.js';
import { parseEventsConfig, type EventsConfig, type ParseOptions } from '../events/config.js';
import { ConnectionTracker } from '../events/connection-tracker.js';
import { PortalEventEmitter } from '../events/emitter.js';
import { EventIdGenerator } from '../events/event-id.js';
import { Outbox, type OutboxStats } from '../events/outbox.js';
import type { HttpTransport, Journal, JournalContents, Logger, Scheduler } from '../events/ports.js';
import { openEventJournal } from '../io/event-journal.js';
import { createHttpTransport } from '../io/http-client.js';
import { systemClock, systemRandom } from '../io/system-ports.js';
import type { Clock, Random } from '../util/ports.js';
import type { Logger as RuntimeLogger } from './logger.js';

export interface EventPipelineOptions {
  /** Interface name: appears in payloads and in the default state directory. */
  readonly ifname: string;
  /** Journal directory (`--state-dir`); default /var/lib/tswg/<ifname>; null = memory only. */
  readonly stateDir?: string | null;
  readonly config: EventsConfig;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly scheduler?: Scheduler;
  /** After a disk error, how often to try the journal again (default 5 s; see Outbox). */
  readonly diskRetryMs?: number;
}

export interface PipelineStats extends OutboxStats {
  /** Peers currently connected (including those within their disconnect grace). */
  readonly connectedPeers: number;
}

export interface EventPipeline {
  /** Typed subscription: `on('connect' | 'disconnect' | 'create' | 'update' | 'delete' | 'event', fn)` and `stream()`. */
  readonly events: PortalEventEmitter;
  /** Feeds one core event (Effects.emit). Synchronous, cheap, never throws. */
  handle(ev: DeviceEvent): void;
  /** The interface now exists: emits interface `create`. */
  interfaceCreated(iface: InterfaceStatus): void;
  /** The interface is removed for good: per peer disconnect (if connected) and delete, then interface delete. */
  interfaceDeleted(iface?: InterfaceStatus): void;
  /** An in-tunnel probe result for a peer (base64 key): fills IsPingable/LastPing in later payloads. */
  recordProbe(publicKey: string, pingable: boolean, atWallMs: number): void;
  /**
   * Applies a new configuration (SIGHUP). Queued events are kept for endpoints that remain (same
   * `name`, default the URL); a 410 pause is lifted. Throws (changing nothing) if a TLS file cannot be read.
   */
  reload(config: EventsConfig): void;
  stats(): PipelineStats;
  /** Resolves when every event handled so far is on disk (or the journal was abandoned). */
  whenDurable(): Promise<void>;
  /** Waits until nothing is pending or `timeoutMs` passes; true if everything was delivered. */
  flush(timeoutMs: number): Promise<boolean>;
  /**
   * Stops: unless `shutdown: false`, connected peers get disconnect(reason shutdown); then waits up to
   * `flushTimeoutMs` (default 2000) for delivery. Whatever is not delivered stays in the journal.
   */
  close(opts?: { shutdown?: boolean; flushTimeoutMs?: number }): Promise<void>;
}

/** A configuration file that failed validation; `errors` are `file:line:col: message` lines. */
export class ConfigError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(errors.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Reads and validates a YAML config file (`--config` / TSWG_CONFIG). */
export async function loadEventsConfig(path: string, opts?: ParseOptions): Promise<EventsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const r = parseEventsConfig(text, path, opts);
  if (!r.ok) throw new ConfigError(r.errors);
  return r.config;
}

export function defaultStateDir(ifname: string): string {
  return `/var/lib/tswg/${ifname}`;
}

const systemScheduler: Scheduler = {
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  },
};
const consoleLogger: Logger = {
  info: (m) => console.error(`tswg events: ${m}`),
  warn: (m) => console.error(`tswg events: warning: ${m}`),
  error: (m) => console.error(`tswg events: error: ${m}`),
};

/** Adapts the daemon's wireguard-go-style logger: info → verbose; warnings and errors → error (visible by default). */
export function eventsLogger(l: RuntimeLogger): Logger {
  return {
    info: (m) => l.verbose(`events: ${m}`),
    warn: (m) => l.error(`events: warning: ${m}`),
    error: (m) => l.error(`events: ${m}`),
  };
}

/** Builds every endpoint's transport first, so a bad TLS file fails before anything changes. */
function buildTransports(config: EventsConfig, logger: Logger): Map<string, HttpTransport> {
  const out = new Map<string, HttpTransport>();
  try {
    for (const e of config.endpoints) {
      if (e.tls.insecure) logger.warn(`webhook ${e.name}: tls.insecure is set — server certificates are NOT verified`);
      out.set(e.name, createHttpTransport({ tls: e.tls, connections: e.maxInFlight }));
    }
  } catch (err) {
    for (const t of out.values()) void t.close();
    throw err;
  }
  return out;
}

export async function createEventPipeline(opts: EventPipelineOptions): Promise<EventPipeline> {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? systemRandom;
  const logger = opts.logger ?? consoleLogger;
  const scheduler = opts.scheduler ?? systemScheduler;
  const stateDir = opts.stateDir === undefined ? defaultStateDir(opts.ifname) : opts.stateDir;

  let journal: Journal | null = null;
  let contents: JournalContents | undefined;
  if (stateDir !== null) {
    try {
      ({ journal, contents } = await openEventJournal(stateDir));
    } catch (err) {
      logger.error(`event journal in ${stateDir} unavailable (${(err as Error).message}); queued events will live in memory only`);
    }
  }

  let transports = buildTransports(opts.config, logger);
  const ids = new EventIdGenerator(clock, random);
  for (const ev of contents?.events ?? []) ids.observe(ev.id);
  const events = new PortalEventEmitter((err) => logger.error(`event listener threw: ${(err as Error)?.message ?? String(err)}`));

  let config = opts.config;
  const names = (c: EventsConfig) => (k: string) => c.peerNames.get(k);
  // eslint-disable-next-line prefer-const -- assigned after the tracker, which the outbox reads lazily
  let outbox: Outbox;
  const tracker = new ConnectionTracker({
    ifname: opts.ifname,
    clock,
    scheduler,
    ids,
    graceMs: config.disconnectGraceMs,
    peerName: names(config),
    ...(contents ? { sequences: contents.sequences } : {}),
    onConnection: (key, rec) => outbox.recordConnection(key, rec),
    onEvent: (pe) => {
      outbox.enqueue(pe, pe.envelope.tswg.sequence);
      events.emit(pe.envelope);
    },
  });
  outbox = new Outbox(
    config,
    {
      clock,
      random,
      scheduler,
      logger,
      journal,
      transportFor: (e) => transports.get(e.name) ?? createHttpTransport({ tls: e.tls, connections: e.maxInFlight }),
      state: () => tracker.state(),
      ...(opts.diskRetryMs !== undefined ? { diskRetryMs: opts.diskRetryMs } : {}),
    },
    contents,
  );
  // Peers left connected by a process that died without reporting them (SIGKILL, power loss).
  if (contents && Object.keys(contents.connected).length > 0) tracker.restoreConnected(contents.connected);

  const guard = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      logger.error(`${what} failed: ${(err as Error)?.stack ?? String(err)}`);
    }
  };
  let closed = false;

  // flush() is an explicit wait, so its deadline timer keeps the process alive (the delivery timers do not).
  const deadline: Scheduler = opts.scheduler ?? {
    setTimer(delayMs, fn) {
      const t = setTimeout(fn, Math.max(0, delayMs));
      return () => clearTimeout(t);
    },
  };
  const flush = async (timeoutMs: number): Promise<boolean> => {
    let cancel = (): void => undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      cancel = deadline.setTimer(timeoutMs, () => resolve(false));
    });
    const done = await Promise.race([outbox.whenIdle().then(() => true), timedOut]);
    cancel();
    return done;
  };

  // Nobody reads portal events when there is no webhook endpoint, no journal
  // and no in-process subscriber (the CLI without a config file). Then the
  // per-peer configuration facts (created, updated, removed, handshake
  // started, endpoint moved) of a peer the tracker does not know are dropped
  // before any payload is built: a 10,000-peer `wg setconf` would otherwise
  // build, serialise and discard 10,000 create events and keep a record per
  // peer. Connection facts still reach the tracker, so connect/disconnect
  // state stays right for a subscriber that arrives later.
  const unread = (): boolean => config.endpoints.length === 0 && journal === null && !events.hasSubscribers();
  const skippable = (ev: DeviceEvent): boolean =>
    (ev.type === 'peer.created' ||
      ev.type === 'peer.updated' ||
      ev.type === 'peer.removed' ||
      ev.type === 'handshake.initiated' ||
      ev.type === 'endpoint.changed') &&
    unread() &&
    !tracker.tracks(ev.peer);

  return {
    events,
    handle: (ev) => {
      if (!closed && !skippable(ev)) guard(`event ${ev.type}`, () => tracker.handle(ev));
    },
    interfaceCreated: (iface) => guard('interface create', () => tracker.interfaceCreated(iface)),
    interfaceDeleted: (iface) => guard('interface delete', () => tracker.interfaceDeleted(iface)),
    recordProbe: (k, ok, at) => tracker.recordProbe(k, ok, at),
    reload(next) {
      const built = buildTransports(next, logger);
      transports = built;
      config = next;
      tracker.configure(next.disconnectGraceMs, names(next));
      outbox.reload(next);
      logger.info(`configuration reloaded: ${next.endpoints.length} webhook endpoint(s)`);
    },
    stats: () => ({ ...outbox.stats(), connectedPeers: tracker.connectedPeers().length }),
    whenDurable: () => outbox.whenDurable(),
    flush,
    async close(o = {}) {
      if (closed) return;
      if (o.shutdown !== false) guard('shutdown', () => tracker.shutdown());
      closed = true;
      await flush(o.flushTimeoutMs ?? 2000);
      await outbox.close();
      for (const t of transports.values()) await t.close();
      events.close();
    },
  };
}
