/**
 * The most responder handshakes per CPU-second X25519 allows right now: a
 * responder needs four scalar multiplications (whitepaper §5.4.3: es, ee,
 * se, and its ephemeral's public key, which OpenSSL derives when the key is
 * imported; static-static is precomputed per peer), so the X25519 rate ÷ 4.
 * Measured beside each handshake or flood sample, since this host's speed
 * moves by ~30 % between minutes: a sample's rate over this bound says how
 * much the rest of the handshake takes, whatever the host's speed was.
 */
import type { CryptoProvider } from '../src/crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { systemRandom } from '../src/io/system-ports.js';
import { rateBoth } from './cpu-rate.js';

/** Unit of the `…responderOfBound` figures. */
export const BOUND_UNIT = '× (X25519/CPU-s ÷ 4)';

/**
 * X25519 operations per CPU-second with keys already imported (the scalar
 * multiplication alone, as the responder's DHs run it), divided by four.
 */
export function handshakeBound(p: CryptoProvider, seconds: number): number {
  const priv = generatePrivateKey(systemRandom);
  const pub = publicKeyOf(p, generatePrivateKey(systemRandom));
  const perCpuSecond = rateBoth(() => {
    if (p.x25519(priv, pub) === null) throw new Error(`${p.name}: x25519 returned null`);
  }, seconds, 16).cpu;
  return perCpuSecond / 4;
}
