/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256), used only to sign webhook
 * deliveries (Standard Webhooks v1 symmetric scheme). WireGuard itself uses
 * HMAC-BLAKE2s (see kdf.ts); this lives in crypto/ because crypto/ is the only
 * layer that imports node:crypto (design.md "Layers").
 */
import { createHmac } from 'node:crypto';

export function hmacSha256(key: Uint8Array, data: Uint8Array | string): Uint8Array {
  const h = createHmac('sha256', key);
  h.update(data);
  return new Uint8Array(h.digest());
}
