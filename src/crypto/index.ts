/**
 * `tswg/crypto` — the public crypto subpath (package.json "exports": "./crypto").
 *
 * WireGuard's primitives (whitepaper §5.4) behind one CryptoProvider interface
 * with two implementations: `nobleProvider` (pure TypeScript, @noble/*) and
 * `nodeProvider` (node:crypto/OpenSSL, noble where OpenSSL lacks a primitive).
 * Both pass every vector in vectors/. Pick one with `selectProvider('auto')`.
 *
 * Also exported: the §5.4 HASH/MAC/HMAC/KDF1–3 helpers, TAI64N timestamps, the
 * transport nonce layout, key generation and strict hex/base64 codecs.
 *
 * @example
 *   import { selectProvider, generatePrivateKey, publicKeyOf, toBase64 } from 'tswg/crypto';
 *   const p = selectProvider('auto');
 *   const priv = generatePrivateKey({ fill: (b) => crypto.getRandomValues(b) });
 *   console.log(toBase64(publicKeyOf(p, priv)));
 */
export type { CryptoProvider } from './provider.js';
export { nobleProvider } from './noble.js';
export { nodeProvider } from './node.js';
export { selectProvider, selfCheck, type CryptoChoice } from './select.js';
export { hash, mac, hmac, kdf1, kdf2, kdf3 } from './kdf.js';
export { tai64n, compareTai64n } from './tai64n.js';
export { transportNonce } from './aead-nonce.js';
export { generatePrivateKey, generatePresharedKey, publicKeyOf, clampPrivateKey } from './keys.js';
export {
  toHex,
  fromHex,
  toBase64,
  fromBase64,
  constantTimeEqual,
  concatBytes,
  isAllZero,
  wipe,
} from '../util/bytes.js';
