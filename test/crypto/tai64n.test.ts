// TAI64N timestamps (whitepaper §5.1): big-endian 2^62+10+secs ‖ nanoseconds,
// whitened to 2^24 ns like wireguard-go tai64n/tai64n.go, and the monotonic
// comparison facts from wireguard-go tai64n/tai64n_test.go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tai64n, compareTai64n } from '../../src/crypto/tai64n.js';
import { toHex } from '../../src/util/bytes.js';

test('layout: 12 bytes, big-endian seconds with base 0x400000000000000a, then nanoseconds', () => {
  assert.equal(toHex(tai64n(0)), '400000000000000a' + '00000000');
  // 2026-01-01T00:00:00Z = 1767225600 s = 0x6955b900
  const t = tai64n(Date.UTC(2026, 0, 1));
  assert.equal(t.length, 12);
  assert.equal(toHex(t), '40000000' + (0x6955b900 + 10).toString(16).padStart(8, '0') + '00000000');
  // 0.5 s = 500000000 ns = 0x1dcd6500, whitened (low 24 bits cleared) = 0x1d000000
  assert.equal(toHex(tai64n(1500)).slice(16), '1d000000');
  assert.equal(toHex(tai64n(1500)).slice(0, 16), '400000000000000b');
});

test('nanoseconds are whitened to multiples of 2^24 ns', () => {
  for (const ms of [0.001, 16.7, 16.78, 123.456789, 999.999]) {
    const ns = new DataView(tai64n(ms).buffer).getUint32(8, false);
    assert.equal(ns % 0x1000000, 0, `ms=${ms}`);
    assert.ok(ns <= ms * 1e6);
  }
});

// wireguard-go TestMonotonic: start = Unix(0, 123456789 ns).
test('whitening: 10 ns, 10 µs, 1 ms, 10 ms later do not compare greater; 20 ms later does', () => {
  const startMs = 123.456789;
  const start = tai64n(startMs);
  for (const [label, deltaMs] of [['10 ns', 1e-5], ['10 µs', 0.01], ['1 ms', 1], ['10 ms', 10]] as const) {
    assert.ok(!(compareTai64n(tai64n(startMs + deltaMs), start) > 0), `${label} later must not be greater`);
  }
  assert.ok(compareTai64n(tai64n(startMs + 20), start) > 0, '20 ms later is greater');
});

test('compareTai64n orders by seconds first, then nanoseconds, bytewise', () => {
  const a = tai64n(1000);
  const b = tai64n(1900);
  const c = tai64n(2000);
  assert.ok(compareTai64n(a, b) < 0);
  assert.ok(compareTai64n(b, c) < 0);
  assert.ok(compareTai64n(c, a) > 0);
  assert.equal(compareTai64n(a, tai64n(1000)), 0);
  // big-endian matters: a later second with smaller nanoseconds is still greater
  assert.ok(compareTai64n(tai64n(2000), tai64n(1999.9)) > 0);
});
