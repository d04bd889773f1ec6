/**
 * Makes the core's per-reason drop counters (Device.drops: bad MACs,
 * replays, unknown indices, cryptokey-routing refusals, …) visible to an
 * operator: a verbose log line whenever they moved since the last report, and
 * the totals at shutdown. Counts only — never packet bytes, keys or peers.
 * The daemon adds its own counters beside the core's (handshake messages
 * refused by a full HandshakeQueue).
 */

/** Counts by reason: the core's DropCounters, possibly with the daemon's own reasons added. */
export type DropCounts = Readonly<Record<string, number>>;

/** "reason count" pairs for the counters that grew since `prev` (which is updated), or null when none did. */
export function dropDelta(prev: Record<string, number>, now: DropCounts): string | null {
  const parts: string[] = [];
  for (const [reason, n] of Object.entries(now)) {
    const before = prev[reason] ?? 0;
    if (n > before) parts.push(`${reason} ${n - before}`);
    prev[reason] = n;
  }
  return parts.length === 0 ? null : parts.join(', ');
}

/** Non-zero totals as "reason count" pairs, or "none". */
export function dropTotals(now: DropCounts): string {
  const parts = Object.entries(now)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** Logs dropDelta every `intervalMs` (unref'd: it never keeps the process alive). */
export class DropReporter {
  private readonly prev: Record<string, number> = {};
  private handle: NodeJS.Timeout | null = null;

  constructor(
    private readonly counters: () => DropCounts,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 30_000,
  ) {}

  start(): void {
    if (this.handle !== null) return;
    this.handle = setInterval(() => this.report(), this.intervalMs);
    this.handle.unref();
  }

  /** Logs what grew since the last report; returns the line, or null when nothing did. */
  report(): string | null {
    const d = dropDelta(this.prev, this.counters());
    if (d === null) return null;
    const line = `dropped since the last report: ${d}`;
    this.log(line);
    return line;
  }

  stop(): void {
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }
}
