// The glue warm-up runs two complete Daemons over the in-memory addon:
// every echo request gets its reply back through both, with and without
// TUN offloads; a broken provider makes it fail instead of hang; and a
// daemon started on an in-memory TUN reports the warm-up in its log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { warmDaemonGlue, warmedGlue } from '../../src/runtime/glue-warmup.js';
import { Daemon } from '../../src/runtime/daemon.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { systemClock, systemRandom } from '../../src/io/system-ports.js';
import { addonShaped, MemoryAddon } from '../../src/io/memory-addon.js';
import { Tun } from '../../src/io/tun.js';
import { NativeUdpBind } from '../../src/io/udp-native.js';
import { createLogger } from '../../src/runtime/logger.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';

const start = (o: Parameters<typeof Daemon.start>[0]): Promise<Daemon> => Daemon.start(o);

for (const [vnet, filter] of [[true, true], [false, false]] as const) {
  test(`every echo comes back through both in-memory daemons (vnet ${vnet}, deliverFilter ${filter})`, async () => {
    // 260 rounds: past the keepalive switch (round 50) and the fresh TUN and socket (rounds 20 and 220).
    const rounds = 260;
    const r = await warmDaemonGlue(start, { crypto: nodeProvider, clock: systemClock, random: systemRandom, vnet, filter, rounds, roundsPerTurn: 7 });
    // One reply per round each way, plus the reply to the first (staged) request.
    assert.equal(r.echoes, 2 * rounds + 1);
    assert.ok(r.ms > 0);
  });
}

test('the glue warm-up keeps only its latest daemons', async () => {
  const o = { crypto: nodeProvider, clock: systemClock, random: systemRandom, vnet: true, rounds: 4 };
  await warmDaemonGlue(start, o);
  const first = [...warmedGlue];
  await warmDaemonGlue(start, o);
  assert.equal(warmedGlue.length, first.length);
  assert.notEqual(warmedGlue[1], first[1], 'the earlier set was let go');
});

test('cancellation stops the glue warm-up between rounds', async () => {
  let polls = 0;
  const r = await warmDaemonGlue(start, {
    crypto: nodeProvider,
    clock: systemClock,
    random: systemRandom,
    vnet: false,
    rounds: 500,
    cancelled: () => ++polls > 20,
  });
  assert.ok(r.echoes < 2 * 500 + 1, `stopped early (${r.echoes} echoes)`);
});

test('a provider whose handshakes fail makes the glue warm-up reject, not hang', async () => {
  const broken: CryptoProvider = { ...nodeProvider, x25519: () => null };
  await assert.rejects(
    warmDaemonGlue(start, { crypto: broken, clock: systemClock, random: systemRandom, vnet: false, rounds: 10 }),
    /no packet got through/,
  );
});

test('a daemon on an in-memory TUN runs both warm-ups before it starts and logs them', async () => {
  const mem = new MemoryAddon();
  const native = addonShaped(mem, null);
  const lines: string[] = [];
  const d = await Daemon.start({
    tun: Tun.create('mem0', { native, offload: true }),
    crypto: nodeProvider,
    warmup: true,
    logger: createLogger('verbose', '', (l) => lines.push(l)),
    udp: () => new NativeUdpBind({ native }),
  });
  try {
    const log = lines.join('');
    assert.match(log, /data path warmed up in memory: \d+ packets/);
    const m = /I\/O glue: (\d+) echoes/.exec(log);
    assert.ok(m, log);
    assert.ok(Number(m[1]) > 1000, `the glue warm-up carried ${m[1]} echoes`);
    assert.ok(d.port > 0, 'the daemon bound its in-memory UDP port');
  } finally {
    await d.close();
  }
});
