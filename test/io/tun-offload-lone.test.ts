// The offload TUN's lone-packet paths (io/tun-offload.ts): a read batch of
// one plain packet is handed on as a view behind its virtio header, while
// one that needs GSO splitting or checksum completion still takes the full
// decoder; a lone packet is written behind an empty header, and a refused
// write is reported. No root: the decoder is pure and the writes go to a
// recording stand-in for the addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TunOffload } from '../../src/io/tun-offload.js';
import type { NativeAddon } from '../../src/io/native.js';
import { VNET_F_NEEDS_CSUM, VNET_GSO_TCPV4, VNET_HDR_LEN, writeVnetHdr } from '../../src/wire/virtio-net-hdr.js';
import { completeChecksum } from '../../src/wire/tcp-segment.js';
import { ipv4Packet } from '../helpers/memory-net.js';

interface WriteCall {
  hdr: number[];
  counts: number[];
  parts: Uint8Array[];
  first: number;
  n: number;
  partStart: number;
}

/** A stand-in for the addon that records writeTunVnet calls and answers `result`. */
function recorder(result: number): { native: NativeAddon; calls: WriteCall[] } {
  const calls: WriteCall[] = [];
  const native = {
    writeTunVnet(_fd: number, hdrs: Uint8Array, counts: Uint32Array, parts: readonly Uint8Array[], first: number, n: number, partStart: number): number {
      calls.push({ hdr: [...hdrs.subarray(0, VNET_HDR_LEN)], counts: [...counts.subarray(0, n)], parts: [...parts], first, n, partStart });
      return result;
    },
  } as unknown as NativeAddon;
  return { native, calls };
}

/** An IPv4 packet of `proto` with `payload` bytes after a 20-byte IP and 20-byte L4 header. */
function ipv4(proto: number, payload: number): Uint8Array {
  const l4 = new Uint8Array(20 + payload);
  if (proto === 6) l4[12] = 0x50; // TCP data offset: 5 words
  for (let i = 20; i < l4.length; i++) l4[i] = (i + 20) & 0xff;
  const p = ipv4Packet('198.19.1.1', '198.19.1.2', l4);
  p[9] = proto;
  return p;
}

/** One reader batch: each packet behind its virtio header, in a buffer with a non-zero offset. */
function batch(reads: Array<{ packet: Uint8Array; flags?: number; gsoType?: number; gsoSize?: number; csumStart?: number; csumOffset?: number }>): {
  buf: Uint8Array;
  lengths: Uint32Array;
} {
  const total = reads.reduce((a, r) => a + VNET_HDR_LEN + r.packet.length, 0);
  const backing = new Uint8Array(total + 8);
  const buf = backing.subarray(8);
  const lengths = new Uint32Array(reads.length);
  let off = 0;
  reads.forEach((r, i) => {
    writeVnetHdr(buf, off, {
      flags: r.flags ?? 0,
      gsoType: r.gsoType ?? 0,
      hdrLen: r.gsoType ? 40 : 0,
      gsoSize: r.gsoSize ?? 0,
      csumStart: r.csumStart ?? 0,
      csumOffset: r.csumOffset ?? 0,
    });
    buf.set(r.packet, off + VNET_HDR_LEN);
    lengths[i] = VNET_HDR_LEN + r.packet.length;
    off += lengths[i]!;
  });
  return { buf, lengths };
}

test('a lone plain packet is handed on as a view behind its header, bytes intact', () => {
  const packet = ipv4(1, 44); // an 84-byte ping
  const { buf, lengths } = batch([{ packet }]);
  const d = new TunOffload(recorder(1).native, 3).decode(buf, lengths, 1);
  assert.equal(d.count, 1);
  assert.equal(d.lengths[0], packet.length);
  assert.deepEqual(new Uint8Array(d.buffer), packet);
  // No copy: the packet is the reader's own bytes, just past the header.
  assert.equal(d.buffer.buffer, buf.buffer);
  assert.equal(d.buffer.byteOffset, buf.byteOffset + VNET_HDR_LEN);
});

test('a lone packet whose checksum the kernel left to us still gets it completed', () => {
  const packet = ipv4(17, 30); // UDP, checksum at 20 + 6
  const { buf, lengths } = batch([{ packet, flags: VNET_F_NEEDS_CSUM, csumStart: 20, csumOffset: 6 }]);
  const d = new TunOffload(recorder(1).native, 3).decode(buf, lengths, 1);
  const expected = packet.slice();
  assert.ok(completeChecksum(expected, 0, expected.length, 20, 6));
  assert.notDeepEqual(expected, packet, 'the completed checksum differs from the partial one');
  assert.equal(d.count, 1);
  assert.deepEqual(new Uint8Array(d.buffer.subarray(0, d.lengths[0])), expected);
  assert.notEqual(d.buffer.buffer, buf.buffer, 'completed in a copy, not in the reader buffer');
});

for (const flags of [VNET_F_NEEDS_CSUM, 0]) {
  test(`a lone TCP super-packet is still split into segments (header flags ${flags})`, () => {
    const packet = ipv4(6, 3000);
    const { buf, lengths } = batch([{ packet, flags, gsoType: VNET_GSO_TCPV4, gsoSize: 1000, csumStart: 20, csumOffset: 16 }]);
    const off = new TunOffload(recorder(1).native, 3);
    const d = off.decode(buf, lengths, 1);
    assert.equal(d.count, 3);
    assert.deepEqual([...d.lengths.subarray(0, 3)], [1040, 1040, 1040]);
    assert.equal(off.superPackets, 1);
    assert.equal(off.segments, 3);
  });
}

test('two plain packets in one batch come back packed, as before', () => {
  const a = ipv4(1, 44);
  const b = ipv4(17, 100);
  const { buf, lengths } = batch([{ packet: a }, { packet: b }]);
  const d = new TunOffload(recorder(1).native, 3).decode(buf, lengths, 2);
  assert.equal(d.count, 2);
  assert.deepEqual([...d.lengths.subarray(0, 2)], [a.length, b.length]);
  assert.deepEqual(new Uint8Array(d.buffer.subarray(0, a.length)), a);
  assert.deepEqual(new Uint8Array(d.buffer.subarray(a.length, a.length + b.length)), b);
});

test('a lone packet is written in one call behind an empty header', () => {
  const { native, calls } = recorder(1);
  const packet = ipv4(1, 44);
  const refused: Array<[number, number]> = [];
  const n = new TunOffload(native, 3).write([packet], (e, k) => refused.push([e, k]));
  assert.equal(n, 1);
  assert.deepEqual(refused, []);
  assert.equal(calls.length, 1);
  const c = calls[0]!;
  assert.deepEqual(c.hdr, new Array(VNET_HDR_LEN).fill(0));
  assert.deepEqual(c.counts, [1]);
  assert.equal(c.parts.length, 1);
  assert.equal(c.parts[0], packet);
  assert.deepEqual([c.first, c.n, c.partStart], [0, 1, 0]);
});

test('a refused lone write is reported with its errno and counts nothing written', () => {
  const { native } = recorder(-11); // EAGAIN: the TUN queue is full
  const refused: Array<[number, number]> = [];
  const n = new TunOffload(native, 3).write([ipv4(1, 44)], (e, k) => refused.push([e, k]));
  assert.equal(n, 0);
  assert.deepEqual(refused, [[11, 1]]);
});
