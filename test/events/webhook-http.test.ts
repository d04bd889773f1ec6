// End-to-end delivery over real HTTP (node:http receiver on 127.0.0.1):
// payloads, verbatim Authorization, Standard Webhooks signatures checked by an
// independent verifier, retries in order, Retry-After, 410 pause + reload,
// non-retryable 4xx, and filters. The pipeline is driven with synthetic DeviceEvents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEventsConfig, type EventsConfig } from '../../src/events/config.js';
import { endpointLabel } from '../../src/events/redact.js';
import { createEventPipeline, type EventPipeline } from '../../src/runtime/webhooks.js';
import { IFACE, confirmed, created, expired, peerId, removed, updated } from './fixtures.js';
import { Receiver, distinct, memoryLogger, waitFor, type Received } from './receiver.js';

const SIGNING = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

function config(yaml: string): EventsConfig {
  const r = parseEventsConfig(yaml, 'test.yaml');
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

async function pipelineFor(t: { after(fn: () => Promise<void>): void }, yaml: string) {
  const dir = await mkdtemp(join(tmpdir(), 'tswg-wh-'));
  const logger = memoryLogger();
  const p = await createEventPipeline({ ifname: 'wg0', stateDir: dir, config: config(yaml), logger });
  t.after(async () => {
    await p.close({ shutdown: false, flushTimeoutMs: 0 });
    await rm(dir, { recursive: true, force: true });
  });
  return { p, logger, dir };
}

/**
 * Independent Standard Webhooks v1 verification, written from the spec (not
 * using the pipeline's signer): secret = base64 after "whsec_"; signed content
 * `${id}.${timestamp}.${raw body}`; header = space-separated "v1,<base64>".
 */
function verifyStandardWebhook(secret: string, r: Received, nowSec: number): boolean {
  const id = r.headers['webhook-id'];
  const ts = r.headers['webhook-timestamp'];
  const sigHeader = r.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sigHeader !== 'string') return false;
  if (!/^\d+$/.test(ts) || Math.abs(nowSec - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${ts}.${r.body}`).digest();
  return sigHeader.split(' ').some((entry) => {
    const [version, sig] = entry.split(',');
    if (version !== 'v1' || !sig) return false;
    const got = Buffer.from(sig, 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

function feedLifecycle(p: EventPipeline): void {
  const now = Date.now();
  p.interfaceCreated(IFACE);
  p.handle(created(1, now));
  p.handle(updated(1, now, ['allowedIps']));
  p.handle(confirmed(1, now, true, { rxBytes: 100, txBytes: 200 }));
  p.handle(expired(1, now + 1, { rxBytes: 300, txBytes: 400 }));
  p.handle(removed(1, now + 2, false));
}

test('create/update/connect/disconnect/delete arrive with wg-portal payloads, verbatim Authorization and valid signatures', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  const { p } = await pipelineFor(
    t,
    `disconnect_grace: 0s
webhooks:
  - url: ${rx.url()}
    secret: "Basic dXNlcm5hbWU6cGFzc3dvcmQ="
    signing_secret: ${SIGNING}
    headers: { X-Tenant: blue }
`,
  );
  const seen: string[] = [];
  p.events.on('event', (ev) => seen.push(`${ev.event}:${ev.entity}`));
  feedLifecycle(p);
  await waitFor(() => rx.requests.length >= 6, 10_000, '6 webhooks');
  assert.deepEqual(seen, ['create:interface', 'create:peer', 'update:peer', 'connect:peer', 'disconnect:peer', 'delete:peer']);
  const peerReqs = rx.requests.filter((r) => r.json.entity === 'peer');
  assert.deepEqual(peerReqs.map((r) => r.json.event), ['create', 'update', 'connect', 'disconnect', 'delete'], 'per-peer order');
  const nowSec = Date.now() / 1000;
  for (const r of rx.requests) {
    assert.equal(r.headers['authorization'], 'Basic dXNlcm5hbWU6cGFzc3dvcmQ=');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-tenant'], 'blue');
    assert.equal(r.headers['webhook-id'], r.json.tswg.eventId);
    assert.ok(verifyStandardWebhook(SIGNING, r, nowSec), 'signature verifies');
    assert.ok(!verifyStandardWebhook('whsec_' + Buffer.alloc(24, 1).toString('base64'), r, nowSec), 'wrong secret fails');
    assert.deepEqual(Object.keys(r.json), ['event', 'entity', 'identifier', 'payload', 'tswg']);
  }
  const tampered = { ...peerReqs[0]!, body: peerReqs[0]!.body.replace('"create"', '"delete"') };
  assert.ok(!verifyStandardWebhook(SIGNING, tampered, nowSec), 'a modified body fails verification');
  const [, , connect, disconnect, del] = peerReqs;
  assert.deepEqual(Object.keys(connect!.json.payload), [
    'PeerId',
    'IsConnected',
    'IsPingable',
    'LastPing',
    'BytesReceived',
    'BytesTransmitted',
    'LastHandshake',
    'Endpoint',
    'LastSessionStart',
  ]);
  assert.equal(connect!.json.identifier, peerId(1));
  assert.equal(connect!.json.payload.IsConnected, true);
  assert.equal(connect!.json.payload.BytesReceived, 100);
  assert.equal(connect!.json.payload.Endpoint, '198.18.0.2:51821');
  assert.equal(disconnect!.json.payload.IsConnected, false);
  assert.equal(disconnect!.json.payload.BytesTransmitted, 400);
  assert.equal(disconnect!.json.tswg.reason, 'expired');
  assert.deepEqual(disconnect!.json.tswg.allowedIps, ['10.0.0.1/32']);
  assert.equal(del!.json.payload.PublicKey, peerId(1));
  assert.deepEqual(peerReqs.map((r) => r.json.tswg.sequence), [1, 2, 3, 4, 5]);
  const iface = rx.requests.find((r) => r.json.entity === 'interface')!;
  assert.equal(iface.json.identifier, 'wg0');
  assert.equal(iface.json.payload.ListenPort, 51820);
  await waitFor(() => p.stats().queued === 0, 5000, 'acknowledgements');
  assert.equal(p.stats().endpoints[endpointLabel(rx.url())]!.delivered, 6);
});

test('receiver answers 500 for a while: every event is retried with the same id and delivered in per-peer order', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  rx.respond = (_r, i) => ({ status: i < 12 ? 500 : 200 });
  const { p } = await pipelineFor(
    t,
    `disconnect_grace: 0s
webhooks:
  - name: flaky
    url: ${rx.url()}
    retry: { initial_interval: 20ms, max_interval: 100ms }
`,
  );
  const now = Date.now();
  for (let n = 1; n <= 3; n++) {
    p.handle(created(n, now));
    p.handle(confirmed(n, now, true));
    p.handle(expired(n, now));
    p.handle(confirmed(n, now, true));
  }
  await waitFor(() => p.stats().endpoints['flaky']!.delivered === 12, 15_000, '12 deliveries');
  const st = p.stats().endpoints['flaky']!;
  assert.ok(st.retried >= 12, `retried counter (${st.retried})`);
  assert.equal(st.failed, 0);
  const failedIds = new Set(rx.requests.slice(0, 12).map((r) => String(r.headers['webhook-id'])));
  const okIds = new Set(rx.requests.slice(12).map((r) => String(r.headers['webhook-id'])));
  for (const id of failedIds) assert.ok(okIds.has(id), `event ${id} was redelivered with the same id`);
  assert.equal(okIds.size, 12);
  for (let n = 1; n <= 3; n++) {
    const seqs = rx.requests.filter((r) => r.json.identifier === peerId(n)).map((r) => Number(r.json.tswg.sequence));
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs, `peer ${n}: attempts never overtake each other`);
    assert.deepEqual(distinct(rx.requests.slice(12).filter((r) => r.json.identifier === peerId(n))).map((r) => r.json.tswg.sequence), [1, 2, 3, 4]);
    assert.deepEqual(
      rx.requests.filter((r) => r.json.identifier === peerId(n)).map((r) => r.json.event).filter((e, i, a) => a.indexOf(e) === i),
      ['create', 'connect', 'disconnect'],
    );
  }
});

test('Retry-After is honoured (seconds) instead of the short backoff', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  rx.respond = (_r, i) => (i === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 });
  const { p } = await pipelineFor(
    t,
    `webhooks:
  - name: throttled
    url: ${rx.url()}
    retry: { initial_interval: 1ms, max_interval: 5ms }
`,
  );
  p.handle(created(1, Date.now()));
  await waitFor(() => rx.requests.length >= 2, 10_000, 'the retry');
  const gap = rx.requests[1]!.at - rx.requests[0]!.at;
  assert.ok(gap >= 950, `second attempt waited for Retry-After (gap ${gap} ms)`);
  assert.equal(rx.requests[1]!.headers['webhook-id'], rx.requests[0]!.headers['webhook-id']);
});

test('410 Gone pauses the endpoint (events stay queued); a reload resumes it', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  let gone = true;
  rx.respond = () => ({ status: gone ? 410 : 204 });
  const yaml = `webhooks:\n  - name: gone\n    url: ${rx.url()}\n    retry: { initial_interval: 5ms, max_interval: 10ms }\n`;
  const { p, logger } = await pipelineFor(t, yaml);
  const now = Date.now();
  p.handle(created(1, now));
  p.handle(created(2, now));
  await waitFor(() => p.stats().endpoints['gone']!.paused && p.stats().endpoints['gone']!.inFlight === 0, 5000, 'pause');
  const sentBeforePause = rx.requests.length; // both lanes may have been in flight when the first 410 came
  assert.ok(sentBeforePause <= 2);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rx.requests.length, sentBeforePause, 'nothing more is sent while paused');
  assert.equal(p.stats().queued, 2);
  assert.ok(logger.lines.some((l) => /410 Gone.*paused/.test(l)));
  gone = false;
  p.reload(config(yaml));
  await waitFor(() => p.stats().queued === 0, 5000, 'delivery after reload');
  assert.equal(p.stats().endpoints['gone']!.delivered, 2);
  assert.equal(p.stats().endpoints['gone']!.paused, false);
});

test('a non-retryable 4xx gives the event up (counted, logged) and the lane moves on', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  rx.respond = (_r, i) => ({ status: i === 0 ? 422 : 200 });
  const { p, logger } = await pipelineFor(t, `webhooks:\n  - name: strict\n    url: ${rx.url()}\n`);
  const now = Date.now();
  p.handle(created(1, now));
  p.handle(updated(1, now));
  await waitFor(() => p.stats().queued === 0, 5000, 'both settled');
  const st = p.stats().endpoints['strict']!;
  assert.equal(st.failed, 1);
  assert.equal(st.delivered, 1);
  assert.equal(rx.requests.length, 2);
  assert.deepEqual(rx.requests.map((r) => r.json.event), ['create', 'update']);
  assert.ok(logger.lines.some((l) => /giving up.*HTTP 422/.test(l)));
});

test('event and entity filters select what each endpoint receives', async (t) => {
  const rx = await Receiver.http();
  t.after(() => rx.close());
  const { p } = await pipelineFor(
    t,
    `disconnect_grace: 0s
webhooks:
  - { name: conn, url: "${rx.url('/conn')}", events: [connect, disconnect] }
  - { name: ifaces, url: "${rx.url('/iface')}", entities: [interface] }
  - { name: all, url: "${rx.url('/all')}" }
`,
  );
  feedLifecycle(p);
  await waitFor(() => p.stats().queued === 0 && rx.requests.length === 6 + 2 + 1, 10_000, 'all deliveries');
  const by = (path: string) => rx.requests.filter((r) => r.path === path).map((r) => `${r.json.event}:${r.json.entity}`).sort();
  assert.deepEqual(by('/conn'), ['connect:peer', 'disconnect:peer']);
  assert.deepEqual(by('/iface'), ['create:interface']);
  assert.equal(by('/all').length, 6);
});

test('async iterator and typed listeners see the same events; a throwing listener is isolated', async (t) => {
  const { p, logger } = await pipelineFor(t, 'disconnect_grace: 0s\n');
  const connects: string[] = [];
  p.events.on('connect', (ev) => connects.push(ev.identifier));
  p.events.on('connect', () => {
    throw new Error('listener bug');
  });
  const stream = p.events.stream({ types: ['connect', 'disconnect'] });
  feedLifecycle(p);
  const got: string[] = [];
  for await (const ev of stream) {
    got.push(ev.event);
    if (got.length === 2) break;
  }
  assert.deepEqual(got, ['connect', 'disconnect']);
  assert.deepEqual(connects, [peerId(1)]);
  assert.ok(logger.lines.some((l) => l.includes('listener bug')));
  assert.equal(p.stats().queued, 0, 'no endpoints: nothing queued');
});
