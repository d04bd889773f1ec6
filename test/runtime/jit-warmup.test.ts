// The data-path warm-up drives in-memory Devices through handshakes started
// by each side (and by a peer the responder knows no endpoint for), IPv4 and
// IPv6 traffic and reordered datagrams, with either crypto provider; it
// reports what got through and stops when asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmDataPath, warmedObjects } from '../../src/runtime/jit-warmup.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { systemClock, systemRandom } from '../../src/io/system-ports.js';

for (const crypto of [nodeProvider, nobleProvider]) {
  test(`every warm-up packet is delivered (${crypto.name})`, async () => {
    const rounds = crypto.name === 'noble' ? 16 : 40;
    const r = await warmDataPath(crypto, systemClock, systemRandom, { rounds, roundsPerTurn: 5 });
    // 5 packets initiator→responder per round, plus the first (staged) packet of each of the 4 sessions.
    assert.equal(r.delivered, rounds * 5 + 4);
    assert.ok(r.ms >= 0);
  });
}

test('cancellation stops the warm-up between rounds', async () => {
  let polls = 0;
  const r = await warmDataPath(nodeProvider, systemClock, systemRandom, {
    rounds: 400,
    roundsPerTurn: 4,
    cancelled: () => ++polls > 10,
  });
  assert.ok(r.delivered < 400 * 5 + 4, `stopped early (${r.delivered} delivered)`);
});

test('the warm-up yields to the event loop between slices', async () => {
  let ticks = 0;
  const iv = setInterval(() => ticks++, 0);
  await warmDataPath(nodeProvider, systemClock, systemRandom, { rounds: 60, roundsPerTurn: 2 });
  clearInterval(iv);
  assert.ok(ticks > 0, 'timers ran while the warm-up was in progress');
});

test('only the latest warm-up\'s interfaces are kept, however many run', async () => {
  // An embedding process may start many interfaces; what the warm-up keeps
  // alive for V8 must not grow with them.
  await warmDataPath(nodeProvider, systemClock, systemRandom, { rounds: 8 });
  const first = warmedObjects[0];
  await warmDataPath(nodeProvider, systemClock, systemRandom, { rounds: 8 });
  assert.equal(warmedObjects.length, 1);
  assert.notEqual(warmedObjects[0], first);
});
