/**
 * Standard Webhooks v1 symmetric signing (spec v1.0.0, webhook-research.md
 * §3.1): headers `webhook-id`, `webhook-timestamp` (Unix seconds of this
 * attempt) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${id}.${timestamp}.${body}`, keyed with the base64-decoded part of a
 * `whsec_` secret. The id is the event id, identical on every retry.
 */
import { hmacSha256 } from '../crypto/hmac-sha256.js';
import { fromBase64, toBase64 } from '../util/bytes.js';

/** Decodes `whsec_<base64>`; null if malformed (the config parser rejects those first). */
export function decodeSigningSecret(secret: string): Uint8Array | null {
  if (!secret.startsWith('whsec_')) return null;
  return fromBase64(secret.slice('whsec_'.length));
}

/** The three Standard Webhooks headers for one attempt. */
export function standardWebhookHeaders(
  key: Uint8Array | null,
  id: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  const ts = String(Math.floor(timestampSec));
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': ts };
  if (key) headers['webhook-signature'] = `v1,${toBase64(hmacSha256(key, `${id}.${ts}.${body}`))}`;
  return headers;
}
