/**
 * Log levels with wireguard-go's names and meaning (LOG_LEVEL: silent,
 * error, verbose, debug; unset = error). Lines go to stderr with a
 * timestamp. Callers never pass key material: messages name peers by a
 * short public-key prefix only (see peerLabel).
 */
import { toBase64 } from '../util/bytes.js';

export type LogLevel = 'silent' | 'error' | 'verbose' | 'debug';

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, verbose: 2, debug: 3 };

export interface Logger {
  readonly level: LogLevel;
  error(msg: string): void;
  verbose(msg: string): void;
  debug(msg: string): void;
}

export function parseLogLevel(v: string | undefined): LogLevel {
  switch ((v ?? '').toLowerCase()) {
    case 'silent':
      return 'silent';
    case 'verbose':
      return 'verbose';
    case 'debug':
      return 'debug';
    default:
      return 'error';
  }
}

export function createLogger(level: LogLevel, prefix: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (tag: string, need: LogLevel, msg: string): void => {
    if (RANK[level] < RANK[need]) return;
    write(`${tag}: ${new Date().toISOString()} ${prefix}${msg}\n`);
  };
  return {
    level,
    error: (m) => emit('ERROR', 'error', m),
    verbose: (m) => emit('DEBUG', 'verbose', m),
    debug: (m) => emit('DEBUG', 'debug', m),
  };
}

/** "peer(AbCd…wxYz)" like wireguard-go: enough to tell peers apart, a public key only. */
export function peerLabel(publicKey: Uint8Array): string {
  const b = toBase64(publicKey);
  return `peer(${b.slice(0, 4)}…${b.slice(39, 43)})`;
}
