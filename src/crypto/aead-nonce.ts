/**
 * Transport-data nonce (whitepaper §5.4.6): the 64-bit message counter in
 * little-endian, preceded by 4 zero bytes, forming the 96-bit ChaCha20-Poly1305
 * nonce of RFC 8439 §2.8. Handshake AEADs use counter 0.
 */

const U64_MAX = (1n << 64n) - 1n;

/** Writes 4 zero bytes ‖ LE64(counter) into `out` (12 bytes, reused on the hot path) or a fresh array. */
export function transportNonce(counter: bigint, out?: Uint8Array): Uint8Array {
  if (counter < 0n || counter > U64_MAX) throw new RangeError('nonce counter must fit in 64 bits');
  const n = out ?? new Uint8Array(12);
  if (n.length !== 12) throw new RangeError('nonce buffer must be 12 bytes');
  const lo = Number(counter & 0xffffffffn);
  const hi = Number(counter >> 32n);
  n[0] = 0;
  n[1] = 0;
  n[2] = 0;
  n[3] = 0;
  n[4] = lo & 0xff;
  n[5] = (lo >>> 8) & 0xff;
  n[6] = (lo >>> 16) & 0xff;
  n[7] = lo >>> 24;
  n[8] = hi & 0xff;
  n[9] = (hi >>> 8) & 0xff;
  n[10] = (hi >>> 16) & 0xff;
  n[11] = hi >>> 24;
  return n;
}
