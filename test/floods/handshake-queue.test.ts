// The runtime's paced handshake queue under a flood (issue 6 "Floods";
// whitepaper §5.3): bounded, FIFO, reports its backlog, and — found by
// handshake-flood.test.ts phase 2 — a flood that fills it from a few sources
// must not lock out a source that has nothing queued (a legitimate peer's
// initiation or its mac2 retry), or a fresh handshake can never complete
// while the flood lasts. No root needed: the queue runs on setImmediate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HandshakeQueue } from '../../src/runtime/handshake-queue.js';
import type { Endpoint } from '../../src/core/endpoint.js';

const msg = (n: number): Uint8Array => new Uint8Array([1, 0, 0, 0, n & 0xff]);
const ep = (address: string, port = 51820): Endpoint => ({ address, port });

function makeQueue(limit: number): { q: HandshakeQueue; processed: Array<[number, string]>; backlog: number[] } {
  const processed: Array<[number, string]> = [];
  const backlog: number[] = [];
  const q = new HandshakeQueue(
    (data, from) => processed.push([data[4]!, from.address]),
    (n) => backlog.push(n),
    limit,
    16,
  );
  return { q, processed, backlog };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

test('bounded: a full queue drops and counts; FIFO order; backlog reported and drained to 0', async () => {
  const { q, processed, backlog } = makeQueue(64);
  for (let i = 0; i < 100; i++) q.push(msg(i), ep(`198.18.0.${1 + (i % 200)}`));
  assert.equal(q.length, 64);
  assert.equal(q.dropped, 36);
  assert.equal(Math.max(...backlog), 64);
  for (let i = 0; i < 20 && q.length > 0; i++) await turn();
  assert.equal(q.length, 0);
  assert.deepEqual(
    processed.map(([n]) => n),
    Array.from({ length: 64 }, (_, i) => i),
  );
  assert.equal(backlog[backlog.length - 1], 0);
});

test('a flood from a few sources cannot lock out a source with nothing queued', async () => {
  const { q, processed } = makeQueue(256);
  // 8 attacker addresses fill the queue far beyond its limit...
  for (let i = 0; i < 2000; i++) q.push(msg(i), ep(`198.18.3.${10 + (i % 8)}`, 40000 + (i % 8)));
  // ...then a legitimate peer's initiation arrives, then more flood.
  q.push(msg(250), ep('198.18.1.1'));
  for (let i = 0; i < 500; i++) q.push(msg(i), ep(`198.18.3.${10 + (i % 8)}`, 40000 + (i % 8)));
  assert.ok(q.length <= 256, 'still bounded');
  assert.ok(q.dropped > 2000, 'the flood beyond the limit was dropped');
  for (let i = 0; i < 40 && q.length > 0; i++) await turn();
  assert.ok(
    processed.some(([n, from]) => n === 250 && from === '198.18.1.1'),
    'the legitimate initiation was queued and processed',
  );
});

test('the reserve is keyed per IPv6 /64: addresses of one /64 count as one source', async () => {
  const { q, processed } = makeQueue(256);
  for (let i = 0; i < 2000; i++) q.push(msg(i), ep(`2001:db8:ff:3::${(i + 1).toString(16)}`));
  q.push(msg(250), ep('2001:db8:ff:1::1'));
  for (let i = 0; i < 500; i++) q.push(msg(i), ep(`2001:db8:ff:3::${(i + 3000).toString(16)}`));
  for (let i = 0; i < 40 && q.length > 0; i++) await turn();
  assert.ok(processed.some(([n, from]) => n === 250 && from === '2001:db8:ff:1::1'), 'the legitimate IPv6 initiation got in');
  // Fresh addresses of the flooding /64 were not treated as new sources once it held entries.
  const lateFlood = processed.filter(([, from]) => from.startsWith('2001:db8:ff:3::') && parseInt(from.split('::')[1]!, 16) >= 3000);
  assert.equal(lateFlood.length, 0, 'new addresses in the same /64 did not get reserved slots');
});
