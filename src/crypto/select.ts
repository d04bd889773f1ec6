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
/** RFC 7748 §6.1: Alice's private key, her public key, Bob's public key, their shared secret. */
const RFC7748 = {
  alice: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
  alicePublic: '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
  bobPublic: 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
  shared: '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742',
};

/**
 * Expected outputs on the fixed inputs of selfCheck(), as the reference
 * (noble) computes them; test/crypto checks these against both providers.
 * Known answers instead of computing noble at startup: the cross-check used
 * to run noble's X25519 and BLAKE2s in every daemon (≈ 110 ms and ≈ 5 MB of
 * heap that stayed as RSS) even when node:crypto then won.
 */
export const SELF_CHECK_ANSWERS = {
  keyedBlake2s16: '13c5d6f17590e0e28674268444dbe587',
  hmacBlake2s: 'e77aedcd6a434765929bf6cce36cdd00666ca9b4aeb7a5b863301e560ea218ca',
  publicKey: '79a631eede1bf9c98f12032cdeadd0e7a079398fc786b88cc846ec89af85a51a',
  dh: 'ae4440cc8d7faddb2894172b78e3d745cafa0098bcc10d7ee0fda08fa85a9a2e',
  seal:
    'd15a9aac1f2de2a00e0372ff65e1751b7aad6b37e79732f4bfedc4672f8b822d96e0e18f01093d7b2b144161a75c3a19ae884890fc7c960d79c72d9fb0cfb4a14264cf630c39cf9b4c3085133d34e9037c300b',
  xseal:
    '4077bc1a8a50ef824bb51ba00d5f570df26cb0934f1213c83812905753495d9623ddb23161079f69012ac24c58194f39788df90d4ef33f2c448988c755680c060bb495299dd9e9373c004295d2821548b5944c',
} as const;

function same(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && a.length === b.length && constantTimeEqual(a, b);
}

function is(a: Uint8Array | null, hex: string): boolean {
  return same(a, fromHex(hex));
}

/** The fixed inputs the known answers were computed from. */
export function selfCheckInputs(): { key: Uint8Array; priv: Uint8Array; nonce: Uint8Array; msg: Uint8Array; aad: Uint8Array; xnonce: Uint8Array } {
  return {
    key: new Uint8Array(32).map((_, i) => i + 1),
    priv: new Uint8Array(32).map((_, i) => 0x40 + i),
    nonce: new Uint8Array(12).map((_, i) => i * 7),
    msg: new Uint8Array(67).map((_, i) => (i * 13) & 0xff),
    aad: new Uint8Array(9).map((_, i) => 200 - i),
    xnonce: new Uint8Array(24).map((_, i) => 3 * i),
  };
}

/**
 * Known-answer checks of `p` on fixed inputs: every primitive, including
 * AEAD open with a good and a tampered tag, the RFC 7748 vectors and X25519
 * of a low-order point. Returns false (never throws) if anything differs.
 */
export function selfCheck(p: CryptoProvider): boolean {
  try {
    const { key, priv, nonce, msg, aad, xnonce } = selfCheckInputs();
    const A = SELF_CHECK_ANSWERS;
    const abc = new TextEncoder().encode('abc');
    if (!is(p.blake2s(abc, 32), ABC_DIGEST)) return false;
    if (!is(p.blake2s(msg, 16, key), A.keyedBlake2s16)) return false;
    if (!is(p.hmacBlake2s(key, msg), A.hmacBlake2s)) return false;
    const pub = p.x25519PublicKey(priv);
    if (!is(pub, A.publicKey)) return false;
    if (!is(p.x25519(key, pub), A.dh)) return false;
    const alice = fromHex(RFC7748.alice)!;
    if (!is(p.x25519PublicKey(alice), RFC7748.alicePublic)) return false;
    if (!is(p.x25519(alice, fromHex(RFC7748.bobPublic)!), RFC7748.shared)) return false;
    if (p.x25519(key, new Uint8Array(32)) !== null) return false; // low-order point → null
    const sealed = p.chacha20Poly1305Seal(key, nonce, msg, aad);
    if (!is(sealed, A.seal)) return false;
    if (!same(p.chacha20Poly1305Open(key, nonce, sealed, aad), msg)) return false;
    const bad = Uint8Array.from(sealed);
    bad[bad.length - 1]! ^= 1;
    if (p.chacha20Poly1305Open(key, nonce, bad, aad) !== null) return false;
    const xs = p.xchacha20Poly1305Seal(key, xnonce, msg, aad);
    if (!is(xs, A.xseal)) return false;
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
 * is the answer of last resort even if its own check failed). Rates are
 * taken first and the checks run fastest-first, stopping at the first pass:
 * when node:crypto wins, noble's X25519 and BLAKE2s never run in the daemon.
 */
function pickAuto(): CryptoProvider {
  const rated = [nodeProvider, nobleProvider].map((p) => {
    try {
      return { p, rate: aeadRate(p) };
    } catch {
      return { p, rate: 0 };
    }
  });
  rated.sort((a, b) => b.rate - a.rate);
  for (const { p } of rated) if (selfCheck(p)) return p;
  return nobleProvider;
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
