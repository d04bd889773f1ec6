/**
 * Provider selection for `--crypto auto|noble|node` (design.md "Crypto
 * providers"). `auto` prefers node:crypto (OpenSSL, faster AEAD) but only if a
 * startup self-check passes: an OpenSSL build may lack ChaCha20-Poly1305 or
 * BLAKE2s, or behave differently; then the pure-TypeScript noble provider is used.
 */
import type { CryptoProvider } from './provider.js';
import { nobleProvider } from './noble.js';
import { nodeProvider } from './node.js';
import { constantTimeEqual, fromHex } from '../util/bytes.js';

export type CryptoChoice = 'auto' | 'noble' | 'node';

/** RFC 7693 Appendix B: BLAKE2s-256("abc"). */
const ABC_DIGEST = '508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982';

function same(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && constantTimeEqual(a, b);
}

/**
 * Known-answer and cross-checks of `p` against noble on fixed inputs: every
 * primitive, including AEAD open with a good and a tampered tag and X25519 of
 * a low-order point. Returns false (never throws) if anything differs.
 */
export function selfCheck(p: CryptoProvider): boolean {
  try {
    const key = new Uint8Array(32).map((_, i) => i + 1);
    const priv = new Uint8Array(32).map((_, i) => 0x40 + i);
    const nonce = new Uint8Array(12).map((_, i) => i * 7);
    const msg = new Uint8Array(67).map((_, i) => (i * 13) & 0xff);
    const aad = new Uint8Array(9).map((_, i) => 200 - i);
    const abc = new TextEncoder().encode('abc');
    if (!same(p.blake2s(abc, 32), fromHex(ABC_DIGEST))) return false;
    if (!same(p.blake2s(msg, 16, key), nobleProvider.blake2s(msg, 16, key))) return false;
    if (!same(p.hmacBlake2s(key, msg), nobleProvider.hmacBlake2s(key, msg))) return false;
    const pub = p.x25519PublicKey(priv);
    if (!same(pub, nobleProvider.x25519PublicKey(priv))) return false;
    if (!same(p.x25519(key, pub), nobleProvider.x25519(key, pub))) return false;
    if (p.x25519(key, new Uint8Array(32)) !== null) return false; // low-order point → null
    const sealed = p.chacha20Poly1305Seal(key, nonce, msg, aad);
    if (!same(sealed, nobleProvider.chacha20Poly1305Seal(key, nonce, msg, aad))) return false;
    if (!same(p.chacha20Poly1305Open(key, nonce, sealed, aad), msg)) return false;
    const bad = Uint8Array.from(sealed);
    bad[bad.length - 1]! ^= 1;
    if (p.chacha20Poly1305Open(key, nonce, bad, aad) !== null) return false;
    const xnonce = new Uint8Array(24).map((_, i) => 3 * i);
    const xs = p.xchacha20Poly1305Seal(key, xnonce, msg, aad);
    if (!same(xs, nobleProvider.xchacha20Poly1305Seal(key, xnonce, msg, aad))) return false;
    return same(p.xchacha20Poly1305Open(key, xnonce, xs, aad), msg);
  } catch {
    return false;
  }
}

let nodeOk: boolean | undefined;

/** Returns the provider for `choice`; `auto` = node if its self-check passes (checked once), else noble. */
export function selectProvider(choice: CryptoChoice): CryptoProvider {
  switch (choice) {
    case 'noble':
      return nobleProvider;
    case 'node':
      return nodeProvider;
    case 'auto':
      if (nodeOk === undefined) nodeOk = selfCheck(nodeProvider);
      return nodeOk ? nodeProvider : nobleProvider;
    default:
      throw new RangeError(`unknown crypto provider: ${String(choice)}`);
  }
}
