/**
 * TAI64N timestamps for handshake initiations (whitepaper §5.1, §5.4.2):
 * 12 bytes big-endian = (2^62 + 10 + Unix seconds) ‖ nanoseconds. The
 * nanoseconds are "whitened" by clearing their low 24 bits (as wireguard-go
 * and the kernel do), so a stamp reveals time only to ~16.8 ms and a peer's
 * replay check compares coarse values.
 */

/** TAI64 label of the Unix epoch: 2^62 + 10 (TAI−UTC offset at 1970). */
const TAI64_BASE = 0x400000000000000an;
/** Low 24 bits of the nanosecond field are cleared: granularity 2^24 ns. */
const WHITENER_MASK = 0xffffff;

/** Encodes `wallMs` (Unix epoch milliseconds, fractions allowed) as a whitened TAI64N label. */
export function tai64n(wallMs: number): Uint8Array {
  const secs = Math.floor(wallMs / 1000);
  let nanos = Math.floor((wallMs - secs * 1000) * 1e6);
  if (nanos > 999_999_999) nanos = 999_999_999; // float rounding at the second boundary
  if (nanos < 0) nanos = 0;
  nanos = (nanos & ~WHITENER_MASK) >>> 0;
  const out = new Uint8Array(12);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, TAI64_BASE + BigInt(secs), false);
  dv.setUint32(8, nanos, false);
  return out;
}

/**
 * Compares two 12-byte labels bytewise (big-endian, so this is numeric order):
 * negative if a < b, zero if equal, positive if a > b. Responders accept an
 * initiation only if its stamp is strictly greater than the last one (§5.1).
 */
export function compareTai64n(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
