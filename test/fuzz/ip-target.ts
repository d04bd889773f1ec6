// Fuzz target for the inner IP header helpers (src/wire/ip-packet.ts), which
// read decrypted plaintext — attacker-chosen bytes once a peer is
// authenticated. Inputs: arbitrary bytes, and valid IPv4/IPv6 headers
// (RFC 791 §3.1, RFC 8200 §3) with random fields, payload and WireGuard
// padding, then mutated. Checked against a reference reading of the RFC
// headers: never throws, the length is −1 or within [header, buffer], and
// address slices are the RFC offsets and lie inside the buffer.
import fc from 'fast-check';
import { destinationAddress, innerPacketLength, ipVersion, sourceAddress } from '../../src/wire/ip-packet.js';
import { mutationOp } from './mutate.js';
import { runProperty, type FuzzTarget } from './target.js';

/** Reference: what RFC 791 / RFC 8200 say the packet length is, or −1. */
function referenceLength(b: Uint8Array): number {
  if (b.length === 0) return -1;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const v = b[0]! >>> 4;
  if (v === 4) {
    if (b.length < 20) return -1;
    const ihl = (b[0]! & 15) * 4;
    const total = dv.getUint16(2);
    return ihl >= 20 && total >= ihl && total <= b.length ? total : -1;
  }
  if (v === 6) {
    if (b.length < 40) return -1;
    const total = 40 + dv.getUint16(4);
    return total <= b.length ? total : -1;
  }
  return -1;
}

const validPacket = fc
  .record({
    v6: fc.boolean(),
    ihlWords: fc.integer({ min: 5, max: 15 }),
    payload: fc.uint8Array({ maxLength: 80 }),
    padding: fc.integer({ min: 0, max: 15 }),
    fill: fc.uint8Array({ minLength: 40, maxLength: 40 }),
  })
  .map(({ v6, ihlWords, payload, padding, fill }) => {
    const header = v6 ? 40 : ihlWords * 4;
    const len = header + payload.length;
    const b = new Uint8Array(len + padding);
    b.set(fill.subarray(0, Math.min(fill.length, header)));
    b.set(payload, header);
    if (v6) {
      b[0] = 0x60 | (b[0]! & 0x0f);
      b[4] = payload.length >> 8;
      b[5] = payload.length & 0xff;
    } else {
      b[0] = 0x40 | ihlWords;
      b[2] = len >> 8;
      b[3] = len & 0xff;
    }
    return b;
  });

const input = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  validPacket,
  fc.tuple(validPacket, fc.array(mutationOp, { minLength: 1, maxLength: 3 })).map(([b, ops]) => {
    let out: Uint8Array = b.slice(); // never mutate a generated value (shrinking reuses it)
    for (const op of ops) {
      if (out.length === 0) break;
      if (op.op === 'flip') for (const bit of op.bits) out[(bit >> 3) % out.length]! ^= 1 << (bit & 7);
      else if (op.op === 'set') out[op.at % out.length] = op.value;
      else if (op.op === 'truncate') out = out.slice(0, op.keep % (out.length + 1));
      else if (op.op === 'extend') out = Uint8Array.from([...out, ...op.tail]);
      else if (op.op === 'type') out[0] = op.value;
    }
    return out;
  }),
);

export function checkIpHelpers(b: Uint8Array): void {
  const v = ipVersion(b);
  const want = b.length === 0 ? 0 : b[0]! >>> 4 === 4 ? 4 : b[0]! >>> 4 === 6 ? 6 : 0;
  if (v !== want) throw new Error(`ipVersion ${v}, expected ${want}`);
  const len = innerPacketLength(b);
  const ref = referenceLength(b);
  if (len !== ref) throw new Error(`innerPacketLength ${len}, reference ${ref}`);
  for (const [name, f, v4off, v6off] of [
    ['source', sourceAddress, 12, 8],
    ['destination', destinationAddress, 16, 24],
  ] as const) {
    const s = f(b);
    const headerLen = v === 4 ? 20 : v === 6 ? 40 : Infinity;
    if (b.length < headerLen) {
      if (s !== null) throw new Error(`${name}Address on a short/non-IP buffer: ${JSON.stringify(s)}`);
      continue;
    }
    const expected = v === 4 ? { offset: v4off, length: 4 } : { offset: v6off, length: 16 };
    if (s === null || s.offset !== expected.offset || s.length !== expected.length || s.offset + s.length > b.length) {
      throw new Error(`${name}Address ${JSON.stringify(s)}, expected ${JSON.stringify(expected)}`);
    }
  }
}

export const IP_TARGET: FuzzTarget = {
  name: 'ip-header',
  kind: 'parser',
  description: 'ipVersion / innerPacketLength / sourceAddress / destinationAddress against an RFC reference',
  run: (opts) => runProperty(fc.property(input, checkIpHelpers), opts),
};
