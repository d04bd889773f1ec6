/**
 * Texts about the configuration that reach errors and log lines, made safe:
 * they never carry a secret from the file (a signing secret next to a YAML
 * syntax error, a token in a webhook URL's path). Found by the fuzzers
 * (docs/reliability.md, "What the fuzzers found").
 */
import { nobleProvider } from '../crypto/noble.js';
import { toHex } from '../util/bytes.js';

/**
 * The yaml library's first message line without the text it quotes: the
 * offending token may be a secret (`secret: "whsec_…` with a missing quote).
 */
export function yamlMessage(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/"(?:[^"\\]|\\.)*"?/g, '"…"')
    .replace(/'[^']*'?/g, "'…'")
    .replace(/[A-Za-z0-9+/=_-]{16,}/g, '…');
}

/**
 * The name of an endpoint without `name`: scheme, host and port, plus a short
 * digest of the whole URL so two endpoints on one host stay distinct. Paths
 * and queries often carry tokens (…/webhooks/<id>/<token>), and the name
 * appears in errors and log lines, so it never contains them.
 */
export function endpointLabel(url: string): string {
  let origin: string;
  let rest = '';
  try {
    const u = new URL(url);
    origin = `${u.protocol}//${u.host}`;
    rest = `${u.pathname}${u.search}` === '/' ? '' : '/…';
  } catch {
    return 'endpoint';
  }
  if (rest === '') return origin;
  const digest = toHex(nobleProvider.blake2s(new TextEncoder().encode(url), 3));
  return `${origin}${rest}#${digest}`;
}
