/**
 * UAPI errors and their errno values (cross-platform UAPI, "errno=N" replies).
 *
 * The numbers are the Linux errno values wireguard-go uses (ipc/uapi_*.go);
 * on the wire they are sent negated (`errno=-22`), which is what wg(8) expects
 * (protocol-checklist §10.2). Messages are for logs: they never contain key
 * material, only the key name and, for non-secret values, a short excerpt.
 */

/** I/O failure while reading or writing the request. */
export const EIO = 5;
/** Invalid key or value. */
export const EINVAL = 22;
/** A line that is not `key=value`. */
export const EPROTO = 71;
/** Cannot bind listen_port (or set fwmark). */
export const EADDRINUSE = 98;
/** wireguard-go's "unknown" code for errors that are not IPC errors. */
export const EUNKNOWN = 55;

export class UapiError extends Error {
  /** Positive errno; the reply carries its negation. */
  readonly errno: number;
  constructor(errno: number, message: string) {
    super(message);
    this.name = 'UapiError';
    this.errno = errno;
  }
}

/** The reply trailer for a (positive) errno: `errno=-N\n\n`, or `errno=0\n\n`. */
export function formatErrno(n: number): string {
  const v = Math.abs(Math.trunc(n));
  return v === 0 ? 'errno=0\n\n' : `errno=-${v}\n\n`;
}

// A value that could be a key or a fragment of one (a run of 16 or more hex,
// base64 or base64url characters — a truncated key pasted into the wrong
// field) is never echoed, even in a field that is not secret.
const KEYISH = /[A-Za-z0-9+/=_-]{16,}/;

/** A short, quoted, key-free excerpt of a value for error messages. */
export function describeValue(v: string, quote: '"' | "'" = '"'): string {
  if (KEYISH.test(v)) return '(redacted)';
  const short = v.length > 60 ? `${v.slice(0, 60)}…` : v;
  return quote === '"' ? JSON.stringify(short) : `'${short.replace(/[^\x20-\x7e]/g, '?')}'`;
}
