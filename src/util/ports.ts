/**
 * Ports the sans-IO core is given instead of reaching for globals
 * (design.md "Layers"): time and randomness are injected so tests can run
 * hours of protocol time under a fake clock with a seeded RNG.
 */

/** Time source. Both values are milliseconds (fractions allowed). */
export interface Clock {
  /** Monotonic time, for every timer, keypair age, rate limit and cookie age. */
  now(): number;
  /** Wall-clock time since the Unix epoch, only for TAI64N and last_handshake_time_*. */
  wallNow(): number;
}

/** Randomness source (CSPRNG in production, seeded in tests). */
export interface Random {
  /** Fills `buf` with random bytes and returns it. */
  fill(buf: Uint8Array): Uint8Array;
}
