// Fuzz target for the YAML events/webhook configuration parser
// (parseEventsConfig). Inputs are random configuration trees with the real
// keys (and unknown ones), serialised with the yaml package and then
// optionally damaged as text (cut, deleted span, inserted YAML punctuation).
// Tokens, signing secrets and header values carry planted key material, and
// so do misplaced values (url, name, durations, lists). Invariants: never
// throws (it reports a ConfigResult), a failure has at least one message,
// and no message holds any 16-character run of a planted key.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseEventsConfig } from '../../src/events/config.js';
import { toBase64 } from '../../src/util/bytes.js';
import { plainValue, plantedKeys, renderSecret, scannerFor, secretRef } from './secret-inputs.js';
import { runProperty, type FuzzTarget } from './target.js';

function tree(keys: readonly Uint8Array[]): fc.Arbitrary<{ obj: unknown; damage: { at: number; len: number; insert: string } | null }> {
  const secret = secretRef.map((r) => renderSecret(keys, r));
  const token = fc.oneof(
    secret,
    secret.map((s) => `Bearer ${s}`),
    fc.nat().map((n) => `whsec_${toBase64(keys[n % keys.length]!)}`),
    fc.nat().map((n) => `whsec_${renderSecret(keys, { k: n, form: 5, n })}`),
  );
  const value = fc.oneof({ weight: 3, arbitrary: plainValue }, { weight: 1, arbitrary: token }, { weight: 1, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.boolean() });
  const duration = fc.oneof(fc.constantFrom('10s', '1m30s', '500ms', '0s', '25h', '-1s', '1x', 's'), value);
  const url = fc.oneof(
    fc.constantFrom('http://127.0.0.1:9/hook', 'https://example.com/x', 'ftp://example.com/', 'not a url', ''),
    fc.tuple(token, fc.boolean()).map(([t, q]) => (q ? `https://hooks.example/x?token=${encodeURIComponent(t)}` : `https://user:${encodeURIComponent(t)}@hooks.example/x`)),
    value,
  );
  const list = fc.array(fc.oneof(fc.constantFrom('create', 'update', 'delete', 'connect', 'disconnect', 'peer', 'interface'), value), { maxLength: 4 });
  const endpoint = fc.record(
    {
      name: value,
      url,
      secret: token,
      authentication: token,
      signing_secret: token,
      events: fc.oneof(list, value),
      entities: fc.oneof(list, value),
      headers: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('X-Api-Key', 'Authorization', 'bad name', 'X-Trace'), fc.string({ maxLength: 8 })), fc.oneof(token, value), { maxKeys: 3 }), value),
      timeout: duration,
      tls: fc.oneof(fc.record({ ca_file: value, cert_file: value, key_file: value, insecure: value }, { requiredKeys: [] }), value),
      max_in_flight: value,
      retry: fc.record({ initial_interval: duration, max_interval: duration, max_attempts: value }, { requiredKeys: [] }),
      bogus: value,
    },
    { requiredKeys: [] },
  );
  const top = fc.record(
    {
      webhook: endpoint,
      webhooks: fc.oneof(fc.array(endpoint, { maxLength: 3 }), value),
      disconnect_grace: duration,
      silence_timeout: duration,
      queue: fc.oneof(fc.record({ max_events: value }, { requiredKeys: [] }), value),
      peers: fc.oneof(
        fc.dictionary(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64), fc.string({ maxLength: 6 })), fc.oneof(value, fc.record({ name: value }))),
        value,
      ),
      interface: value,
      extra: value,
    },
    { requiredKeys: [] },
  );
  const damage = fc.option(fc.record({ at: fc.nat(), len: fc.nat(6), insert: fc.constantFrom('', ':', '- ', '{', '[', '"', "'", '#', '&a ', '*a', '!!binary ', '\t', '\n  ', '? ', '%') }), {
    nil: null,
  });
  return fc.record({ obj: fc.oneof({ weight: 6, arbitrary: top }, { weight: 1, arbitrary: value }), damage });
}

const input = plantedKeys.chain((keys) => tree(keys).map((t) => ({ keys, ...t })));

export function checkEventsConfig(i: { keys: Uint8Array[]; obj: unknown; damage: { at: number; len: number; insert: string } | null }): void {
  let text = stringify(i.obj);
  if (i.damage) {
    const at = i.damage.at % (text.length + 1);
    text = text.slice(0, at) + i.damage.insert + text.slice(at + i.damage.len);
  }
  let r: ReturnType<typeof parseEventsConfig>;
  try {
    r = parseEventsConfig(text, 'events.yaml', { otherTopLevelKeys: ['interface'] });
  } catch (e) {
    throw new Error(`parseEventsConfig threw ${String(e)}`);
  }
  if (r.ok) return;
  if (r.errors.length === 0) throw new Error('failed without an error message');
  const scanner = scannerFor(i.keys);
  for (const m of r.errors) scanner.assertClean(m, 'events config error');
}

export const EVENTS_TARGET: FuzzTarget = {
  name: 'events-config',
  kind: 'parser',
  description: 'parseEventsConfig on generated and damaged YAML with planted secrets',
  run: (opts) => runProperty(fc.property(input, checkEventsConfig), opts),
};
