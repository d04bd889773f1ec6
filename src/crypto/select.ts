/**
 * Provider selection for `--crypto auto|noble|node` (design.md "Crypto
 * providers"). `auto` takes the fastest provider that passes a startup
 * self-check: an OpenSSL build may lack ChaCha20-Poly1305 or BLAKE2s, or
 * behave differently, and which AEAD is faster depends on the machine, so
 * every passing provider seals and opens transport-sized packets for a few
 * milliseconds and the best rate wins (issue 5 "auto picking the fastest").
 */
import { performance } from 'node:perf_hooks';
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

/**
 * Transport packets (1420-byte payloads, the default MTU) sealed and opened
 * per millisecond, measured for about `budgetMs` after a short warm-up.
 */
export function aeadRate(p: CryptoProvider, budgetMs = 4): number {
  const key = new Uint8Array(32).fill(7);
  const nonce = new Uint8Array(12);
  const plain = new Uint8Array(1420);
  const sealed = new Uint8Array(1436);
  const opened = new Uint8Array(1420);
  const once = (): void => {
    p.chacha20Poly1305Seal(key, nonce, plain, undefined, sealed);
    p.chacha20Poly1305Open(key, nonce, sealed, undefined, opened);
  };
  for (let i = 0; i < 16; i++) once();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < budgetMs) {
    for (let i = 0; i < 8; i++) once();
    n += 8;
    t = performance.now();
  }
  return n / (t - t0);
}

let autoChoice: CryptoProvider | undefined;

/**
 * The fastest provider that passes its self-check (noble, the reference,
 * is the answer of last resort even if its own check failed).
 */
function pickAuto(): CryptoProvider {
  const ok = [nodeProvider, nobleProvider].filter((p) => selfCheck(p));
  if (ok.length === 0) return nobleProvider;
  let best = ok[0]!;
  let bestRate = ok.length > 1 ? aeadRate(best) : 0;
  for (const p of ok.slice(1)) {
    const r = aeadRate(p);
    if (r > bestRate) {
      best = p;
      bestRate = r;
    }
  }
  return best;
}

/** Returns the provider for `choice`; `auto` = the fastest self-checked provider (chosen once per process). */
export function selectProvider(choice: CryptoChoice): CryptoProvider {
  switch (choice) {
    case 'noble':
      return nobleProvider;
    case 'node':
      return nodeProvider;
    case 'auto':
      autoChoice ??= pickAuto();
      return autoChoice;
    default:
      throw new RangeError(`unknown crypto provider: ${String(choice)}`);
  }
}
