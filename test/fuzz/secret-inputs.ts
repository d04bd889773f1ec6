// Planted key material for the parser fuzz targets: random 32-byte keys and
// the text forms a user might paste — exact hex/base64, and near misses
// (truncated, one character changed, extended, quoted) that a parser rejects
// and might be tempted to quote in its error message.
import fc from 'fast-check';
import { toBase64, toHex } from '../../src/util/bytes.js';
import { SecretScanner } from '../security/secret-scanner.js';

export interface SecretRef {
  /** Which planted key (modulo the number of keys). */
  readonly k: number;
  /** Which text form (modulo the number of forms). */
  readonly form: number;
  /** Position / character used by the near-miss forms. */
  readonly n: number;
}

export const secretRef: fc.Arbitrary<SecretRef> = fc.record({ k: fc.nat(), form: fc.nat(), n: fc.nat() });

export const plantedKeys: fc.Arbitrary<Uint8Array[]> = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 3 });

const KEY_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function substitute(s: string, n: number): string {
  const i = n % s.length;
  const c = KEY_CHARS[(n >> 6) % KEY_CHARS.length]!;
  return s.slice(0, i) + (c === s[i] ? 'x' : c) + s.slice(i + 1);
}

/** The text form of a planted key that `ref` names. */
export function renderSecret(keys: readonly Uint8Array[], ref: SecretRef): string {
  const key = keys[ref.k % keys.length]!;
  const hex = toHex(key);
  const b64 = toBase64(key);
  const forms = [
    () => hex,
    () => hex.toUpperCase(),
    () => b64,
    () => b64.replace(/=$/, ''),
    () => hex.slice(0, 64 - 1 - (ref.n % 24)),
    // Truncated by at most 4: the shortest form src/uapi/errors.ts KEYISH (40 chars) redacts; see docs/reliability.md.
    () => b64.slice(0, 44 - 1 - (ref.n % 4)),
    () => substitute(hex, ref.n),
    () => substitute(b64, ref.n),
    () => hex + KEY_CHARS[ref.n % KEY_CHARS.length]!,
    () => `${b64}${b64.slice(0, 1 + (ref.n % 8))}`,
    () => `"${b64}"`,
    () => ` ${hex} `,
  ];
  return forms[ref.form % forms.length]!();
}

/** A scanner that knows every planted key. */
export function scannerFor(keys: readonly Uint8Array[]): SecretScanner {
  const s = new SecretScanner(16);
  keys.forEach((k, i) => s.addKey(`planted key ${i}`, k));
  return s;
}

/** Short non-secret values that exercise the value parsers. */
export const plainValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '1',
    '01',
    '-1',
    '65535',
    '65536',
    '4294967295',
    '4294967296',
    'true',
    'false',
    'off',
    'auto',
    '1.2.3.4:51820',
    '[2001:db8::1]:51820',
    '[2001:db8::1%eth0]:1',
    'example.com:51820',
    '10.0.0.0/8',
    '10.0.0.1/33',
    '::/0',
    '0.0.0.0/0, ::/0',
    '1.2.3.4',
    ' = ',
    '#',
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
