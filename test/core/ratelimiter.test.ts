// Tests for src/core/ratelimiter.ts: the wireguard-go ratelimiter_test.go
// script (burst, refill by 1/20 s and 2/20 s) over 8 IPv4 and 6 IPv6 sources
// with a fake clock, plus /64 sharing, mapped addresses, gc and the entry cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter } from '../../src/core/ratelimiter.js';
import { parseIp } from '../../src/util/ip.js';
import { FakeClock } from '../helpers/fake-clock.js';

const SOURCES = [
  '127.0.0.1',
  '192.168.1.1',
  '172.167.2.3',
  '97.231.252.215',
  '248.97.91.167',
  '188.208.233.47',
  '104.2.183.179',
  '72.129.46.120',
  '2001:0db8:0a0b:12f0:0000:0000:0000:0001',
  'f5c2:818f:c052:655a:9860:b136:6894:25f0',
  'b2d7:15ab:48a7:b07c:a541:f144:a9fe:54fc',
  'a47b:786e:1671:a22b:d6f9:4ab0:abc7:c918',
  'ea1e:d155:7f7a:98fb:2bf5:9483:80f6:5445',
  '3f0e:54a2:f5b4:cd19:a21d:58e1:3746:84c4',
].map((s) => parseIp(s)!);

// [wait before the step in ms, expected result for every source, label]
const SCRIPT: [number, boolean, string][] = [
  [0, true, 'initial burst 1'],
  [0, true, 'initial burst 2'],
  [0, true, 'initial burst 3'],
  [0, true, 'initial burst 4'],
  [0, true, 'initial burst 5'],
  [0, false, 'after burst'],
  [50, true, 'refilled for one packet'],
  [0, false, 'not refilled enough'],
  [100, true, 'refilled for a two-packet burst'],
  [0, true, 'second packet of the two-packet burst'],
  [0, false, 'after the two-packet burst'],
];

test('burst of 5, then one packet per 1/20 s, for 8 IPv4 and 6 IPv6 sources', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  SCRIPT.forEach(([wait, expected, label], step) => {
    clock.advance(wait);
    for (const ip of SOURCES) assert.equal(rl.allow(ip), expected, `step ${step} (${label}) for ${ip.join(',')}`);
  });
  assert.equal(rl.size, SOURCES.length);
});

test('a source that was never seen is independent of a throttled one', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  const a = parseIp('198.18.0.1')!;
  for (let i = 0; i < 5; i++) assert.equal(rl.allow(a), true);
  assert.equal(rl.allow(a), false);
  assert.equal(rl.allow(parseIp('198.18.0.2')!), true);
  clock.advance(49);
  assert.equal(rl.allow(a), false, '49 ms is not a whole packet');
  clock.advance(1);
  assert.equal(rl.allow(a), true, '49 + 1 ms is');
});

test('tokens are capped at the burst size', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  const a = parseIp('198.18.0.1')!;
  assert.equal(rl.allow(a), true);
  clock.advance(900); // well beyond a full refill, but not idle long enough to be collected
  for (let i = 0; i < 5; i++) assert.equal(rl.allow(a), true, `packet ${i}`);
  assert.equal(rl.allow(a), false);
});

test('IPv6 addresses in the same /64 share a bucket; other /64s do not', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  const a = parseIp('2001:db8:1:2::1')!;
  const b = parseIp('2001:db8:1:2:ffff:ffff:ffff:ffff')!;
  const other = parseIp('2001:db8:1:3::1')!;
  for (let i = 0; i < 3; i++) assert.equal(rl.allow(a), true);
  for (let i = 0; i < 2; i++) assert.equal(rl.allow(b), true);
  assert.equal(rl.allow(a), false);
  assert.equal(rl.allow(b), false);
  assert.equal(rl.allow(other), true);
  assert.equal(rl.size, 2);
});

test('IPv4 is per address, and IPv4-mapped IPv6 is treated as that IPv4 address', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  const v4 = parseIp('198.18.0.1')!;
  const mapped = parseIp('::ffff:198.18.0.1')!;
  const neighbour = parseIp('::ffff:198.18.0.2')!;
  for (let i = 0; i < 3; i++) assert.equal(rl.allow(v4), true);
  for (let i = 0; i < 2; i++) assert.equal(rl.allow(mapped), true);
  assert.equal(rl.allow(v4), false);
  assert.equal(rl.allow(mapped), false);
  assert.equal(rl.allow(neighbour), true, 'mapped addresses must not share a /64 bucket');
});

test('gc drops sources idle for more than 1 s', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  const a = parseIp('198.18.0.1')!;
  const b = parseIp('2001:db8::1')!;
  for (let i = 0; i < 5; i++) rl.allow(a);
  rl.allow(b);
  clock.advance(600);
  rl.allow(b);
  clock.advance(401); // a idle 1001 ms, b idle 401 ms
  rl.gc();
  assert.equal(rl.size, 1);
  clock.advance(599); // b idle exactly 1000 ms: kept
  rl.gc();
  assert.equal(rl.size, 1);
  clock.advance(1); // 1001 ms: collected
  rl.gc();
  assert.equal(rl.size, 0);
  // a collected source starts over with a fresh burst
  for (let i = 0; i < 5; i++) assert.equal(rl.allow(a), true);
  assert.equal(rl.allow(a), false);
});

test('allow collects stale entries by itself once a second', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock);
  for (let i = 0; i < 10; i++) rl.allow(Uint8Array.of(198, 18, 1, i));
  assert.equal(rl.size, 10);
  clock.advance(1500);
  assert.equal(rl.allow(Uint8Array.of(198, 18, 2, 1)), true);
  assert.equal(rl.size, 1);
});

test('the table is bounded: new sources are refused when full', () => {
  const clock = new FakeClock();
  const rl = new RateLimiter(clock, 3);
  assert.equal(rl.allow(Uint8Array.of(198, 18, 0, 1)), true);
  assert.equal(rl.allow(Uint8Array.of(198, 18, 0, 2)), true);
  assert.equal(rl.allow(parseIp('2001:db8::1')!), true);
  assert.equal(rl.allow(Uint8Array.of(198, 18, 0, 3)), false);
  assert.equal(rl.allow(Uint8Array.of(198, 18, 0, 1)), true, 'known sources still work');
});

test('malformed addresses are refused, not thrown on', () => {
  const rl = new RateLimiter(new FakeClock());
  assert.equal(rl.allow(new Uint8Array(0)), false);
  assert.equal(rl.allow(new Uint8Array(5)), false);
  assert.equal(rl.size, 0);
});
