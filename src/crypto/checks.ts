/**
 * Argument checks shared by both providers. Wrong key/nonce/output lengths are
 * programming errors (provider.ts conventions), so they throw RangeError; only
 * network-dependent failures (bad tag, low-order point) return null.
 */

/** Throws RangeError unless `b` is a Uint8Array of exactly `len` bytes. */
export function requireLength(b: Uint8Array, len: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== len) {
    throw new RangeError(`${what} must be ${len} bytes`);
  }
}

/** BLAKE2s parameter limits (RFC 7693 §2.1): digest 1..32 bytes, key 0..32 bytes. */
export function checkBlake2sParams(outLen: number, key: Uint8Array | undefined): void {
  if (!Number.isInteger(outLen) || outLen < 1 || outLen > 32) {
    throw new RangeError('BLAKE2s output length must be 1..32');
  }
  if (key !== undefined && key.length > 32) throw new RangeError('BLAKE2s key must be at most 32 bytes');
}

export const EMPTY = new Uint8Array(0);
