// Tests for src/core/allowed-ips.ts: the kernel selftest / wireguard-go
// scripted cases (overlaps, moves, removal by peer), single-prefix removal,
// entriesForPeer, and a random comparison against a naive list matcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowedIps } from '../../src/core/allowed-ips.js';
import { formatPrefix, maskIp, parseIp, parsePrefix } from '../../src/util/ip.js';
import { SeededRandom } from '../helpers/seeded-random.js';

type Peer = { name: string };
const peer = (name: string): Peer => ({ name });

function v4(a: number, b: number, c: number, d: number): Uint8Array {
  return Uint8Array.of(a, b, c, d);
}
function v6(a: number, b: number, c: number, d: number): Uint8Array {
  const out = new Uint8Array(16);
  [a, b, c, d].forEach((w, i) => {
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  });
  return out;
}

test('IPv4 scripted longest-prefix cases', () => {
  const [a, b, c, d, e, g, h] = ['a', 'b', 'c', 'd', 'e', 'g', 'h'].map(peer) as [Peer, Peer, Peer, Peer, Peer, Peer, Peer];
  const t = new AllowedIps<Peer>();
  t.insert(v4(192, 168, 4, 0), 24, a);
  t.insert(v4(192, 168, 4, 4), 32, b);
  t.insert(v4(192, 168, 0, 0), 16, c);
  t.insert(v4(192, 95, 5, 64), 27, d);
  t.insert(v4(192, 95, 5, 65), 27, c); // same /27 after masking: moves from d to c
  t.insert(v4(0, 0, 0, 0), 0, e);
  t.insert(v4(64, 15, 112, 0), 20, g);
  t.insert(v4(64, 15, 123, 211), 25, h);
  t.insert(v4(10, 0, 0, 0), 25, a);
  t.insert(v4(10, 0, 0, 128), 25, b);
  t.insert(v4(10, 1, 0, 0), 30, a);
  t.insert(v4(10, 1, 0, 4), 30, b);
  t.insert(v4(10, 1, 0, 8), 29, c);
  t.insert(v4(10, 1, 0, 16), 29, d);
  assert.equal(t.size, 13);

  const is = (p: Peer | undefined, ip: Uint8Array) => assert.equal(t.lookupAddress(ip), p, `${ip.join('.')}`);
  is(a, v4(192, 168, 4, 20));
  is(a, v4(192, 168, 4, 0));
  is(b, v4(192, 168, 4, 4));
  is(c, v4(192, 168, 200, 182));
  is(c, v4(192, 95, 5, 68));
  is(e, v4(192, 95, 5, 96));
  is(g, v4(64, 15, 116, 26));
  is(g, v4(64, 15, 127, 3));
  is(h, v4(64, 15, 123, 128 + 1)); // inside the /25 (64.15.123.128/25)
  is(a, v4(10, 0, 0, 127));
  is(b, v4(10, 0, 0, 128));
  is(a, v4(10, 1, 0, 3));
  is(b, v4(10, 1, 0, 7));
  is(c, v4(10, 1, 0, 15));
  is(d, v4(10, 1, 0, 16));
  is(e, v4(10, 1, 0, 24));
  assert.deepEqual(t.entriesForPeer(d).map(formatPrefix), ['10.1.0.16/29']);

  for (const first of [1, 64, 128, 192, 255]) t.insert(v4(first, 0, 0, 0), 32, a);
  for (const first of [1, 64, 128, 192, 255]) is(a, v4(first, 0, 0, 0));
  t.removeByPeer(a);
  for (const first of [1, 64, 128, 192, 255]) assert.notEqual(t.lookupAddress(v4(first, 0, 0, 0)), a);
  is(e, v4(1, 0, 0, 0));
  is(c, v4(192, 168, 4, 20)); // a's /24 is gone, c's /16 remains
  is(b, v4(192, 168, 4, 4));

  for (const p of [a, b, c, d, e, g, h]) t.removeByPeer(p);
  assert.equal(t.size, 0);
  assert.equal(t.nodeCount, 0, 'removing every peer leaves an empty trie');

  t.insert(v4(192, 168, 0, 0), 16, a);
  t.insert(v4(192, 168, 0, 0), 24, a);
  t.removeByPeer(a);
  assert.equal(t.lookupAddress(v4(192, 168, 0, 1)), undefined);
  assert.equal(t.nodeCount, 0);
});

test('IPv6 scripted longest-prefix cases', () => {
  const [a, b, c, d, e, f, g, h] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(peer) as Peer[] as [Peer, Peer, Peer, Peer, Peer, Peer, Peer, Peer];
  const t = new AllowedIps<Peer>();
  t.insert(v6(0x26075300, 0x60006b00, 0, 0xc05f0543), 128, d);
  t.insert(v6(0x26075300, 0x60006b00, 0, 0), 64, c);
  t.insert(v6(0, 0, 0, 0), 0, e);
  t.insert(v6(0, 0, 0, 0), 0, f); // ::/0 moves to f
  t.insert(v6(0x24046800, 0, 0, 0), 32, g);
  t.insert(v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 64, h);
  t.insert(v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef), 128, a);
  t.insert(v6(0x24446800, 0x40e40800, 0xdeaebeef, 0x0defbeef), 128, c);
  t.insert(v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0), 98, b);

  const is = (p: Peer, ip: Uint8Array) => assert.equal(t.lookupAddress(ip)?.name, p.name);
  is(d, v6(0x26075300, 0x60006b00, 0, 0xc05f0543));
  is(c, v6(0x26075300, 0x60006b00, 0, 0xc02e01ee));
  is(f, v6(0x26075300, 0x60006b01, 0, 0));
  is(g, v6(0x24046800, 0x40040806, 0, 0x1006));
  is(g, v6(0x24046800, 0x40040806, 0x1234, 0x5678));
  is(f, v6(0x240467ff, 0x40040806, 0x1234, 0x5678));
  is(f, v6(0x24046801, 0x40040806, 0x1234, 0x5678));
  is(h, v6(0x24046800, 0x40040800, 0x1234, 0x5678));
  is(h, v6(0x24046800, 0x40040800, 0, 0));
  is(h, v6(0x24046800, 0x40040800, 0x10101010, 0x10101010));
  is(a, v6(0x24046800, 0x40040800, 0xdeadbeef, 0xdeadbeef));
  is(b, v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0x1fffffff)); // inside the /98
  is(f, v6(0x24446800, 0xf0e40800, 0xeeaebeef, 0x40000000)); // just outside it
  assert.deepEqual(t.entriesForPeer(e), []);
  assert.deepEqual(t.entriesForPeer(c).map(formatPrefix), ['2607:5300:6000:6b00::/64', '2444:6800:40e4:800:deae:beef:def:beef/128']);
  assert.deepEqual(t.entriesForPeer(b).map(formatPrefix), ['2444:6800:f0e4:800:eeae:beef::/98']);
});

test('IPv4 and IPv6 tables are separate', () => {
  const a = peer('a');
  const b = peer('b');
  const t = new AllowedIps<Peer>();
  t.insert(v4(0, 0, 0, 0), 0, a);
  t.insert(new Uint8Array(16), 0, b);
  assert.equal(t.lookupAddress(v4(198, 18, 0, 1)), a);
  assert.equal(t.lookupAddress(parseIp('2001:db8::1')!), b);
  assert.equal(t.lookupAddress(parseIp('::ffff:198.18.0.1')!), b);
});

test('lookup reads the address from a packet buffer at an offset', () => {
  const a = peer('a');
  const t = new AllowedIps<Peer>();
  t.insert(parseIp('198.18.0.0')!, 15, a);
  t.insert(parseIp('2001:db8::')!, 32, a);
  const pkt = new Uint8Array(40);
  pkt.set([198, 19, 7, 7], 16);
  assert.equal(t.lookup(pkt, 16, 4), a);
  assert.equal(t.lookup(pkt, 12, 4), undefined);
  pkt.set(parseIp('2001:db8:1::9')!, 24);
  assert.equal(t.lookup(pkt, 24, 16), a);
  assert.equal(t.lookup(pkt, 30, 16), undefined, 'out of bounds is no match, not a throw');
});

test('remove deletes a single prefix only when the peer owns it', () => {
  const a = peer('a');
  const b = peer('b');
  const t = new AllowedIps<Peer>();
  t.insert(parseIp('198.18.0.0')!, 16, a);
  t.insert(parseIp('198.18.1.0')!, 24, b);
  t.insert(parseIp('198.18.1.128')!, 25, a);
  assert.equal(t.remove(parseIp('198.18.1.0')!, 24, a), false, 'owned by b');
  assert.equal(t.remove(parseIp('198.18.1.0')!, 23, a), false, 'no such prefix');
  assert.equal(t.remove(parseIp('198.18.1.0')!, 25, a), false, 'no such prefix (branch only)');
  assert.equal(t.lookupAddress(parseIp('198.18.1.1')!), b);
  assert.equal(t.remove(parseIp('198.18.1.77')!, 24, b), true, 'host bits are masked');
  assert.equal(t.lookupAddress(parseIp('198.18.1.1')!), a);
  assert.equal(t.lookupAddress(parseIp('198.18.1.200')!), a);
  assert.equal(t.remove(parseIp('198.18.1.0')!, 24, b), false, 'already gone');
  assert.equal(t.size, 2);
  assert.deepEqual(t.entriesForPeer(a).map(formatPrefix), ['198.18.0.0/16', '198.18.1.128/25']);
  assert.deepEqual(t.entriesForPeer(b), []);
  assert.equal(t.remove(parseIp('198.18.0.0')!, 16, a), true);
  assert.equal(t.remove(parseIp('198.18.1.128')!, 25, a), true);
  assert.equal(t.size, 0);
  assert.equal(t.nodeCount, 0);
});

test('insert masks host bits, entriesForPeer returns masked copies, clear empties', () => {
  const a = peer('a');
  const t = new AllowedIps<Peer>();
  const ip = parseIp('2001:db8:abcd:ef01::1')!;
  t.insert(ip, 36, a);
  assert.deepEqual(ip, parseIp('2001:db8:abcd:ef01::1'), 'input not modified');
  const [entry] = t.entriesForPeer(a);
  assert.equal(formatPrefix(entry!), '2001:db8:a000::/36');
  assert.deepEqual(entry!.ip, maskIp(ip, 36));
  entry!.ip.fill(0xff);
  assert.equal(formatPrefix(t.entriesForPeer(a)[0]!), '2001:db8:a000::/36');
  assert.throws(() => t.insert(ip, 129, a), RangeError);
  assert.throws(() => t.insert(new Uint8Array(5), 8, a), RangeError);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.lookupAddress(ip), undefined);
  assert.deepEqual(t.entriesForPeer(a), []);
});

// Naive reference: scan the whole list, keep the longest covering prefix.
class SlowTable {
  private list: { ip: Uint8Array; cidr: number; peer: number }[] = [];
  insert(ip: Uint8Array, cidr: number, peer: number): void {
    const m = maskIp(ip, cidr);
    const hit = this.list.find((e) => e.cidr === cidr && e.ip.length === m.length && e.ip.every((x, i) => x === m[i]));
    if (hit) hit.peer = peer;
    else this.list.push({ ip: m, cidr, peer });
  }
  removeByPeer(peer: number): void {
    this.list = this.list.filter((e) => e.peer !== peer);
  }
  lookup(ip: Uint8Array): number | undefined {
    let best: { cidr: number; peer: number } | undefined;
    for (const e of this.list) {
      if (e.ip.length !== ip.length) continue;
      const m = maskIp(ip, e.cidr);
      if (m.every((x, i) => x === e.ip[i]) && (best === undefined || e.cidr > best.cidr)) best = e;
    }
    return best?.peer;
  }
  get size(): number {
    return this.list.length;
  }
}

test('random prefixes agree with a naive longest-prefix matcher', () => {
  const rng = new SeededRandom(2026);
  const t = new AllowedIps<number>();
  const slow = new SlowTable();
  const PEERS = 100;
  // Draw prefixes from a few shared stems so that overlaps and nesting are common.
  const stems4 = Array.from({ length: 8 }, () => rng.fill(new Uint8Array(4)));
  const stems6 = Array.from({ length: 8 }, () => rng.fill(new Uint8Array(16)));
  const near = (stems: Uint8Array[]): Uint8Array => {
    const ip = rng.fill(new Uint8Array(stems[0]!.length));
    if (rng.nextU32() % 4 !== 0) {
      const stem = stems[rng.nextU32() % stems.length]!;
      const keep = rng.nextU32() % (ip.length - 1);
      ip.set(stem.subarray(0, keep));
    }
    return ip;
  };
  for (let i = 0; i < 250; i++) {
    const ip = near(stems4);
    const cidr = rng.nextU32() % 33;
    const p = rng.nextU32() % PEERS;
    t.insert(ip, cidr, p);
    slow.insert(ip, cidr, p);
  }
  for (let i = 0; i < 250; i++) {
    const ip = near(stems6);
    const cidr = rng.nextU32() % 129;
    const p = rng.nextU32() % PEERS;
    t.insert(ip, cidr, p);
    slow.insert(ip, cidr, p);
  }
  assert.equal(t.size, slow.size);
  const check = (round: number) => {
    let matched = 0;
    for (let i = 0; i < 10_000; i++) {
      const ip4 = near(stems4);
      const ip6 = near(stems6);
      const want4 = slow.lookup(ip4);
      const want6 = slow.lookup(ip6);
      assert.equal(t.lookupAddress(ip4), want4, `round ${round} v4 ${ip4.join('.')}`);
      assert.equal(t.lookupAddress(ip6), want6, `round ${round} v6`);
      if (want4 !== undefined) matched++;
    }
    return matched;
  };
  assert.ok(check(0) > 100, 'the random lookups must hit some prefixes');
  for (let round = 1; round <= 4; round++) {
    const victim = rng.nextU32() % PEERS;
    t.removeByPeer(victim);
    slow.removeByPeer(victim);
    assert.equal(t.size, slow.size);
    assert.deepEqual(t.entriesForPeer(victim), []);
    check(round);
  }
  // entriesForPeer agrees with the reference for every peer
  for (let p = 0; p < PEERS; p++) {
    for (const e of t.entriesForPeer(p)) {
      assert.equal(slow.lookup(e.ip) !== undefined, true);
      assert.deepEqual(parsePrefix(formatPrefix(e)), e);
    }
  }
});
