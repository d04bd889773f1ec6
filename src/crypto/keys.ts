/**
 * Key generation (whitepaper §5.4 DH-Generate; `wg genkey` / `wg genpsk`):
 * private keys are 32 random bytes clamped per RFC 7748 §5 (clear bits 0–2,
 * clear bit 255, set bit 254), so they print exactly like `wg genkey` output.
 */
import type { Random } from '../util/ports.js';
import type { CryptoProvider } from './provider.js';

/** Clamps a 32-byte X25519 scalar in place (RFC 7748 §5 decodeScalar25519) and returns it. */
export function clampPrivateKey(k: Uint8Array): Uint8Array {
  if (k.length !== 32) throw new RangeError('private key must be 32 bytes');
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return k;
}

/** A fresh clamped private key from `random`. */
export function generatePrivateKey(random: Random): Uint8Array {
  return clampPrivateKey(random.fill(new Uint8Array(32)));
}

/** A fresh 32-byte preshared key (unclamped random bytes, like `wg genpsk`). */
export function generatePresharedKey(random: Random): Uint8Array {
  return random.fill(new Uint8Array(32));
}

/** The X25519 public key for `privateKey` (`wg pubkey`). */
export function publicKeyOf(p: CryptoProvider, privateKey: Uint8Array): Uint8Array {
  return p.x25519PublicKey(privateKey);
}
