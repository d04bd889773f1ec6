/**
 * The events/webhooks YAML configuration (`--config` / TSWG_CONFIG), parsed
 * with positions so every mistake is reported as `file:line:col: message`.
 *
 * Accepts wg-portal's form unchanged (webhook-research.md §1.2, §1.11):
 * `webhook: {url, authentication | secret, timeout}` where the secret is sent
 * verbatim as `Authorization`; plus a `webhooks:` list with per-endpoint
 * filters, Standard Webhooks signing, headers, TLS and retry settings. The
 * grammar is strict (unknown keys are errors), unlike wg-portal whose
 * non-strict decoding silently ignored the documented `secret:` key (§1.2).
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { fromBase64 } from '../util/bytes.js';
import { parseDuration } from '../util/duration.js';
import { endpointLabel, yamlMessage } from './redact.js';
import type { PortalEntity, PortalEventName } from './portal-event.js';

export interface TlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Skip certificate verification. Explicit, off by default, logged loudly. */
  readonly insecure: boolean;
}

export interface RetryConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  /** 0 = keep retrying (bounded by the queue size). */
  readonly maxAttempts: number;
}

export interface EndpointConfig {
  /** Stable name keying this endpoint's acknowledgements in the journal (default: the URL). */
  readonly name: string;
  readonly url: string;
  /** Sent verbatim as `Authorization` (wg-portal `authentication`, seed `secret`). */
  readonly authorization?: string;
  /** `whsec_<base64>`: adds Standard Webhooks signature headers. */
  readonly signingSecret?: string;
  /** null = every event / entity. */
  readonly events: readonly PortalEventName[] | null;
  readonly entities: readonly PortalEntity[] | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly tls: TlsConfig;
  /** Concurrent requests to this endpoint (each for a different peer). */
  readonly maxInFlight: number;
  readonly retry: RetryConfig;
}

export interface EventsConfig {
  readonly endpoints: readonly EndpointConfig[];
  readonly disconnectGraceMs: number;
  /** 0 = off; else passed to the core as DeviceOptions.silenceTimeoutMs. */
  readonly silenceTimeoutMs: number;
  readonly queue: { readonly maxEvents: number };
  /** base64 public key → display name. */
  readonly peerNames: ReadonlyMap<string, string>;
  /** In-tunnel liveness probe (`probe:`); absent = off (the default). */
  readonly probe?: ProbeConfig;
}

/** `probe: { interval, timeout }`: an ICMP echo per peer every interval (timeout default 5 s). */
export interface ProbeConfig {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000; // wg-portal webhook.timeout default (§1.2)
export const DEFAULT_GRACE_MS = 15_000; // §5.4 rule 4
export const DEFAULT_MAX_EVENTS = 100_000;
export const DEFAULT_MAX_IN_FLIGHT = 8;
export const DEFAULT_RETRY: RetryConfig = { initialMs: 1000, maxMs: 300_000, maxAttempts: 0 };

export const EVENT_NAMES: readonly PortalEventName[] = ['create', 'update', 'delete', 'connect', 'disconnect'];
export const ENTITY_NAMES: readonly PortalEntity[] = ['peer', 'interface'];

/** The configuration used without a file: no endpoints, default timings. */
export function defaultEventsConfig(): EventsConfig {
  return {
    endpoints: [],
    disconnectGraceMs: DEFAULT_GRACE_MS,
    silenceTimeoutMs: 0,
    queue: { maxEvents: DEFAULT_MAX_EVENTS },
    peerNames: new Map(),
  };
}

export type ConfigResult = { readonly ok: true; readonly config: EventsConfig } | { readonly ok: false; readonly errors: string[] };

export interface ParseOptions {
  /** Top-level keys that belong to other parts of the daemon: skipped, not rejected. */
  readonly otherTopLevelKeys?: readonly string[];
}

/** Headers we set ourselves; a `headers:` entry may not replace them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'authorization',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

class Ctx {
  readonly errors: string[] = [];
  constructor(
    private readonly file: string,
    private readonly lc: LineCounter,
  ) {}
  at(node: Node | null | undefined): string {
    const off = node?.range?.[0] ?? 0;
    const { line, col } = this.lc.linePos(off);
    return `${this.file}:${line}:${col}`;
  }
  fail(node: Node | null | undefined, msg: string): undefined {
    this.errors.push(`${this.at(node)}: ${msg}`);
    return undefined;
  }
}

type Fields = Map<string, { key: Node; value: Node | null }>;

/** A mapping's entries, with unknown keys reported at the key. */
function mapping(c: Ctx, node: Node | null, what: string, allowed: readonly string[], skip: readonly string[] = []): Fields | undefined {
  if (!isMap(node)) return c.fail(node, `${what} must be a mapping`);
  const out: Fields = new Map();
  for (const pair of node.items) {
    const key = pair.key as Node | null;
    if (!isScalar(key) || typeof key.value !== 'string') {
      c.fail(key, `${what}: keys must be strings`);
      continue;
    }
    if (skip.includes(key.value)) continue;
    if (!allowed.includes(key.value)) {
      c.fail(key, `${what}: unknown key "${key.value}" (expected one of: ${allowed.join(', ')})`);
      continue;
    }
    out.set(key.value, { key, value: (pair.value as Node | null) ?? null });
  }
  return out;
}

function str(c: Ctx, f: Fields, k: string, what: string): string | undefined {
  const e = f.get(k);
  if (!e) return undefined;
  if (!isScalar(e.value) || typeof e.value.value !== 'string' || e.value.value.length === 0) {
    return c.fail(e.value ?? e.key, `${what}.${k} must be a non-empty string`);
  }
  return e.value.value;
}

function bool(c: Ctx, f: Fields, k: string, what: string): boolean | undefined {
  const e = f.get(k);
  if (!e) return undefined;
  if (!isScalar(e.value) || typeof e.value.value !== 'boolean') return c.fail(e.value ?? e.key, `${what}.${k} must be true or false`);
  return e.value.value;
}

function int(c: Ctx, f: Fields, k: string, what: string, min: number, max: number): number | undefined {
  const e = f.get(k);
  if (!e) return undefined;
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return c.fail(e.value ?? e.key, `${what}.${k} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function duration(c: Ctx, f: Fields, k: string, what: string, minMs: number, maxMs: number): number | undefined {
  const e = f.get(k);
  if (!e) return undefined;
  const v = isScalar(e.value) ? e.value.value : undefined;
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms === null) return c.fail(e.value ?? e.key, `${what}.${k} must be a duration such as "10s", "1m30s" or "500ms"`);
  if (ms < minMs || ms > maxMs) return c.fail(e.value, `${what}.${k} must be between ${minMs} ms and ${maxMs} ms`);
  return ms;
}

function stringList<T extends string>(c: Ctx, f: Fields, k: string, what: string, allowed: readonly T[]): T[] | null | undefined {
  const e = f.get(k);
  if (!e) return null;
  if (!isSeq(e.value) || e.value.items.length === 0) return c.fail(e.value ?? e.key, `${what}.${k} must be a non-empty list`);
  const out: T[] = [];
  for (const item of e.value.items as Node[]) {
    const v = isScalar(item) ? item.value : undefined;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      c.fail(item, `${what}.${k}: expected one of ${allowed.join(', ')}`);
    } else if (!out.includes(v as T)) out.push(v as T);
  }
  return out;
}

const ENDPOINT_KEYS = [
  'name',
  'url',
  'secret',
  'authentication',
  'signing_secret',
  'events',
  'entities',
  'headers',
  'timeout',
  'tls',
  'max_in_flight',
  'retry',
];
const SEED_KEYS = ['url', 'secret', 'authentication', 'timeout'];

function endpoint(c: Ctx, node: Node | null, what: string, seed: boolean): EndpointConfig | undefined {
  const f = mapping(c, node, what, seed ? SEED_KEYS : ENDPOINT_KEYS);
  if (!f) return undefined;
  const url = str(c, f, 'url', what);
  if (url === undefined && !f.has('url')) c.fail(node, `${what}.url is required`);
  if (url !== undefined) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      c.fail(f.get('url')!.value, `${what}.url must be an http:// or https:// URL`);
    }
  }
  const secret = str(c, f, 'secret', what);
  const authentication = str(c, f, 'authentication', what);
  if (secret !== undefined && authentication !== undefined && secret !== authentication) {
    c.fail(f.get('authentication')!.key, `${what}: "secret" and "authentication" are the same setting; give only one`);
  }
  const authorization = authentication ?? secret;
  if (authorization !== undefined && /[\r\n\0]/.test(authorization)) {
    c.fail(f.get(authentication !== undefined ? 'authentication' : 'secret')!.value, `${what}: the Authorization value may not contain line breaks`);
  }
  const signingSecret = str(c, f, 'signing_secret', what);
  if (signingSecret !== undefined) {
    const raw = signingSecret.startsWith('whsec_') ? fromBase64(signingSecret.slice(6)) : null;
    if (!raw || raw.length < 16 || raw.length > 64) {
      c.fail(f.get('signing_secret')!.value, `${what}.signing_secret must be "whsec_" followed by base64 of 16 to 64 bytes`);
    }
  }
  const headers: Record<string, string> = {};
  const h = f.get('headers');
  if (h) {
    if (!isMap(h.value)) c.fail(h.value ?? h.key, `${what}.headers must be a mapping of header names to strings`);
    else {
      for (const pair of h.value.items) {
        const k = pair.key as Node | null;
        const v = pair.value as Node | null;
        const name = isScalar(k) ? k.value : undefined;
        const val = isScalar(v) ? v.value : undefined;
        if (typeof name !== 'string' || !HEADER_NAME.test(name)) c.fail(k, `${what}.headers: invalid header name`);
        else if (RESERVED_HEADERS.has(name.toLowerCase())) c.fail(k, `${what}.headers: "${name}" is set by tswg and cannot be overridden`);
        else if (typeof val !== 'string' || /[\r\n\0]/.test(val)) c.fail(v ?? k, `${what}.headers.${name} must be a single-line string`);
        else headers[name] = val;
      }
    }
  }
  const tlsNode = f.get('tls');
  let tls: TlsConfig = { insecure: false };
  if (tlsNode) {
    const t = mapping(c, tlsNode.value, `${what}.tls`, ['ca_file', 'cert_file', 'key_file', 'insecure']);
    if (t) {
      const caFile = str(c, t, 'ca_file', `${what}.tls`);
      const certFile = str(c, t, 'cert_file', `${what}.tls`);
      const keyFile = str(c, t, 'key_file', `${what}.tls`);
      if ((certFile === undefined) !== (keyFile === undefined)) c.fail(tlsNode.value, `${what}.tls: cert_file and key_file go together`);
      tls = {
        ...(caFile !== undefined ? { caFile } : {}),
        ...(certFile !== undefined ? { certFile } : {}),
        ...(keyFile !== undefined ? { keyFile } : {}),
        insecure: bool(c, t, 'insecure', `${what}.tls`) ?? false,
      };
    }
  }
  let retry = DEFAULT_RETRY;
  const r = f.get('retry');
  if (r) {
    const rf = mapping(c, r.value, `${what}.retry`, ['initial_interval', 'max_interval', 'max_attempts']);
    if (rf) {
      retry = {
        initialMs: duration(c, rf, 'initial_interval', `${what}.retry`, 1, 86_400_000) ?? DEFAULT_RETRY.initialMs,
        maxMs: duration(c, rf, 'max_interval', `${what}.retry`, 1, 86_400_000) ?? DEFAULT_RETRY.maxMs,
        maxAttempts: int(c, rf, 'max_attempts', `${what}.retry`, 0, 1_000_000) ?? DEFAULT_RETRY.maxAttempts,
      };
      if (retry.maxMs < retry.initialMs) c.fail(r.value, `${what}.retry.max_interval must not be below initial_interval`);
    }
  }
  const name = str(c, f, 'name', what) ?? (url !== undefined ? endpointLabel(url) : '');
  return {
    name,
    url: url ?? '',
    ...(authorization !== undefined ? { authorization } : {}),
    ...(signingSecret !== undefined ? { signingSecret } : {}),
    events: stringList(c, f, 'events', what, EVENT_NAMES) ?? null,
    entities: stringList(c, f, 'entities', what, ENTITY_NAMES) ?? null,
    headers,
    timeoutMs: duration(c, f, 'timeout', what, 1, 3_600_000) ?? DEFAULT_TIMEOUT_MS,
    tls,
    maxInFlight: int(c, f, 'max_in_flight', what, 1, 1024) ?? DEFAULT_MAX_IN_FLIGHT,
    retry,
  };
}

/** Parses and validates a whole file's text. `file` is only used in messages. */
export function parseEventsConfig(text: string, file: string, opts: ParseOptions = {}): ConfigResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true });
  const c = new Ctx(file, lc);
  for (const e of doc.errors) {
    const p = e.linePos?.[0];
    c.errors.push(`${file}:${p?.line ?? 1}:${p?.col ?? 1}: ${yamlMessage(e.message)}`);
  }
  if (c.errors.length > 0) return { ok: false, errors: c.errors };
  const base = defaultEventsConfig();
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return { ok: true, config: base };
  const top = mapping(
    c,
    doc.contents as Node,
    'config',
    ['webhook', 'webhooks', 'disconnect_grace', 'silence_timeout', 'queue', 'peers', 'probe'],
    opts.otherTopLevelKeys ?? [],
  );
  if (!top) return { ok: false, errors: c.errors };
  const endpoints: EndpointConfig[] = [];
  const seed = top.get('webhook');
  if (seed) {
    const e = endpoint(c, seed.value, 'webhook', true);
    if (e) endpoints.push(e);
  }
  const list = top.get('webhooks');
  if (list) {
    if (!isSeq(list.value)) c.fail(list.value ?? list.key, 'webhooks must be a list of endpoints');
    else
      (list.value.items as Node[]).forEach((item, i) => {
        const e = endpoint(c, item, `webhooks[${i}]`, false);
        if (!e) return;
        if (endpoints.some((x) => x.name === e.name)) c.fail(item, `webhooks[${i}]: endpoint name "${e.name}" is used twice (set "name")`);
        else endpoints.push(e);
      });
  }
  let maxEvents = base.queue.maxEvents;
  const q = top.get('queue');
  if (q) {
    const qf = mapping(c, q.value, 'queue', ['max_events']);
    if (qf) maxEvents = int(c, qf, 'max_events', 'queue', 1, 10_000_000) ?? maxEvents;
  }
  const peerNames = new Map<string, string>();
  const p = top.get('peers');
  if (p) {
    if (!isMap(p.value)) c.fail(p.value ?? p.key, 'peers must map base64 public keys to names');
    else
      for (const pair of p.value.items) {
        const k = pair.key as Node | null;
        const v = pair.value as Node | null;
        const key = isScalar(k) ? k.value : undefined;
        const raw = typeof key === 'string' ? fromBase64(key) : null;
        let name: unknown = isScalar(v) ? v.value : undefined;
        if (isMap(v)) {
          const nf = mapping(c, v, `peers.${String(key)}`, ['name']);
          name = nf ? str(c, nf, 'name', `peers.${String(key)}`) : undefined;
        }
        if (!raw || raw.length !== 32) c.fail(k, 'peers: keys must be base64 WireGuard public keys (32 bytes)');
        else if (typeof name !== 'string' || name.length === 0) c.fail(v ?? k, `peers: the name for ${key as string} must be a non-empty string`);
        else peerNames.set(key as string, name);
      }
  }
  let probe: ProbeConfig | undefined;
  const pr = top.get('probe');
  const pf = pr ? mapping(c, pr.value, 'probe', ['interval', 'timeout']) : undefined;
  if (pr && pf) {
    const intervalMs = duration(c, pf, 'interval', 'probe', 100, 86_400_000);
    if (!pf.has('interval')) c.fail(pr.value, 'probe.interval is required (e.g. "30s")');
    const timeoutMs = duration(c, pf, 'timeout', 'probe', 10, 3_600_000) ?? 5000;
    // A reply later than the next round would be counted against the wrong round.
    if (intervalMs !== undefined && timeoutMs > intervalMs) c.fail(pf.get('timeout')?.value ?? pr.value, 'probe.timeout must not exceed probe.interval');
    else if (intervalMs !== undefined) probe = { intervalMs, timeoutMs };
  }
  const config: EventsConfig = {
    endpoints,
    disconnectGraceMs: duration(c, top, 'disconnect_grace', 'config', 0, 86_400_000) ?? base.disconnectGraceMs,
    silenceTimeoutMs: duration(c, top, 'silence_timeout', 'config', 0, 86_400_000) ?? 0,
    queue: { maxEvents },
    peerNames,
    ...(probe ? { probe } : {}),
  };
  return c.errors.length > 0 ? { ok: false, errors: c.errors } : { ok: true, config };
}

/** Whether an endpoint wants this event (its `events`/`entities` filters). */
export function endpointWants(e: EndpointConfig, event: PortalEventName, entity: PortalEntity): boolean {
  return (e.events === null || e.events.includes(event)) && (e.entities === null || e.entities.includes(entity));
}
