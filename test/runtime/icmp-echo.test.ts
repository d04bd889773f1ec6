// ICMP echo build/parse for the liveness probe, against packets whose bytes
// and checksums were computed by hand (RFC 791/792, RFC 8200 §8.1, RFC 4443,
// RFC 1071), plus malformed input that must be rejected without throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildEchoRequest, internetChecksum, mayBeIcmp, parseEchoReply } from '../../src/runtime/icmp-echo.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const V4_A = hex('c6130101'); // 198.19.1.1
const V4_B = hex('c6130102'); // 198.19.1.2
const V6_A = hex('20010db8000100000000000000000001'); // 2001:db8:1::1
const V6_B = hex('20010db8000100000000000000000002'); // 2001:db8:1::2

// IPv4 header sum 4500+001c+0001+4001+c613+0101+c613+0102 = 0x21347 → 0x1349 → ~ = 0xecb6.
// ICMP request sum 0800+1234+0001 = 0x1a35 → ~ = 0xe5ca; reply (type 0) 0x1235 → 0xedca.
const V4_REQUEST = hex('4500001c 00010000 4001ecb6 c6130101 c6130102 0800e5ca 12340001');
const V4_REPLY = hex('4500001c 00010000 4001ecb6 c6130102 c6130101 0000edca 12340001');
// Pseudo-header: 2dbb (src) + 2dbc (dst) + 0008 (length) + 003a (next header) = 0x5bb9.
// Request: 5bb9 + 8000+1234+0001 = 0xedee → ~ = 0x1211. Reply (type 129): 0xeeee → 0x1111.
const V6_HEAD = (src: string, dst: string) => `60000000 0008 3a 40 ${src} ${dst}`;
const V6_REQUEST = hex(`${V6_HEAD('20010db8000100000000000000000001', '20010db8000100000000000000000002')} 80001211 12340001`);
const V6_REPLY = hex(`${V6_HEAD('20010db8000100000000000000000002', '20010db8000100000000000000000001')} 81001111 12340001`);

test('internetChecksum: the RFC 1071 §3 example and odd lengths', () => {
  // RFC 1071: 0001 f203 f4f5 f6f7 sums to 0x2ddf0 → folded 0xddf2 → checksum 0x220d.
  assert.equal(internetChecksum(hex('0001f203f4f5f6f7')), 0x220d);
  // An odd final byte is padded on the right: 0x0100 + 0xab00 → ~0xac00.
  assert.equal(internetChecksum(hex('0100ab')), 0x53ff);
  // A buffer holding its own correct checksum sums to zero.
  assert.equal(internetChecksum(V4_REQUEST.subarray(0, 20)), 0);
  assert.equal(internetChecksum(hex('')), 0xffff);
});

test('buildEchoRequest: IPv4 packet byte for byte', () => {
  assert.deepEqual(buildEchoRequest({ src: V4_A, dst: V4_B, id: 0x1234, seq: 1 }), V4_REQUEST);
});

test('buildEchoRequest: IPv6/ICMPv6 packet byte for byte (pseudo-header checksum)', () => {
  assert.deepEqual(buildEchoRequest({ src: V6_A, dst: V6_B, id: 0x1234, seq: 1 }), V6_REQUEST);
});

test('buildEchoRequest: data is carried and lengths/checksums cover it', () => {
  const data = new TextEncoder().encode('tswg-probe!'); // odd length on purpose
  const p4 = buildEchoRequest({ src: V4_A, dst: V4_B, id: 7, seq: 0xffff, data });
  assert.equal(p4.length, 20 + 8 + data.length);
  assert.equal((p4[2]! << 8) | p4[3]!, p4.length);
  assert.equal(internetChecksum(p4.subarray(0, 20)), 0);
  assert.equal(internetChecksum(p4.subarray(20)), 0);
  assert.deepEqual(p4.subarray(28), data);
  const p6 = buildEchoRequest({ src: V6_A, dst: V6_B, id: 7, seq: 2, data });
  assert.equal((p6[4]! << 8) | p6[5]!, 8 + data.length);
  assert.deepEqual(p6.subarray(48), data);
  assert.throws(() => buildEchoRequest({ src: V4_A, dst: V6_B, id: 1, seq: 1 }), RangeError);
});

test('parseEchoReply: hand-built IPv4 and IPv6 replies', () => {
  assert.deepEqual(parseEchoReply(V4_REPLY), { version: 4, src: V4_B, dst: V4_A, id: 0x1234, seq: 1 });
  assert.deepEqual(parseEchoReply(V6_REPLY), { version: 6, src: V6_B, dst: V6_A, id: 0x1234, seq: 1 });
  // Trailing bytes beyond the IP length (TUN padding) are ignored.
  assert.equal(parseEchoReply(Uint8Array.from([...V4_REPLY, 0, 0, 0]))?.seq, 1);
});

test('parseEchoReply: requests, bad checksums, truncation, fragments and other protocols are null', () => {
  assert.equal(parseEchoReply(V4_REQUEST), null, 'echo request is not a reply');
  assert.equal(parseEchoReply(V6_REQUEST), null);
  for (const [pkt, at] of [
    [V4_REPLY, 11], // IPv4 header checksum
    [V4_REPLY, 23], // ICMP checksum
    [V4_REPLY, 27], // data covered by the ICMP checksum
    [V6_REPLY, 43], // ICMPv6 checksum
    [V6_REPLY, 9], // source address: covered by the pseudo-header
  ] as const) {
    const bad = Uint8Array.from(pkt);
    bad[at]! ^= 0x01;
    assert.equal(parseEchoReply(bad), null, `flipped byte ${at}`);
  }
  assert.equal(parseEchoReply(V4_REPLY.subarray(0, 27)), null, 'shorter than its total length');
  assert.equal(parseEchoReply(V6_REPLY.subarray(0, 47)), null);
  const frag = Uint8Array.from(V4_REPLY);
  frag[6] = 0x20; // more fragments (checksum fixed below so only the flag is wrong)
  frag[10] = 0;
  frag[11] = 0;
  const cs = internetChecksum(frag.subarray(0, 20));
  frag[10] = cs >> 8;
  frag[11] = cs & 0xff;
  assert.equal(parseEchoReply(frag), null, 'fragment');
  const udp = Uint8Array.from(V4_REPLY);
  udp[9] = 17;
  assert.equal(parseEchoReply(udp), null);
  assert.equal(mayBeIcmp(udp), false);
  assert.equal(mayBeIcmp(V4_REPLY), true);
  assert.equal(mayBeIcmp(V6_REPLY), true);
  assert.equal(parseEchoReply(new Uint8Array(0)), null);
});

test('parseEchoReply never throws on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), fc.constantFrom(0x45, 0x46, 0x60, 0x00), (body, first) => {
      const pkt = Uint8Array.from([first, ...body]);
      const r = parseEchoReply(pkt);
      if (r !== null) assert.ok(r.version === 4 || r.version === 6);
    }),
    { numRuns: 2000 },
  );
});

test('a built request turned into a reply by swapping addresses parses back', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }), (v6, id, seq, data) => {
      const [src, dst] = v6 ? [V6_A, V6_B] : [V4_A, V4_B];
      const req = buildEchoRequest({ src, dst, id, seq, data });
      const rep = buildEchoRequest({ src: dst, dst: src, id, seq, data });
      const off = v6 ? 40 : 20;
      // Make it a reply and recompute its checksum independently (pseudo-header spelled out for v6).
      rep[off] = v6 ? 129 : 0;
      rep[off + 2] = 0;
      rep[off + 3] = 0;
      const pseudo = v6 ? [...dst, ...src, 0, 0, 0, rep.length - 40, 0, 0, 0, 58] : [];
      const cs = internetChecksum(Uint8Array.from([...pseudo, ...rep.subarray(off)]));
      rep[off + 2] = cs >> 8;
      rep[off + 3] = cs & 0xff;
      assert.equal(parseEchoReply(req), null);
      assert.deepEqual(parseEchoReply(rep), { version: v6 ? 6 : 4, src: dst, dst: src, id, seq });
    }),
    { numRuns: 300 },
  );
});
