// YAML configuration: the seed form unchanged, the full endpoint list, and
// errors that name file:line:col.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventsConfig, type EventsConfig } from '../../src/events/config.js';
import { parseDuration } from '../../src/util/duration.js';
import { peerId } from './fixtures.js';

function ok(text: string): EventsConfig {
  const r = parseEventsConfig(text, 'tswg.yaml');
  if (!r.ok) assert.fail(r.errors.join('\n'));
  return r.config;
}
function errors(text: string): string[] {
  const r = parseEventsConfig(text, 'tswg.yaml');
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

test('the seed form is accepted unchanged: secret is the verbatim Authorization, timeout defaults to 10 s', () => {
  const c = ok('webhook:\n  url: https://your-service.example.com/webhook\n  secret: "Basic dXNlcm5hbWU6cGFzc3dvcmQ="\n');
  assert.equal(c.endpoints.length, 1);
  const e = c.endpoints[0]!;
  assert.equal(e.url, 'https://your-service.example.com/webhook');
  assert.equal(e.authorization, 'Basic dXNlcm5hbWU6cGFzc3dvcmQ=');
  assert.equal(e.timeoutMs, 10_000);
  assert.equal(e.events, null);
  assert.equal(c.disconnectGraceMs, 15_000);
  assert.equal(c.queue.maxEvents, 100_000);
});

test("wg-portal's own key `authentication` and Go durations", () => {
  const c = ok('webhook:\n  url: http://127.0.0.1:9/x\n  authentication: Bearer abc\n  timeout: 1m30s\ndisconnect_grace: 60s\nsilence_timeout: 45s\n');
  assert.equal(c.endpoints[0]!.authorization, 'Bearer abc');
  assert.equal(c.endpoints[0]!.timeoutMs, 90_000);
  assert.equal(c.disconnectGraceMs, 60_000);
  assert.equal(c.silenceTimeoutMs, 45_000);
});

test('the webhooks list with every option', () => {
  const c = ok(`
webhooks:
  - name: audit
    url: https://hooks.example.com/a
    secret: "Bearer t"
    signing_secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    events: [connect, disconnect]
    entities: [peer]
    headers: { X-Env: prod }
    timeout: 5s
    tls: { ca_file: /etc/ca.pem, cert_file: /etc/c.pem, key_file: /etc/k.pem, insecure: false }
    max_in_flight: 4
    retry: { initial_interval: 500ms, max_interval: 1m, max_attempts: 10 }
  - url: http://127.0.0.1:8080/b
queue: { max_events: 5000 }
peers:
  ${peerId(1)}: alice
  ${peerId(2)}: { name: bob }
`);
  assert.equal(c.endpoints.length, 2);
  const a = c.endpoints[0]!;
  assert.equal(a.name, 'audit');
  assert.deepEqual(a.events, ['connect', 'disconnect']);
  assert.deepEqual(a.entities, ['peer']);
  assert.deepEqual(a.headers, { 'X-Env': 'prod' });
  assert.equal(a.signingSecret, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  assert.deepEqual(a.tls, { caFile: '/etc/ca.pem', certFile: '/etc/c.pem', keyFile: '/etc/k.pem', insecure: false });
  assert.deepEqual(a.retry, { initialMs: 500, maxMs: 60_000, maxAttempts: 10 });
  assert.equal(a.maxInFlight, 4);
  // The default name is the origin plus a digest: a URL path may carry a token.
  assert.match(c.endpoints[1]!.name, /^http:\/\/127\.0\.0\.1:8080\/…#[0-9a-f]{6}$/, 'default name hides the path');
  assert.ok(!c.endpoints[1]!.name.includes('/b'));
  assert.equal(c.queue.maxEvents, 5000);
  assert.equal(c.peerNames.get(peerId(1)), 'alice');
  assert.equal(c.peerNames.get(peerId(2)), 'bob');
});

test('unknown keys and bad values are rejected with file:line:col', () => {
  assert.deepEqual(errors('webhook:\n  url: http://x/\n  retries: 3\n'), [
    'tswg.yaml:3:3: webhook: unknown key "retries" (expected one of: url, secret, authentication, timeout)',
  ]);
  const e = errors('webhooks:\n  - url: ftp://x/\n    timeout: 10\n    events: [connect, bogus]\n    tls: { insecure: yes }\n');
  assert.equal(e.length, 4);
  assert.match(e[0]!, /^tswg\.yaml:2:10: webhooks\[0\]\.url must be an http/);
  assert.match(e[1]!, /^tswg\.yaml:5:22: webhooks\[0\]\.tls\.insecure must be true or false/);
  assert.match(e[2]!, /^tswg\.yaml:4:23: webhooks\[0\]\.events: expected one of/);
  assert.match(e[3]!, /^tswg\.yaml:3:14: webhooks\[0\]\.timeout must be a duration/);
  assert.match(errors('disconnect_grace: -5s\n')[0]!, /^tswg\.yaml:1:19: /);
  assert.match(errors('webhook:\n  url: http://x/\n  signing_secret: abc\n')[0]!, /^tswg\.yaml:3:19: webhook: unknown key|^tswg\.yaml:3:3/);
  assert.match(errors('webhooks:\n  - url: http://x/\n    signing_secret: whsec_abc\n')[0]!, /^tswg\.yaml:3:21: .*signing_secret/);
  assert.match(errors('webhooks:\n  - url: http://x/\n  - url: http://x/\n')[0]!, /^tswg\.yaml:3:5: .*used twice/);
  assert.match(errors('webhooks:\n  - url: http://x/\n    headers: { Authorization: x }\n')[0]!, /^tswg\.yaml:3:16: .*cannot be overridden/);
  assert.match(errors('peers:\n  notakey: x\n')[0]!, /^tswg\.yaml:2:3: peers/);
  assert.match(errors('queue: { max_events: 0 }\n')[0]!, /^tswg\.yaml:1:22: queue\.max_events/);
  assert.match(errors('webhook:\n  secret: x\n')[0]!, /^tswg\.yaml:2:3: webhook\.url is required/);
});

test('YAML syntax errors and duplicate keys carry positions', () => {
  assert.match(errors('webhook:\n  url: http://x/\n  url: http://y/\n')[0]!, /^tswg\.yaml:3:3: /);
  assert.match(errors('webhook: [\n')[0]!, /^tswg\.yaml:\d+:\d+: /);
});

test('empty file = defaults; other parts of the daemon may own extra top-level keys', () => {
  assert.deepEqual(ok('').endpoints, []);
  const r = parseEventsConfig('interface: { mtu: 1400 }\nwebhook: { url: "http://x/" }\n', 'f', { otherTopLevelKeys: ['interface'] });
  assert.ok(r.ok);
  assert.match(errors('interface: { mtu: 1400 }\n')[0]!, /unknown key "interface"/);
});

test('Go duration strings', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1500us'), 1.5);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '10', 's', '1x', '-1s', '1s ', '1s2', '1 s']) assert.equal(parseDuration(bad), null, bad);
});
