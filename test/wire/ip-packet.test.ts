// Tests for src/wire/ip-packet.ts: version, padding-aware length validation
// (checklist §2.4) and address offsets (checklist §8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { destinationAddress, innerPacketLength, ipVersion, sourceAddress } from '../../src/wire/ip-packet.js';

function ipv4(totalLength: number, bufLength = totalLength, ihl = 5): Uint8Array {
  const b = new Uint8Array(bufLength);
  b[0] = 0x40 | ihl;
  b[2] = totalLength >> 8;
  b[3] = totalLength & 0xff;
  b.set([198, 18, 0, 1], 12);
  b.set([198, 19, 0, 2], 16);
  return b;
}

function ipv6(payloadLength: number, bufLength = 40 + payloadLength): Uint8Array {
  const b = new Uint8Array(bufLength);
  b[0] = 0x60;
  b[4] = payloadLength >> 8;
  b[5] = payloadLength & 0xff;
  b.set([0x20, 0x01, 0x0d, 0xb8], 8);
  b[23] = 1;
  b.set([0x20, 0x01, 0x0d, 0xb8], 24);
  b[39] = 2;
  return b;
}

test('ipVersion reads the high nibble', () => {
  assert.equal(ipVersion(ipv4(20)), 4);
  assert.equal(ipVersion(ipv6(0)), 6);
  assert.equal(ipVersion(new Uint8Array(0)), 0);
  assert.equal(ipVersion(Uint8Array.of(0x50)), 0);
  assert.equal(ipVersion(Uint8Array.of(0x00)), 0);
});

test('innerPacketLength: IPv4 total length with padding trimmed', () => {
  assert.equal(innerPacketLength(ipv4(20)), 20);
  assert.equal(innerPacketLength(ipv4(84, 96)), 84); // 12 bytes of padding
  assert.equal(innerPacketLength(ipv4(60, 60, 15)), 60); // max IHL with options
  assert.equal(innerPacketLength(ipv4(97, 96)), -1); // longer than what was decrypted
  assert.equal(innerPacketLength(ipv4(19, 32)), -1); // total < 20
  assert.equal(innerPacketLength(ipv4(0, 32)), -1);
  assert.equal(innerPacketLength(ipv4(40, 40, 4)), -1); // IHL < 5
  assert.equal(innerPacketLength(ipv4(24, 40, 7)), -1); // header longer than total
  assert.equal(innerPacketLength(ipv4(20).subarray(0, 19)), -1); // truncated header
});

test('innerPacketLength: IPv6 payload length + 40', () => {
  assert.equal(innerPacketLength(ipv6(0)), 40);
  assert.equal(innerPacketLength(ipv6(64, 112)), 104);
  assert.equal(innerPacketLength(ipv6(65535, 65575)), 65575);
  assert.equal(innerPacketLength(ipv6(73, 112)), -1);
  assert.equal(innerPacketLength(ipv6(0).subarray(0, 39)), -1);
});

test('innerPacketLength: other versions and empty buffers are malformed', () => {
  assert.equal(innerPacketLength(new Uint8Array(0)), -1);
  const b = ipv4(20);
  b[0] = 0x55;
  assert.equal(innerPacketLength(b), -1);
});

test('source/destination address offsets', () => {
  const v4 = ipv4(20);
  const s4 = sourceAddress(v4)!;
  const d4 = destinationAddress(v4)!;
  assert.deepEqual([s4.offset, s4.length], [12, 4]);
  assert.deepEqual([d4.offset, d4.length], [16, 4]);
  assert.deepEqual(v4.subarray(s4.offset, s4.offset + s4.length), Uint8Array.of(198, 18, 0, 1));
  assert.deepEqual(v4.subarray(d4.offset, d4.offset + d4.length), Uint8Array.of(198, 19, 0, 2));

  const v6 = ipv6(0);
  const s6 = sourceAddress(v6)!;
  const d6 = destinationAddress(v6)!;
  assert.deepEqual([s6.offset, s6.length], [8, 16]);
  assert.deepEqual([d6.offset, d6.length], [24, 16]);
  assert.equal(v6[s6.offset + 15], 1);
  assert.equal(v6[d6.offset + 15], 2);

  assert.equal(sourceAddress(v4.subarray(0, 19)), null);
  assert.equal(destinationAddress(v6.subarray(0, 39)), null);
  assert.equal(sourceAddress(Uint8Array.of(0x10)), null);
  assert.equal(destinationAddress(new Uint8Array(0)), null);
});
