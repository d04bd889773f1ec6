// Byte helpers: strict hex/base64 parsing (malformed → null), constant-time
// comparison, concatenation, zero checks and wiping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toHex, fromHex, toBase64, fromBase64, constantTimeEqual, concatBytes, isAllZero, wipe,
} from '../../src/util/bytes.js';

test('hex round trip, lowercase output, either case input', () => {
  const b = Uint8Array.from([0, 1, 0xab, 0xff, 0x10]);
  assert.equal(toHex(b), '0001abff10');
  assert.deepEqual(fromHex('0001ABff10'), b);
  assert.deepEqual(fromHex(''), new Uint8Array(0));
});

test('fromHex rejects malformed input', () => {
  for (const s of ['0', 'abc', 'zz', '0x00', ' 00', '00 ', 'g0', '0-', '１２']) assert.equal(fromHex(s), null, JSON.stringify(s));
  assert.equal(fromHex(undefined as unknown as string), null);
});

test('base64 round trip matches wg key encoding', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  const s = toBase64(key);
  assert.equal(s.length, 44);
  assert.ok(s.endsWith('='));
  assert.deepEqual(fromBase64(s), key);
  assert.equal(toBase64(new Uint8Array(0)), '');
  assert.deepEqual(fromBase64(''), new Uint8Array(0));
  assert.deepEqual(fromBase64('YWJj'), new TextEncoder().encode('abc'));
  assert.deepEqual(fromBase64('YWI='), new TextEncoder().encode('ab'));
  const sub = key.subarray(3, 9);
  assert.deepEqual(fromBase64(toBase64(sub)), sub);
});

test('fromBase64 rejects malformed input', () => {
  const bad = [
    'YWJ', // missing padding
    'YWI', // missing padding
    'YW==J', // data after padding
    'Y===', // too much padding
    'YWJj\n', // whitespace
    ' YWJj',
    'YW I=',
    'YWJ-', // URL-safe alphabet
    'YWJ_',
    'YWJ=', // non-canonical: unused bits set (J = 001001, low 2 bits not zero)
    'YR==', // non-canonical: R has low bits set
    '====',
    'YWJj====',
  ];
  for (const s of bad) assert.equal(fromBase64(s), null, JSON.stringify(s));
  assert.equal(fromBase64(null as unknown as string), null);
});

test('constantTimeEqual', () => {
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 3)), true);
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2, 4)), false);
  assert.equal(constantTimeEqual(Uint8Array.of(1, 2, 3), Uint8Array.of(1, 2)), false);
  assert.equal(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)), true);
});

test('concatBytes, isAllZero, wipe', () => {
  assert.deepEqual(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)), Uint8Array.of(1, 2, 3));
  assert.deepEqual(concatBytes(), new Uint8Array(0));
  assert.equal(isAllZero(new Uint8Array(32)), true);
  const k = new Uint8Array(32);
  k[31] = 1;
  assert.equal(isAllZero(k), false);
  assert.equal(isAllZero(new Uint8Array(0)), true);
  wipe(k);
  assert.equal(isAllZero(k), true);
  wipe(null);
  wipe(undefined);
});
