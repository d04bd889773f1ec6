// Message codecs (whitepaper §5.4; checklist §2): (type, length) classification,
// reserved bytes, exact lengths, field offsets and zero-copy views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classify,
  macOffsets,
  parseCookieReply,
  parseInitiation,
  parseResponse,
  parseTransport,
  readU32LE,
  readU64LE,
  writeHeader,
  writeTransportHeader,
  writeU32LE,
  writeU64LE,
  INITIATION_MAC1_OFFSET,
  INITIATION_MAC2_OFFSET,
  RESPONSE_MAC1_OFFSET,
  RESPONSE_MAC2_OFFSET,
} from '../../src/wire/messages.js';
import {
  COOKIE_REPLY_SIZE,
  INITIATION_SIZE,
  RESPONSE_SIZE,
  TRANSPORT_MIN_SIZE,
  REJECT_AFTER_MESSAGES,
  REKEY_AFTER_MESSAGES,
  CONSTRUCTION,
  IDENTIFIER,
  LABEL_MAC1,
  LABEL_COOKIE,
} from '../../src/wire/constants.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rng = new SeededRandom(17);

function make(type: number, len: number): Uint8Array {
  const m = rng.fill(new Uint8Array(len));
  m[0] = type;
  m[1] = 0;
  m[2] = 0;
  m[3] = 0;
  return m;
}

const SIZES: [1 | 2 | 3 | 4, number][] = [
  [1, INITIATION_SIZE],
  [2, RESPONSE_SIZE],
  [3, COOKIE_REPLY_SIZE],
  [4, TRANSPORT_MIN_SIZE],
];

test('constants match the protocol', () => {
  assert.deepEqual([INITIATION_SIZE, RESPONSE_SIZE, COOKIE_REPLY_SIZE, TRANSPORT_MIN_SIZE], [148, 92, 64, 32]);
  assert.equal(REKEY_AFTER_MESSAGES, 2n ** 60n);
  assert.equal(REJECT_AFTER_MESSAGES, 2n ** 64n - 2n ** 13n - 1n);
  assert.equal(new TextDecoder().decode(CONSTRUCTION), 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
  assert.equal(new TextDecoder().decode(IDENTIFIER), 'WireGuard v1 zx2c4 Jason@zx2c4.com');
  assert.equal(new TextDecoder().decode(LABEL_MAC1), 'mac1----');
  assert.equal(new TextDecoder().decode(LABEL_COOKIE), 'cookie--');
  assert.deepEqual(macOffsets(1), { mac1: 116, mac2: 132 });
  assert.deepEqual(macOffsets(2), { mac1: 60, mac2: 76 });
  assert.equal(macOffsets(3), null);
  assert.equal(macOffsets(4), null);
});

test('classify accepts exact sizes and rejects every other length', () => {
  for (const [type, size] of SIZES) {
    assert.equal(classify(make(type, size)), type);
    for (let len = 0; len <= 200; len++) {
      const expected = len === size || (type === 4 && len > size) ? type : 0;
      assert.equal(classify(make(type, len).subarray(0, len)), expected, `type ${type} length ${len}`);
    }
  }
  assert.equal(classify(make(4, 65535)), 4);
});

test('classify rejects unknown types and any non-zero reserved byte', () => {
  for (const t of [0, 5, 6, 0x81, 0xff]) assert.equal(classify(make(t, 148)), 0);
  for (const [type, size] of SIZES) {
    for (let i = 1; i <= 3; i++) {
      for (const v of [1, 0x80, 0xff]) {
        const m = make(type, size);
        m[i] = v;
        assert.equal(classify(m), 0, `type ${type} reserved byte ${i} = ${v}`);
      }
    }
  }
});

test('views alias the input buffer at the right offsets', () => {
  const init = make(1, 148);
  writeU32LE(init, 4, 0xdeadbeef);
  const v = parseInitiation(init)!;
  assert.equal(v.senderIndex, 0xdeadbeef);
  assert.equal(v.ephemeral.byteOffset, init.byteOffset + 8);
  assert.equal(v.ephemeral.length, 32);
  assert.equal(v.encryptedStatic.length, 48);
  assert.equal(v.encryptedTimestamp.length, 28);
  assert.equal(v.mac1.byteOffset - init.byteOffset, INITIATION_MAC1_OFFSET);
  assert.equal(v.mac2.byteOffset - init.byteOffset, INITIATION_MAC2_OFFSET);
  assert.equal(v.mac2.length, 16);
  init[8] = init[8]! ^ 1;
  assert.equal(v.ephemeral[0], init[8], 'no copy');
  assert.equal(parseInitiation(make(2, 148)), null);

  const resp = make(2, 92);
  writeU32LE(resp, 4, 1);
  writeU32LE(resp, 8, 0xffffffff);
  const r = parseResponse(resp)!;
  assert.equal(r.senderIndex, 1);
  assert.equal(r.receiverIndex, 0xffffffff);
  assert.equal(r.ephemeral.byteOffset - resp.byteOffset, 12);
  assert.equal(r.encryptedNothing.length, 16);
  assert.equal(r.mac1.byteOffset - resp.byteOffset, RESPONSE_MAC1_OFFSET);
  assert.equal(r.mac2.byteOffset - resp.byteOffset, RESPONSE_MAC2_OFFSET);
  assert.equal(parseResponse(resp.subarray(0, 91)), null);

  const cookie = make(3, 64);
  writeU32LE(cookie, 4, 1377);
  const c = parseCookieReply(cookie)!;
  assert.equal(c.receiverIndex, 1377);
  assert.equal(c.nonce.length, 24);
  assert.equal(c.encryptedCookie.length, 32);
  assert.equal(parseCookieReply(make(3, 65)), null);
});

test('transport header round trip, including 64-bit counters', () => {
  for (const counter of [0n, 1n, 0xffffffffn, 0x100000000n, REJECT_AFTER_MESSAGES, 2n ** 64n - 1n]) {
    const buf = new Uint8Array(40);
    writeTransportHeader(buf, 0x01020304, counter);
    assert.deepEqual(buf.subarray(0, 8), Uint8Array.of(4, 0, 0, 0, 4, 3, 2, 1));
    const t = parseTransport(buf)!;
    assert.equal(t.receiverIndex, 0x01020304);
    assert.equal(t.counter, counter);
    assert.equal(t.content.length, 24);
    assert.equal(t.content.byteOffset, buf.byteOffset + 16);
  }
  assert.equal(parseTransport(new Uint8Array(31)), null);
  const b = new Uint8Array(8);
  writeU64LE(b, 0, 0x0807060504030201n);
  assert.deepEqual(b, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  assert.equal(readU64LE(b, 0), 0x0807060504030201n);
  writeU32LE(b, 0, 0x80000001);
  assert.equal(readU32LE(b, 0), 0x80000001);
  const h = new Uint8Array(4).fill(9);
  writeHeader(h, 2);
  assert.deepEqual(h, Uint8Array.of(2, 0, 0, 0));
});
