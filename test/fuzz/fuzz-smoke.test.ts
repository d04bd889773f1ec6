// The fuzz targets in `npm test`: each runs a few hundred inputs from a fixed
// seed (deterministic), so CI catches regressions quickly; `npm run fuzz`
// runs them for longer (docs/reliability.md). Also proves the packet
// invariant checker can fail: a fresh authenticated packet must trip it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS } from './targets.js';
import { buildLiveSession } from './live-session.js';
import { checkDatagram } from './packet-targets.js';
import { ipv4Packet, seqPayload } from '../helpers/memory-net.js';

const SEED = 20260101;

for (const t of TARGETS) {
  const runs = t.kind === 'packet' ? 300 : t.name === 'events-config' ? 60 : 400;
  test(`fuzz smoke: ${t.name} — ${t.description} (${runs} runs)`, () => {
    const r = t.run({ seed: SEED, numRuns: runs });
    assert.equal(r.failure, null, r.failure ?? '');
    assert.equal(r.runs, runs);
  });
}

test('the packet invariant checker rejects what it must: an authenticated packet, a replay of nothing changed', () => {
  const s = buildLiveSession();
  // A fresh transport packet from A under the current keypair authenticates at B: state moves, data is delivered.
  s.a.sent.length = 0;
  s.a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(999_999)));
  const fresh = s.a.sent.find((d) => d.data[0] === 4);
  assert.ok(fresh, 'A produced a transport packet');
  assert.throws(() => checkDatagram(s, { data: fresh.data, from: s.a.endpoint }, false), /state changed|delivered/);
  // The same packet again is a replay: every invariant holds.
  checkDatagram(s, { data: fresh.data, from: s.a.endpoint }, false);
  assert.equal(s.b.device.drops['replayed-counter'] > 0, true);
  // Under load, a mac1-valid initiation draws a cookie reply; without load it must not.
  s.b.device.setHandshakeBacklog(1_000_000);
  const init = s.seeds.initiation[0]!;
  const beforeCookie = s.b.device.drops['bad-mac2'];
  checkDatagram(s, { data: init, from: { address: '198.51.100.9', port: 9 } }, true);
  assert.equal(s.b.device.drops['bad-mac2'], beforeCookie + 1);
  assert.throws(() => checkDatagram(s, { data: init, from: { address: '198.51.100.9', port: 9 } }, false), /transmitted 1 datagram/);
});
