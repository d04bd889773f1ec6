/**
 * Go-style duration strings ("10s", "1m30s", "250ms", "1.5h", "0"), the form
 * wg-portal's YAML uses for `webhook.timeout` (Go time.ParseDuration
 * grammar: a sequence of decimal numbers, each with a unit ns/us/µs/ms/s/m/h).
 * Returns milliseconds, or null for anything malformed or negative.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

export function parseDuration(text: string): number | null {
  if (typeof text !== 'string') return null;
  let s = text;
  if (s.startsWith('+')) s = s.slice(1);
  if (s === '0') return 0;
  if (s.length === 0 || s.length > 64) return null;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return null;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Number.isFinite(total) ? total : null;
}

/** Formats ms back as a short Go-style duration (for log lines). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
