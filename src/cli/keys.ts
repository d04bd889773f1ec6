/**
 * `genkey`, `genpsk` and `pubkey` subcommands, byte-for-byte like wg(8)
 * (wireguard-tools genkey.c / pubkey.c): keys are printed as 44-character
 * base64 plus a newline. pubkey reads exactly 44 characters, tolerates only
 * whitespace and NUL after them, and reports the same two errors as wg.
 */
import { publicKeyOf, generatePresharedKey, generatePrivateKey } from '../crypto/keys.js';
import { nobleProvider } from '../crypto/noble.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { fromBase64, toBase64, wipe } from '../util/bytes.js';
import type { Random } from '../util/ports.js';

/** Length of a base64-encoded 32-byte key. */
const KEY_BASE64_LEN = 44;

/** wg's messages for bad pubkey input (printed as `<prog>: <message>`, exit status 1). */
export const BAD_KEY_MESSAGE = 'Key is not the correct length or format';
export const TRAILING_MESSAGE = 'Trailing characters found after key';

export class KeyInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyInputError';
  }
}

/** `wg genkey`: a fresh clamped Curve25519 private key, base64, newline. */
export function genkey(random: Random): string {
  const k = generatePrivateKey(random);
  const out = `${toBase64(k)}\n`;
  wipe(k);
  return out;
}

/** `wg genpsk`: 32 random bytes (not clamped), base64, newline. */
export function genpsk(random: Random): string {
  const k = generatePresharedKey(random);
  const out = `${toBase64(k)}\n`;
  wipe(k);
  return out;
}

// C isspace() plus NUL: what pubkey.c skips after the key.
function skippable(c: number): boolean {
  return c === 0 || c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * `wg pubkey`: the public key for the private key given on stdin.
 * Throws KeyInputError with wg's message on bad input (the message never
 * contains the input).
 */
export function pubkey(input: string | Uint8Array, provider: CryptoProvider = nobleProvider): string {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (text.length < KEY_BASE64_LEN) throw new KeyInputError(BAD_KEY_MESSAGE);
  // wg checks what follows the 44 characters before it decodes them.
  for (let i = KEY_BASE64_LEN; i < text.length; i++) {
    if (!skippable(text.charCodeAt(i))) throw new KeyInputError(TRAILING_MESSAGE);
  }
  const priv = fromBase64(text.slice(0, KEY_BASE64_LEN));
  if (priv === null || priv.length !== 32) throw new KeyInputError(BAD_KEY_MESSAGE);
  const pub = publicKeyOf(provider, priv);
  wipe(priv);
  return `${toBase64(pub)}\n`;
}
