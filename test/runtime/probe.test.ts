// LivenessProbe on a fake clock: which packets it sends (source = our tunnel
// address, destination = the peer's first allowed host IP, ICMPv6 for
// v6-only peers), that only replies to its own outstanding echoes are
// consumed, and what it records (answered → true with the time; timeout →
// false), plus the log-once rule for peers it cannot probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeScheduler } from '../events/fake-scheduler.js';
import { LivenessProbe, ProbeControl, probeTarget, type ProbePeer, type TunnelAddresses } from '../../src/runtime/probe.js';
import { internetChecksum, parseEchoReply } from '../../src/runtime/icmp-echo.js';
import { parseIp, parsePrefix, formatIp } from '../../src/util/ip.js';
import { toBase64 } from '../../src/util/bytes.js';

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const peer = (n: number, ...ips: string[]): ProbePeer => ({ publicKey: key(n), allowedIps: ips.map((s) => parsePrefix(s)!) });

/** What the far end's kernel would answer: addresses swapped, type reply, checksum recomputed. */
function answer(req: Uint8Array): Uint8Array {
  const rep = Uint8Array.from(req);
  const v6 = req[0]! >> 4 === 6;
  const [off, alen, soff] = v6 ? [40, 16, 8] : [20, 4, 12];
  rep.set(req.subarray(soff + alen, soff + 2 * alen), soff);
  rep.set(req.subarray(soff, soff + alen), soff + alen);
  rep[off] = v6 ? 129 : 0;
  rep[off + 2] = rep[off + 3] = 0;
  const pseudo = v6 ? [...rep.subarray(8, 40), 0, 0, 0, rep.length - 40, 0, 0, 0, 58] : [];
  const cs = internetChecksum(Uint8Array.from([...pseudo, ...rep.subarray(off)]));
  rep[off + 2] = cs >> 8;
  rep[off + 3] = cs & 0xff;
  return rep;
}

function setup(peers: ProbePeer[], addrs: TunnelAddresses) {
  const clock = new FakeClock();
  const scheduler = new FakeScheduler(clock);
  const sent: Uint8Array[] = [];
  const records: Array<[string, boolean, number]> = [];
  const logs: string[] = [];
  const probe = new LivenessProbe({
    ifname: 'wgtest0',
    config: { intervalMs: 30_000, timeoutMs: 5000 },
    peers: () => peers,
    send: (p) => sent.push(p),
    record: (k, ok, at) => records.push([k, ok, at]),
    clock,
    scheduler,
    random: { fill: (b) => b.fill(0xab) },
    log: { verbose: () => undefined, error: (m) => logs.push(m) },
    addresses: () => addrs,
  });
  return { clock, scheduler, sent, records, logs, probe };
}

const BOTH: TunnelAddresses = { v4: parseIp('198.19.1.1'), v6: parseIp('2001:db8:1::1') };

test('probeTarget: first host prefix of the family, else the first non-default prefix', () => {
  const ips = ['0.0.0.0/0', '10.9.0.0/24', '198.19.1.2/32', '2001:db8:1::2/128'].map((s) => parsePrefix(s)!);
  assert.equal(formatIp(probeTarget(ips, 4)!), '198.19.1.2');
  assert.equal(formatIp(probeTarget(ips, 16)!), '2001:db8:1::2');
  assert.equal(formatIp(probeTarget(ips.slice(0, 2), 4)!), '10.9.0.0');
  assert.equal(probeTarget(ips.slice(0, 1), 4), null, 'a default route is no target');
});

test('one echo per peer per interval, from our address to the peer; a reply is consumed and recorded', () => {
  const s = setup([peer(1, '198.19.1.2/32', '2001:db8:1::2/128'), peer(2, '2001:db8:1::3/128')], BOTH);
  s.probe.start();
  s.scheduler.advance(29_999);
  assert.equal(s.sent.length, 0, 'the first round comes after one interval');
  s.scheduler.advance(1);
  assert.equal(s.sent.length, 2);
  const [a, b] = s.sent as [Uint8Array, Uint8Array];
  // Peer 1 has an IPv4 target: IPv4 echo 198.19.1.1 → 198.19.1.2, identifier from Random.
  assert.equal(a[0]! >> 4, 4);
  assert.equal(formatIp(a.subarray(12, 16)), '198.19.1.1');
  assert.equal(formatIp(a.subarray(16, 20)), '198.19.1.2');
  assert.equal(a[20], 8);
  assert.equal((a[24]! << 8) | a[25]!, 0xabab);
  // Peer 2 is v6-only: ICMPv6 echo request (type 128) from our IPv6 address.
  assert.equal(b[0]! >> 4, 6);
  assert.equal(b[6], 58);
  assert.equal(b[40], 128);
  assert.equal(formatIp(b.subarray(8, 24)), '2001:db8:1::1');
  assert.equal(formatIp(b.subarray(24, 40)), '2001:db8:1::3');

  s.clock.advance(40);
  const wall = s.clock.wallNow();
  assert.equal(s.probe.deliverFilter(answer(a)), true, 'our reply is consumed');
  assert.deepEqual(s.records, [[toBase64(key(1)), true, wall]]);
  assert.equal(s.probe.deliverFilter(answer(a)), false, 'a duplicate reply goes to the TUN');
  // Peer 2 does not answer: recorded as not pingable when its timeout passes.
  s.scheduler.advance(5000);
  assert.deepEqual(s.records[1], [toBase64(key(2)), false, wall + 4960]);
  assert.equal(s.probe.deliverFilter(answer(b)), false, 'a reply after its timeout is not ours any more');
  s.scheduler.advance(25_000);
  assert.equal(s.sent.length, 4, 'next round');
  assert.equal(s.probe.sent, 4);
  assert.equal(s.probe.answered, 1);
});

test('foreign packets pass through: other ids, other sources, requests, non-ICMP', () => {
  const s = setup([peer(1, '198.19.1.2/32')], BOTH);
  s.probe.round();
  const req = s.sent[0]!;
  const rep = answer(req);
  const otherId = Uint8Array.from(req);
  otherId[24] ^= 0xff; // identifier differs (someone's ping): checksum recomputed by answer()
  assert.equal(s.probe.deliverFilter(answer(otherId)), false);
  const spoofed = answer(req);
  spoofed[15] = 9; // reply from another host (IPv4 header checksum now wrong too)
  assert.equal(s.probe.deliverFilter(spoofed), false);
  assert.equal(s.probe.deliverFilter(req), false, 'an echo request is not a reply');
  assert.equal(s.probe.deliverFilter(new Uint8Array([0x45, 0, 0])), false);
  assert.ok(parseEchoReply(rep));
  assert.equal(s.probe.deliverFilter(rep), true);
  assert.equal(s.records.length, 1);
});

test('no tunnel address of the right family: skipped, logged once, probed once an address appears', () => {
  const peers = [peer(1, '198.19.1.2/32')];
  let addrs: TunnelAddresses = { v4: null, v6: parseIp('2001:db8:1::1') };
  const s = setup(peers, BOTH);
  const probe = new LivenessProbe({
    ifname: 'wgtest0',
    config: { intervalMs: 1000, timeoutMs: 500 },
    peers: () => peers,
    send: (p) => s.sent.push(p),
    record: () => undefined,
    clock: s.clock,
    scheduler: s.scheduler,
    random: { fill: (b) => b.fill(1) },
    log: { verbose: () => undefined, error: (m) => s.logs.push(m) },
    addresses: () => addrs,
  });
  probe.start();
  s.scheduler.advance(3000);
  assert.equal(s.sent.length, 0);
  assert.equal(s.logs.length, 1, s.logs.join('\n'));
  assert.match(s.logs[0]!, /wgtest0 has no tunnel address/);
  addrs = BOTH;
  s.scheduler.advance(1000);
  assert.equal(s.sent.length, 1);
  probe.stop();
  s.scheduler.advance(5000);
  assert.equal(s.sent.length, 1, 'stopped');
});

test('ProbeControl: off without config, on after a reload, off again; its filter is safe before attach', () => {
  const clock = new FakeClock();
  const scheduler = new FakeScheduler(clock);
  const sent: Uint8Array[] = [];
  const records: string[] = [];
  const ctl = new ProbeControl('wgtest0', { verbose: () => undefined, error: () => undefined }, (k) => records.push(k), {
    clock,
    scheduler,
    random: { fill: (b) => b.fill(2) },
    addresses: () => BOTH,
  });
  assert.equal(ctl.deliverFilter(new Uint8Array(28)), false);
  const host = { snapshot: () => ({ peers: [peer(3, '198.19.1.3/32')] }), sendPacket: (p: Uint8Array) => sent.push(p) };
  ctl.attach(host, undefined);
  scheduler.advance(120_000);
  assert.equal(sent.length, 0, 'off by default');
  ctl.configure({ intervalMs: 1000, timeoutMs: 1000 });
  scheduler.advance(1000);
  assert.equal(sent.length, 1);
  assert.equal(ctl.deliverFilter(answer(sent[0]!)), true);
  assert.deepEqual(records, [toBase64(key(3))]);
  ctl.configure({ intervalMs: 10_000, timeoutMs: 1000 });
  scheduler.advance(9_999);
  assert.equal(sent.length, 1, 'new interval applies');
  scheduler.advance(1);
  assert.equal(sent.length, 2);
  ctl.configure(undefined);
  scheduler.advance(60_000);
  assert.equal(sent.length, 2, 'turned off');
});
