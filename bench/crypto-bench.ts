/**
 * Crypto figures per provider (issue 5 "Crypto, per provider"): sealing and
 * opening 1420-byte packets under the transport nonce (whitepaper §5.4.6:
 * 4 zero bytes ‖ 64-bit little-endian counter) exactly as Keypair does it —
 * seal in place into a preallocated datagram, open into a fresh array — and
 * X25519 scalar multiplications (§5.4 DH).
 */
import type { CryptoProvider } from '../src/crypto/provider.js';
import { transportNonce } from '../src/crypto/aead-nonce.js';
import { rate, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';

export const PACKET_SIZE = 1420;

function filled(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (i * 131 + seed) & 0xff;
  return b;
}

/** packets/s for seal(1420 bytes) in place, fresh nonce per packet. */
export function sealRate(p: CryptoProvider, seconds: number): number {
  const key = filled(32, 1);
  const nonce = new Uint8Array(12);
  const datagram = new Uint8Array(PACKET_SIZE + 16);
  const plain = datagram.subarray(0, PACKET_SIZE);
  plain.set(filled(PACKET_SIZE, 2));
  let counter = 0n;
  return rate(() => {
    transportNonce(counter++, nonce);
    // In place: the same memory for plaintext and ciphertext‖tag (provider contract allows it).
    p.chacha20Poly1305Seal(key, nonce, plain, undefined, datagram);
  }, seconds);
}

/** packets/s for open(1420 bytes + tag), each packet a distinct valid ciphertext. */
export function openRate(p: CryptoProvider, seconds: number): number {
  const key = filled(32, 3);
  const ring = 256;
  const boxes: Uint8Array[] = [];
  const nonces: Uint8Array[] = [];
  for (let i = 0; i < ring; i++) {
    const n = transportNonce(BigInt(i));
    nonces.push(n);
    boxes.push(p.chacha20Poly1305Seal(key, n, filled(PACKET_SIZE, i)));
  }
  const nonce = new Uint8Array(12);
  return rate((i) => {
    const k = i % ring;
    transportNonce(BigInt(k), nonce);
    if (p.chacha20Poly1305Open(key, nonce, boxes[k]!) === null) throw new Error(`${p.name}: open failed on a valid box`);
  }, seconds);
}

export function x25519Rate(p: CryptoProvider, seconds: number): number {
  const priv = filled(32, 5);
  let pub = p.x25519PublicKey(filled(32, 7));
  return rate(() => {
    const s = p.x25519(priv, pub);
    if (s === null) throw new Error(`${p.name}: x25519 returned null`);
    pub = s; // chain so no result can be cached or skipped
  }, seconds, 8);
}

export function runCryptoBench(results: Results, providers: readonly CryptoProvider[], s: BenchSettings): void {
  for (const p of providers) {
    results.measure(`crypto.${p.name}.seal1420`, 'packets/s', s.reps, () => sealRate(p, s.rateSeconds));
    results.measure(`crypto.${p.name}.open1420`, 'packets/s', s.reps, () => openRate(p, s.rateSeconds));
    results.measure(`crypto.${p.name}.x25519`, 'ops/s', s.reps, () => x25519Rate(p, s.rateSeconds));
  }
}
