// IndexedAllowedIps (host-route hash index in front of the trie) must answer
// every lookup exactly like the plain trie through any sequence of inserts,
// moves, owner-checked removes, removeByPeer and clear — checked against
// AllowedIps as the oracle on random operations over small address pools (so
// prefixes collide, nest and move), IPv4 and IPv6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowedIps } from '../../src/core/allowed-ips.js';
import { IndexedAllowedIps } from '../../src/core/allowed-ips-hosts.js';
import { SeededRandom } from '../helpers/seeded-random.js';

function randomAddress(rnd: SeededRandom, v6: boolean): Uint8Array {
  const a = new Uint8Array(v6 ? 16 : 4);
  // A tiny pool per byte so that host routes and shorter prefixes overlap often.
  for (let i = 0; i < a.length; i++) {
    if (i < a.length - 4) a[i] = 0x20; // fixed high part (IPv6): the variety is in the last bytes
    else a[i] = i < a.length - 2 ? 10 + (rnd.nextU32() % 2) : rnd.nextU32() % 4;
  }
  return a;
}

function randomCidr(rnd: SeededRandom, v6: boolean): number {
  const max = v6 ? 128 : 32;
  const r = rnd.nextU32() % 4;
  return r < 2 ? max : r === 2 ? max - 1 - (rnd.nextU32() % 3) : rnd.nextU32() % (max + 1);
}

for (const v6 of [false, true]) {
  test(`IndexedAllowedIps equals the trie on random operations (${v6 ? 'IPv6' : 'IPv4'})`, () => {
    const rnd = new SeededRandom(v6 ? 61 : 41);
    const oracle = new AllowedIps<number>();
    const indexed = new IndexedAllowedIps<number>();
    let hostHits = 0;
    for (let step = 0; step < 4000; step++) {
      const op = rnd.nextU32() % 100;
      const peer = rnd.nextU32() % 5;
      if (op < 55) {
        const ip = randomAddress(rnd, v6);
        const cidr = randomCidr(rnd, v6);
        oracle.insert(ip, cidr, peer);
        indexed.insert(ip, cidr, peer);
      } else if (op < 80) {
        const ip = randomAddress(rnd, v6);
        const cidr = randomCidr(rnd, v6);
        assert.equal(indexed.remove(ip, cidr, peer), oracle.remove(ip, cidr, peer), `remove at step ${step}`);
      } else if (op < 88) {
        oracle.removeByPeer(peer);
        indexed.removeByPeer(peer);
      } else if (op === 88) {
        oracle.clear();
        indexed.clear();
      }
      for (let q = 0; q < 4; q++) {
        const probe = new Uint8Array(20);
        const a = randomAddress(rnd, v6);
        probe.set(a, 3);
        const want = oracle.lookup(probe, 3, v6 ? 16 : 4);
        assert.equal(indexed.lookup(probe, 3, v6 ? 16 : 4), want, `lookup at step ${step}`);
        if (want !== undefined && oracle.entriesForPeer(want).some((e) => e.cidr === (v6 ? 128 : 32) && e.ip.every((b, i) => b === a[i]))) hostHits++;
      }
      assert.equal(indexed.size, oracle.size);
    }
    assert.ok(hostHits > 500, `host routes were exercised (${hostHits})`);
  });
}

test('IndexedAllowedIps: a host route wins over a covering prefix, moves between peers, and out-of-range reads are misses', () => {
  const t = new IndexedAllowedIps<string>();
  t.insert(Uint8Array.of(10, 0, 0, 0), 8, 'net');
  t.insert(Uint8Array.of(10, 1, 2, 3), 32, 'a');
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 3)), 'a');
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 4)), 'net');
  t.insert(Uint8Array.of(10, 1, 2, 3), 32, 'b');
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 3)), 'b', 'moved to b');
  assert.equal(t.remove(Uint8Array.of(10, 1, 2, 3), 32, 'a'), false, 'a no longer owns it');
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 3)), 'b');
  t.removeByPeer('b');
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 3)), 'net');
  assert.equal(t.lookup(Uint8Array.of(10, 1, 2), 0, 4), undefined);
  assert.equal(t.lookup(Uint8Array.of(10, 1, 2, 3), -1, 4), undefined);
  assert.throws(() => t.insert(Uint8Array.of(10, 1, 2, 3), 33, 'x'), RangeError);
  assert.equal(t.lookupAddress(Uint8Array.of(10, 1, 2, 3)), 'net', 'a rejected insert leaves no host entry');
});

for (const v6 of [false, true]) {
  test(`IndexedAllowedIps with thousands of host routes (table growth, clustered keys, removals mid-run) equals the trie (${v6 ? 'IPv6' : 'IPv4'})`, () => {
    const rnd = new SeededRandom(v6 ? 97 : 89);
    const oracle = new AllowedIps<number>();
    const indexed = new IndexedAllowedIps<number>();
    const len = v6 ? 16 : 4;
    const addr = (k: number): Uint8Array => {
      // Consecutive addresses, like a server handing out 198.19.x.y: neighbours in the hash.
      const a = new Uint8Array(len);
      a[0] = v6 ? 0x20 : 198;
      a[len - 3] = (k >> 16) & 0xff;
      a[len - 2] = (k >> 8) & 0xff;
      a[len - 1] = k & 0xff;
      return a;
    };
    const n = 6000;
    for (let k = 0; k < n; k++) {
      oracle.insert(addr(k), len * 8, k % 97);
      indexed.insert(addr(k), len * 8, k % 97);
    }
    oracle.insert(addr(0), v6 ? 104 : 8, 1000); // a covering prefix: removed host routes fall back to it
    indexed.insert(addr(0), v6 ? 104 : 8, 1000);
    for (let round = 0; round < 3; round++) {
      for (let j = 0; j < 1500; j++) {
        const k = rnd.nextU32() % n;
        const owner = k % 97;
        assert.equal(indexed.remove(addr(k), len * 8, owner), oracle.remove(addr(k), len * 8, owner));
      }
      oracle.removeByPeer(round + 5);
      indexed.removeByPeer(round + 5);
      for (let k = 0; k < n + 50; k++) {
        assert.equal(indexed.lookupAddress(addr(k)), oracle.lookupAddress(addr(k)), `round ${round} address ${k}`);
      }
      for (let j = 0; j < 700; j++) {
        const k = rnd.nextU32() % n;
        oracle.insert(addr(k), len * 8, 2000 + j);
        indexed.insert(addr(k), len * 8, 2000 + j);
      }
      assert.equal(indexed.size, oracle.size);
    }
    for (let k = 0; k < n + 50; k++) assert.equal(indexed.lookupAddress(addr(k)), oracle.lookupAddress(addr(k)));
    indexed.clear();
    assert.equal(indexed.lookupAddress(addr(3)), undefined);
    indexed.insert(addr(3), len * 8, 7);
    assert.equal(indexed.lookupAddress(addr(3)), 7);
  });
}
