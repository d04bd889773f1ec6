/**
 * Retry timing for webhook delivery: exponential backoff with "full jitter"
 * (delay uniform in [0, min(max, initial·2^(n−1))]) so that many queued
 * events do not retry in lockstep, and `Retry-After` (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date) which, when present, replaces the computed
 * delay (Standard Webhooks "honour Retry-After", webhook-research.md §3.1).
 */
import type { Random } from '../util/ports.js';
import type { RetryConfig } from './config.js';

/** Upper bound for any single wait, whatever a server asks for. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/** Uniform number in [0, 1) from 32 random bits. */
export function uniform(random: Random): number {
  const b = random.fill(new Uint8Array(4));
  return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32;
}

/** Delay before retry number `attempt` (1 = the first retry). */
export function backoffDelay(attempt: number, retry: RetryConfig, random: Random): number {
  const exp = Math.min(attempt - 1, 40); // 2^40 × 1 ms already exceeds any max
  const cap = Math.min(retry.maxMs, retry.initialMs * 2 ** exp);
  return Math.floor(uniform(random) * cap);
}

/**
 * Milliseconds to wait according to a Retry-After value, or null if absent
 * or unparseable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowWallMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, MAX_RETRY_AFTER_MS);
  // HTTP-date (IMF-fixdate, or the obsolete forms Date.parse also accepts); must name a weekday or month to
  // rule out numbers that Date.parse would take as years.
  if (!/[A-Za-z]{3}/.test(v)) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.min(Math.max(0, t - nowWallMs), MAX_RETRY_AFTER_MS);
}

/**
 * Whether a failed status is worth retrying: 5xx, 408 Request Timeout,
 * 425 Too Early, 429 Too Many Requests, and redirects (3xx are failures,
 * never followed, §3.1). Other 4xx are the receiver rejecting this event:
 * retrying the same bytes cannot help, so the event is given up.
 */
export function isRetryableStatus(status: number): boolean {
  if (status >= 500 || status < 400) return true;
  return status === 408 || status === 425 || status === 429;
}
