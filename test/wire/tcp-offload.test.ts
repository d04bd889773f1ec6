// TUN offload math: Internet checksums (RFC 1071) against a known IPv4
// header and a naive oracle, TSO segmentation of IPv4/IPv6 super-packets,
// CHECKSUM_PARTIAL completion, and coalescing back into GSO super-packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finishSum, foldSum, onesSum, pseudoHeaderSum, setIpv4HeaderChecksum } from '../../src/wire/checksum.js';
import { completeChecksum, segmentTcp, segmentedSize, tcpLayout } from '../../src/wire/tcp-segment.js';
import { TunWriteBatch } from '../../src/wire/tcp-coalesce.js';
import { readVnetHdr, type VnetHdr } from '../../src/wire/virtio-net-hdr.js';

/** RFC 1071 the slow way: big-endian 16-bit words, end-around carry after each add. */
function naiveSum(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) {
    s += (b[off + i]! << 8) | (i + 1 < len ? b[off + i + 1]! : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

/** True when the TCP checksum of the packet at `ip` verifies (the sum with pseudo-header is 0xffff). */
function tcpChecksumOk(p: Uint8Array, version: 4 | 6): boolean {
  const ipLen = version === 4 ? (p[0]! & 15) * 4 : 40;
  const tcpTotal = p.length - ipLen;
  const pseudo = version === 4 ? naiveSum(p, 12, 8) : naiveSum(p, 8, 32);
  let s = pseudo + 6 + tcpTotal + naiveSum(p, ipLen, tcpTotal);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

const SEQ0 = 0xfffff000; // wraps during the test

/** IPv4/IPv6 + TCP with a 12-byte timestamp option and `payload`; flags as given. */
function tcpPacket(version: 4 | 6, payload: Uint8Array, flags: number, seq = SEQ0, src = 1, id = 0x1234): Uint8Array {
  const ipLen = version === 4 ? 20 : 40;
  const p = new Uint8Array(ipLen + 32 + payload.length);
  if (version === 4) {
    p.set([0x45, 0, 0, 0, id >> 8, id & 0xff, 0x40, 0, 64, 6, 0, 0, 198, 19, 1, src, 198, 19, 1, 2]);
    p[2] = p.length >> 8;
    p[3] = p.length & 0xff;
    setIpv4HeaderChecksum(p, 0);
  } else {
    p.set([0x60, 0, 0, 0, 0, 0, 6, 64]);
    p[4] = (p.length - 40) >> 8;
    p[5] = (p.length - 40) & 0xff;
    p.set([0x20, 0x01, 0x0d, 0xb8, 0, 1], 8);
    p[23] = src;
    p.set([0x20, 0x01, 0x0d, 0xb8, 0, 1], 24);
    p[39] = 2;
  }
  const t = ipLen;
  p.set([0xc0, 0x01, 0x14, 0x51], t); // ports 49153 → 5201
  p.set([(seq >>> 24) & 255, (seq >>> 16) & 255, (seq >>> 8) & 255, seq & 255], t + 4);
  p.set([1, 2, 3, 4], t + 8);
  p[t + 12] = 8 << 4;
  p[t + 13] = flags;
  p.set([0x01, 0xf5], t + 14); // window
  p.set([1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9], t + 20); // NOP NOP TS
  p.set(payload, t + 32);
  // A valid TCP checksum (computed with the naive oracle, not the code under test).
  const pseudo = version === 4 ? naiveSum(p, 12, 8) : naiveSum(p, 8, 32);
  let sum = pseudo + 6 + (p.length - t) + naiveSum(p, t, p.length - t);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  p[t + 16] = c >> 8;
  p[t + 17] = c & 0xff;
  return p;
}

function pattern(n: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed + (i >> 8)) & 0xff);
}

test('checksums: the classic IPv4 header example and the 32-bit fast path against a naive oracle', () => {
  const hdr = Uint8Array.from([0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xff, 0xff, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7]);
  setIpv4HeaderChecksum(hdr, 0);
  assert.deepEqual([hdr[10], hdr[11]], [0xb8, 0x61]);
  for (const len of [0, 1, 2, 3, 31, 32, 33, 64, 1367, 1368, 65535]) {
    const buf = pattern(len + 8, len);
    for (const off of [0, 1, 2, 4]) {
      const l = Math.min(len, buf.length - off);
      assert.equal(foldSum(onesSum(buf, off, l)), naiveSum(buf, off, l), `len ${l} off ${off}`);
    }
  }
  assert.equal(finishSum(0xffff), 0);
  assert.equal(foldSum(0x1_fffe), 0xffff);
});

test('segmentTcp splits an IPv4 super-packet like the kernel would', () => {
  const payload = pattern(2500);
  const sup = tcpPacket(4, payload, 0x80 | 0x10 | 0x08 | 0x01); // CWR ACK PSH FIN
  const l = tcpLayout(sup, 0, sup.length)!;
  assert.deepEqual(l, { version: 4, ipLen: 20, tcpLen: 32, hdrLen: 52, payloadLen: 2500 });
  const out = new Uint8Array(segmentedSize(l, 1000) + 3);
  assert.equal(segmentedSize(l, 1000), 3 * 52 + 2500);
  const lengths: number[] = [];
  const end = segmentTcp(sup, 0, l, 1000, out, 3, lengths);
  assert.deepEqual(lengths, [1052, 1052, 552]);
  assert.equal(end, 3 + 2656);
  let o = 3;
  lengths.forEach((n, k) => {
    const s = out.slice(o, o + n);
    o += n;
    assert.equal((s[2]! << 8) | s[3]!, n, 'IPv4 total length');
    assert.equal((s[4]! << 8) | s[5]!, 0x1234 + k, 'IPv4 id');
    assert.equal(naiveSum(s, 0, 20), 0xffff, 'IPv4 header checksum');
    const seq = ((s[24]! << 24) | (s[25]! << 16) | (s[26]! << 8) | s[27]!) >>> 0;
    assert.equal(seq, (SEQ0 + k * 1000) >>> 0);
    const flags = s[33]!;
    assert.equal(flags & 0x10, 0x10);
    assert.equal((flags & 0x09) !== 0, k === 2, 'PSH/FIN only on the last');
    assert.equal((flags & 0x80) !== 0, k === 0, 'CWR only on the first');
    assert.ok(tcpChecksumOk(s, 4), `TCP checksum of segment ${k}`);
    assert.deepEqual(s.subarray(52), payload.subarray(k * 1000, k * 1000 + n - 52));
    assert.deepEqual(s.subarray(34, 36), sup.subarray(34, 36), 'window copied');
    assert.deepEqual(s.subarray(38, 52), sup.subarray(38, 52), 'urgent pointer and options copied');
  });
});

test('segmentTcp handles IPv6 and an exact multiple of the segment size', () => {
  const payload = pattern(2 * 1348, 5);
  const sup = tcpPacket(6, payload, 0x18);
  const l = tcpLayout(sup, 0, sup.length)!;
  const out = new Uint8Array(segmentedSize(l, 1348));
  const lengths: number[] = [];
  segmentTcp(sup, 0, l, 1348, out, 0, lengths);
  assert.deepEqual(lengths, [1420, 1420]);
  for (let k = 0; k < 2; k++) {
    const s = out.subarray(k * 1420, (k + 1) * 1420);
    assert.equal((s[4]! << 8) | s[5]!, 1380, 'IPv6 payload length');
    assert.ok(tcpChecksumOk(s, 6));
    assert.equal(s[53], k === 0 ? 0x10 : 0x18);
  }
});

test('completeChecksum finishes a CHECKSUM_PARTIAL packet; tcpLayout refuses what it cannot split', () => {
  const p = tcpPacket(4, pattern(777), 0x18);
  const tcpTotal = p.length - 20;
  const partial = foldSum(pseudoHeaderSum(p, 0, 4, 6, tcpTotal));
  p[36] = partial >> 8;
  p[37] = partial & 0xff;
  assert.ok(completeChecksum(p, 0, p.length, 20, 16));
  assert.ok(tcpChecksumOk(p, 4));
  assert.equal(completeChecksum(p, 0, p.length, p.length - 10, 16), false);
  const udp = tcpPacket(4, pattern(10), 0x10);
  udp[9] = 17;
  assert.equal(tcpLayout(udp, 0, udp.length), null);
  const frag = tcpPacket(4, pattern(10), 0x10);
  frag[6] = 0x20; // MF
  assert.equal(tcpLayout(frag, 0, frag.length), null);
  assert.equal(tcpLayout(frag, 0, 30), null);
});

/** The bytes of write i of a batch: header fields and the concatenated parts. */
function writes(b: TunWriteBatch): { h: VnetHdr; bytes: Uint8Array }[] {
  const out: { h: VnetHdr; bytes: Uint8Array }[] = [];
  let part = 0;
  for (let i = 0; i < b.n; i++) {
    const h = readVnetHdr(b.hdrs, i * 10, { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 });
    const parts = b.parts.slice(part, part + b.counts[i]!);
    part += b.counts[i]!;
    const bytes = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.length;
    }
    out.push({ h, bytes });
  }
  return out;
}

test('coalescing merges in-order segments of one flow into a GSO super-packet that splits back', () => {
  for (const version of [4, 6] as const) {
    const payload = pattern(3000, version);
    const segs = [0, 1, 2].map((k) =>
      tcpPacket(version, payload.subarray(k * 1000, (k + 1) * 1000), k === 2 ? 0x18 : 0x10, (SEQ0 + k * 1000) >>> 0, 1, 0x1234 + k),
    );
    segs.forEach((s) => assert.ok(tcpChecksumOk(s, version)));
    const b = new TunWriteBatch(1);
    b.coalesce(segs);
    const w = writes(b);
    assert.equal(w.length, 1);
    const { h, bytes } = w[0]!;
    const ipLen = version === 4 ? 20 : 40;
    assert.deepEqual(h, { flags: 1, gsoType: version === 4 ? 1 : 4, hdrLen: ipLen + 32, gsoSize: 1000, csumStart: ipLen, csumOffset: 16 });
    assert.equal(bytes.length, ipLen + 32 + 3000);
    assert.equal(bytes[ipLen + 13], 0x18, 'PSH from the last segment');
    if (version === 4) assert.equal(naiveSum(bytes, 0, 20), 0xffff);
    // The partial checksum completes to a valid one over the whole super-packet.
    const full = bytes.slice();
    assert.ok(completeChecksum(full, 0, full.length, ipLen, 16));
    assert.ok(tcpChecksumOk(full, version));
    // Splitting it again gives back the original segments.
    const l = tcpLayout(bytes, 0, bytes.length)!;
    const out = new Uint8Array(segmentedSize(l, 1000));
    const lengths: number[] = [];
    segmentTcp(bytes, 0, l, 1000, out, 0, lengths);
    let o = 0;
    segs.forEach((s, k) => {
      assert.deepEqual(out.subarray(o, o + lengths[k]!), s, `segment ${k}`);
      o += lengths[k]!;
    });
  }
});

test('coalescing leaves alone what must not merge', () => {
  const a = (k: number, flags = 0x10, len = 1000, src = 1): Uint8Array =>
    tcpPacket(4, pattern(len, k), flags, (SEQ0 + k * 1000) >>> 0, src);
  const udp = a(9);
  udp[9] = 17;
  const cases: [string, Uint8Array[], number[]][] = [
    ['two flows interleaved', [a(0), a(1, 0x10, 1000, 7), a(1)], [1, 1, 1]],
    ['sequence gap', [a(0), a(2)], [1, 1]],
    ['pure ACK and SYN', [a(0, 0x10, 0), a(1, 0x02)], [1, 1]],
    ['not TCP', [udp, a(0)], [1, 1]],
    ['PSH ends a run', [a(0), a(1, 0x18), a(2), a(3)], [3, 3]],
    ['a short segment ends a run', [a(0), a(1, 0x10, 500), a(2)], [3, 1]],
    ['a longer segment does not join', [a(0, 0x10, 500), a(1)], [1, 1]],
  ];
  for (const [what, pkts, counts] of cases) {
    const b = new TunWriteBatch(2);
    b.coalesce(pkts);
    assert.deepEqual([...b.counts.subarray(0, b.n)], counts, what);
    for (const w of writes(b)) if (w.h.gsoType === 0) assert.deepEqual(w.h, { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 });
  }
  // Window change breaks a run too.
  const x = a(0);
  const y = a(1);
  y[35] = 0;
  const b = new TunWriteBatch();
  b.coalesce([x, y]);
  assert.equal(b.n, 2);
});
