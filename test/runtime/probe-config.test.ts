// The `probe:` keys of the events YAML: off by default, durations parsed,
// mistakes reported with their file position like every other key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEventsConfig } from '../../src/events/config.js';

test('probe is off unless configured; interval and timeout parse as durations (timeout default 5 s)', () => {
  const off = parseEventsConfig('disconnect_grace: 10s\n', 'c.yaml');
  assert.ok(off.ok);
  assert.equal(off.config.probe, undefined);
  const on = parseEventsConfig('probe:\n  interval: 30s\n  timeout: 2s\n', 'c.yaml');
  assert.ok(on.ok);
  assert.deepEqual(on.config.probe, { intervalMs: 30_000, timeoutMs: 2000 });
  const dflt = parseEventsConfig('probe: { interval: 1m }\n', 'c.yaml');
  assert.ok(dflt.ok);
  assert.deepEqual(dflt.config.probe, { intervalMs: 60_000, timeoutMs: 5000 });
});

test('bad probe settings are rejected with file:line:col', () => {
  const cases: Array<[string, RegExp]> = [
    ['probe:\n  interval: 30s\n  every: 1s\n', /^c\.yaml:3:3: probe: unknown key "every"/],
    ['probe:\n  timeout: 1s\n', /^c\.yaml:2:3: probe\.interval is required/],
    ['probe:\n  interval: soon\n', /^c\.yaml:2:13: probe\.interval must be a duration/],
    ['probe:\n  interval: 10ms\n', /^c\.yaml:2:13: probe\.interval must be between 100 ms/],
    ['probe:\n  interval: 1s\n  timeout: 2s\n', /^c\.yaml:3:12: probe\.timeout must not exceed probe\.interval/],
    ['probe: yes\n', /^c\.yaml:1:8: probe must be a mapping/],
  ];
  for (const [text, re] of cases) {
    const r = parseEventsConfig(text, 'c.yaml');
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.errors.join('\n'), re, text);
  }
});
