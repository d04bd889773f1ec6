/**
 * Ports the event layer is given instead of doing I/O itself (design.md
 * "Layers": events is pure logic; io/ adapts the OS resources and runtime/
 * wires them). With these injected, the tracker, the outbox and the delivery
 * loop run under a fake clock and scheduler in tests, and against undici and
 * an fsync'd file in the daemon (src/runtime/webhooks.ts).
 */

/** Cancels a scheduled callback; calling it twice is harmless. */
export type CancelTimer = () => void;

/** One-shot timers on the monotonic clock. */
export interface Scheduler {
  /** Runs `fn` once after `delayMs` (≥ 0). Must not keep the process alive on its own. */
  setTimer(delayMs: number, fn: () => void): CancelTimer;
}

/** Where diagnostics go. Never given a secret (no keys, no Authorization values). */
export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** One POST of one event to one endpoint. */
export interface HttpRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Whole-exchange deadline (connect + headers + body), like Go's http.Client.Timeout. */
  readonly timeoutMs: number;
}

/** What came back: a status, or a transport-level failure (DNS, refused, TLS, timeout). */
export type HttpResult =
  | { readonly status: number; readonly retryAfter: string | null }
  | { readonly error: string };

/** Sends requests for one endpoint (one TLS configuration, one connection pool). */
export interface HttpTransport {
  send(req: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

/** A queued event as stored in the journal. */
export interface JournalEvent {
  /** Sortable unique id, also the Standard Webhooks `webhook-id`: the same on every attempt and after restart. */
  readonly id: string;
  /** Ordering key: a peer's base64 public key, or `interface:<name>`. */
  readonly key: string;
  /** Endpoint names that still have to acknowledge this event. */
  readonly targets: readonly string[];
  /** The exact JSON body, serialised once so that retries send identical bytes. */
  readonly body: string;
  /** Wall-clock ms when the event was queued. */
  readonly at: number;
}

/**
 * A peer that is connected, kept on disk so that after a crash (SIGKILL, power
 * loss) the next start can still report its disconnect (webhook-research.md
 * §5.4 rule 7).
 */
export interface ConnectedRecord {
  /** The connect payload (wg-portal PeerStatus keys) as sent. */
  readonly payload: Readonly<Record<string, unknown>>;
  readonly sessionStartWallMs: number;
  readonly peerName?: string;
  readonly allowedIps?: readonly string[];
}

/** Tracker state that survives restarts. */
export interface TrackerState {
  readonly sequences: Readonly<Record<string, number>>;
  readonly connected: Readonly<Record<string, ConnectedRecord>>;
}

/** What the journal held when it was opened. */
export interface JournalContents {
  /** Unacknowledged events in the order they were queued. */
  readonly events: JournalEvent[];
  /** Last per-key sequence numbers, so sequences continue across restarts. */
  readonly sequences: Record<string, number>;
  /** Peers that were connected when the previous process ended. */
  readonly connected: Record<string, ConnectedRecord>;
  /** Lines that could not be parsed (e.g. a write torn by SIGKILL); they are skipped. */
  readonly badLines: number;
}

/**
 * Durable storage of queued events (append-only; acknowledgements are
 * appended too and compaction rewrites only what is still pending).
 * Every promise rejects on a disk error; the caller then continues in memory.
 */
export interface Journal {
  /** Resolves once the event is on stable storage (fsync'd). Resolution order = call order. */
  appendEvent(ev: JournalEvent, sequence: number): Promise<void>;
  /** Records that `endpoint` is done with event `id` (delivered or given up). Need not be fsync'd. */
  appendAck(id: string, endpoint: string): Promise<void>;
  /** Records that event `id` was discarded for every endpoint (queue full). */
  appendDiscard(id: string): Promise<void>;
  /** Records that peer `key` is connected (`rec`) or no longer connected (null). Need not be fsync'd. */
  appendConnection(key: string, rec: ConnectedRecord | null): Promise<void>;
  /** Rewrites the journal to hold exactly `live` and `state`; queued after earlier appends. */
  compact(live: readonly JournalEvent[], state: TrackerState): Promise<void>;
  close(): Promise<void>;
}
