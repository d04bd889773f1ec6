// The latency-hops diagnostic: the pcap reader on synthetic captures (both
// link types, both timestamp resolutions and byte orders, cut records), and
// the hop breakdown on two captures whose every timestamp is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPcapIpv4, readPcapUdp } from '../helpers/pcap.js';
import { hopBreakdown, hopStats } from '../../bench/latency-hops.js';

const A_OUT = '198.18.7.1';
const B_OUT = '198.18.7.2';

function ipv4(proto: number, src: string, dst: string, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(h, 12);
  Buffer.from(dst.split('.').map(Number)).copy(h, 16);
  return Buffer.concat([h, payload]);
}

function echo(type: 0 | 8, seq: number): Buffer {
  const icmp = Buffer.alloc(16);
  icmp[0] = type;
  icmp.writeUInt16BE(0x4242, 4);
  icmp.writeUInt16BE(seq, 6);
  return ipv4(1, type === 8 ? '198.19.1.1' : '198.19.1.2', type === 8 ? '198.19.1.2' : '198.19.1.1', icmp);
}

function transport(src: string, dst: string, counter: bigint): Buffer {
  const udp = Buffer.alloc(8 + 32);
  udp.writeUInt16BE(51820, 0);
  udp.writeUInt16BE(51820, 2);
  udp.writeUInt16BE(udp.length, 4);
  udp[8] = 4;
  udp.writeUInt32LE(0x11223344, 12);
  udp.writeBigUInt64LE(counter, 16);
  return ipv4(17, src, dst, udp);
}

function cooked(ip: Buffer, ifindex: number): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(0x0800, 0);
  h.writeUInt32BE(ifindex, 4);
  return Buffer.concat([h, ip]);
}

interface Rec {
  t: number;
  frame: Buffer;
  origLen?: number;
}

/** A pcap file; `nanos` picks the nanosecond magic, `be` big-endian fields. */
function pcap(linktype: number, recs: Rec[], opts: { nanos?: boolean; be?: boolean } = {}): Buffer {
  const w32 = (b: Buffer, v: number, at: number): void => void (opts.be ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const g = Buffer.alloc(24);
  w32(g, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w32(g, 65535, 16);
  w32(g, linktype, 20);
  const parts: Buffer[] = [g];
  for (const r of recs) {
    const h = Buffer.alloc(16);
    const sec = Math.floor(r.t);
    w32(h, sec, 0);
    w32(h, Math.round((r.t - sec) * (opts.nanos ? 1e9 : 1e6)), 4);
    w32(h, r.frame.length, 8);
    w32(h, r.origLen ?? r.frame.length, 12);
    parts.push(h, r.frame);
  }
  return Buffer.concat(parts);
}

const T0 = 1_800_000_000;
const ms = (x: number): number => T0 + x / 1000;

test('readPcapIpv4 reads cooked v2 captures in either byte order and resolution; a cut last record ends the list', () => {
  const recs: Rec[] = [
    { t: ms(1), frame: cooked(echo(8, 7), 5) },
    { t: ms(2.25), frame: cooked(transport(A_OUT, B_OUT, 9n), 2) },
    { t: ms(3), frame: Buffer.concat([Buffer.from([0x86, 0xdd]), Buffer.alloc(60)]) }, // IPv6: skipped
  ];
  for (const opts of [{}, { nanos: true }, { be: true }, { nanos: true, be: true }]) {
    const got = readPcapIpv4(pcap(276, recs, opts));
    assert.equal(got.length, 2, JSON.stringify(opts));
    assert.deepEqual(got.map((r) => r.ifindex), [5, 2]);
    assert.ok(Math.abs(got[1]!.t - ms(2.25)) < 2e-6, `timestamp ${got[1]!.t} (${JSON.stringify(opts)})`);
    assert.equal(got[0]!.ip[9], 1);
  }
  const whole = pcap(276, recs);
  assert.equal(readPcapIpv4(whole.subarray(0, whole.length - 10)).length, 2, 'a cut record is dropped, the rest kept');
  const cutFirst = pcap(276, recs).subarray(0, 24 + 16 + 5);
  assert.deepEqual(readPcapIpv4(cutFirst), []);
});

test('readPcapIpv4 refuses what is not a capture it knows', () => {
  assert.throws(() => readPcapIpv4(Buffer.alloc(10)), /shorter than its header/);
  assert.throws(() => readPcapIpv4(Buffer.alloc(24, 7)), /bad magic/);
  assert.throws(() => readPcapIpv4(pcap(101, [])), /link type 101/);
});

test('readPcapUdp keeps whole UDP payloads from Ethernet frames and skips snapped ones', () => {
  const eth = (ip: Buffer): Buffer => Buffer.concat([Buffer.alloc(12), Buffer.from([0x08, 0x00]), ip]);
  const dgram = transport(A_OUT, B_OUT, 3n);
  const file = pcap(1, [
    { t: ms(1), frame: eth(dgram) },
    { t: ms(2), frame: eth(dgram).subarray(0, 40), origLen: eth(dgram).length },
    { t: ms(3), frame: eth(echo(8, 1)) },
  ]);
  const got = readPcapUdp(file);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.src, A_OUT);
  assert.equal(got[0]!.dstPort, 51820);
  assert.equal(got[0]!.payload.length, 32);
  assert.equal(got[0]!.payload.readBigUInt64LE(8), 3n);
});

/**
 * Two pings through a tunnel, every timestamp chosen (ms): ping 1's hops
 * are 0.1, 0.01, 0.2, 0.03, 0.05, 0.09, 0.07; ping 2 has a slow wake-up on
 * both first hops. A keepalive A sent just before ping 2 must not be taken
 * for ping 2's datagram. Ping 3 never reaches B's TUN: unmatched.
 */
function captures(): { a: Buffer; b: Buffer } {
  const a: Rec[] = [
    { t: ms(0), frame: cooked(echo(8, 1), 9) },
    { t: ms(0.1), frame: cooked(transport(A_OUT, B_OUT, 0n), 2) },
    { t: ms(0.48), frame: cooked(transport(B_OUT, A_OUT, 0n), 2) },
    { t: ms(0.55), frame: cooked(echo(0, 1), 9) },
    { t: ms(9.9), frame: cooked(transport(A_OUT, B_OUT, 1n), 2) }, // keepalive
    { t: ms(10), frame: cooked(echo(8, 2), 9) },
    { t: ms(10.9), frame: cooked(transport(A_OUT, B_OUT, 2n), 2) },
    { t: ms(12.0), frame: cooked(transport(B_OUT, A_OUT, 1n), 2) },
    { t: ms(12.1), frame: cooked(echo(0, 2), 9) },
    { t: ms(20), frame: cooked(echo(8, 3), 9) },
    { t: ms(20.1), frame: cooked(transport(A_OUT, B_OUT, 3n), 2) },
  ];
  const b: Rec[] = [
    { t: ms(0.11), frame: cooked(transport(A_OUT, B_OUT, 0n), 3) },
    { t: ms(0.31), frame: cooked(echo(8, 1), 8) },
    { t: ms(0.34), frame: cooked(echo(0, 1), 8) },
    { t: ms(0.39), frame: cooked(transport(B_OUT, A_OUT, 0n), 3) },
    { t: ms(9.91), frame: cooked(transport(A_OUT, B_OUT, 1n), 3) },
    { t: ms(10.91), frame: cooked(transport(A_OUT, B_OUT, 2n), 3) },
    { t: ms(11.81), frame: cooked(echo(8, 2), 8) },
    { t: ms(11.85), frame: cooked(echo(0, 2), 8) },
    { t: ms(11.95), frame: cooked(transport(B_OUT, A_OUT, 1n), 3) },
    { t: ms(20.11), frame: cooked(transport(A_OUT, B_OUT, 3n), 3) },
  ];
  return { a: pcap(276, a, { nanos: true }), b: pcap(276, b, { nanos: true }) };
}

const near = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) < 1e-3, `${what}: ${got} ≠ ${want}`);

test('hopBreakdown follows each ping through both captures, pairing datagrams by sender and counter', () => {
  const { a, b } = captures();
  const r = hopBreakdown(readPcapIpv4(a), readPcapIpv4(b), A_OUT);
  assert.equal(r.unmatched, 1);
  assert.deepEqual(r.pings.map((p) => p.seq), [1, 2]);
  const want = [
    [0.1, 0.01, 0.2, 0.03, 0.05, 0.09, 0.07],
    [0.9, 0.01, 0.9, 0.04, 0.1, 0.05, 0.1],
  ];
  r.pings.forEach((p, i) => {
    p.hopsMs.forEach((v, h) => near(v, want[i]![h]!, `ping ${p.seq} hop ${h}`));
    near(p.tunToTunMs, want[i]!.reduce((s, x) => s + x, 0), `ping ${p.seq} tun→tun`);
  });
  const s = hopStats(r)!;
  near(s.hops.aSeal.p50, 0.1, 'aSeal p50');
  near(s.hops.aSeal.p99, 0.9, 'aSeal p99');
  near(s.hops.bOpen.mean, 0.55, 'bOpen mean');
  near(s.tunToTun.p99, 2.1, 'tun→tun p99');
});

test('hopBreakdown with no whole ping reports none, and hopStats says so', () => {
  const { a } = captures();
  const r = hopBreakdown(readPcapIpv4(a), [], A_OUT);
  assert.equal(r.pings.length, 0);
  assert.equal(r.unmatched, 3);
  assert.equal(hopStats(r), null);
});
