// Tests for src/util/ip.ts: strict parsing, RFC 5952 canonical output, prefix
// masking, endpoint text and the cookie endpoint key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalAddress,
  endpointKey,
  formatIp,
  formatPrefix,
  isIpv4Mapped,
  maskIp,
  parseEndpoint,
  parseIp,
  parsePrefix,
  unmapIp,
} from '../../src/util/ip.js';
import { SeededRandom } from '../helpers/seeded-random.js';

test('parseIp: IPv4 dotted quads', () => {
  assert.deepEqual(parseIp('192.0.2.1'), Uint8Array.of(192, 0, 2, 1));
  assert.deepEqual(parseIp('0.0.0.0'), Uint8Array.of(0, 0, 0, 0));
  assert.deepEqual(parseIp('255.255.255.255'), Uint8Array.of(255, 255, 255, 255));
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.04', '01.2.3.4', '1.2.3.-4', '1.2.3.4 ', ' 1.2.3.4', '1..3.4', '1.2.3.', 'a.b.c.d', '1.2.3.4/32', '1234.1.1.1', '+1.2.3.4']) {
    assert.equal(parseIp(bad), null, `should reject ${JSON.stringify(bad)}`);
  }
});

test('parseIp: IPv6 forms', () => {
  const full = parseIp('2001:0db8:0000:0000:0000:ff00:0042:8329');
  assert.deepEqual(full, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29));
  assert.deepEqual(parseIp('2001:db8::ff00:42:8329'), full);
  assert.deepEqual(parseIp('2001:DB8::FF00:42:8329'), full);
  assert.deepEqual(parseIp('::'), new Uint8Array(16));
  const one = new Uint8Array(16);
  one[15] = 1;
  assert.deepEqual(parseIp('::1'), one);
  const mapped = parseIp('::ffff:198.18.0.1');
  assert.deepEqual(mapped, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 1));
  assert.deepEqual(parseIp('0:0:0:0:0:ffff:198.18.0.1'), mapped);
  assert.deepEqual(parseIp('::ffff:c612:1'), mapped);
  for (const bad of [
    ':',
    ':::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8', // "::" must stand for at least one group
    '1::2::3',
    '12345::',
    'g::',
    ':1::',
    '1::2:',
    'fe80::1%eth0',
    '::1.2.3.4:5',
    '::ffff:1.2.3',
    '::ffff:1.2.3.256',
    '[::1]',
    '1:2:3:4:5:6:7:1.2.3.4',
  ]) {
    assert.equal(parseIp(bad), null, `should reject ${JSON.stringify(bad)}`);
  }
});

test('formatIp: RFC 5952 canonical text', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs (§4.2.3)
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed (§4.2.2)
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // the longest run wins (§4.2.3)
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['FE80::ABCD', 'fe80::abcd'], // lowercase (§4.3)
    ['::ffff:c000:0201', '::ffff:192.0.2.1'], // IPv4-mapped (§5)
    ['2001:db8::', '2001:db8::'],
  ];
  for (const [input, want] of cases) {
    assert.equal(canonicalAddress(input), want, input);
  }
  assert.equal(canonicalAddress('198.18.0.1'), '198.18.0.1');
  assert.equal(canonicalAddress('nope'), null);
  assert.throws(() => formatIp(new Uint8Array(5)), RangeError);
});

test('formatIp/parseIp round-trip random addresses', () => {
  const rng = new SeededRandom(7);
  for (let i = 0; i < 2000; i++) {
    const ip = rng.fill(new Uint8Array(i % 2 === 0 ? 4 : 16));
    // Make zero runs common so compression paths are exercised.
    if (ip.length === 16) for (let g = 0; g < 8; g++) if (rng.nextU32() % 2 === 0) ip[2 * g] = ip[2 * g + 1] = 0;
    const text = formatIp(ip);
    assert.deepEqual(parseIp(text), ip, text);
    assert.equal(canonicalAddress(text), text);
    assert.ok(!/[A-F]/.test(text));
    assert.ok(!text.includes(':::'));
  }
});

test('mapped helpers', () => {
  const mapped = parseIp('::ffff:1.2.3.4')!;
  assert.equal(isIpv4Mapped(mapped), true);
  assert.deepEqual(unmapIp(mapped), Uint8Array.of(1, 2, 3, 4));
  const plain = parseIp('2001:db8::1')!;
  assert.equal(isIpv4Mapped(plain), false);
  assert.equal(unmapIp(plain), plain);
  assert.equal(isIpv4Mapped(Uint8Array.of(1, 2, 3, 4)), false);
});

test('parsePrefix masks host bits; formatPrefix prints the masked form', () => {
  assert.deepEqual(parsePrefix('10.1.2.3/8'), { ip: Uint8Array.of(10, 0, 0, 0), cidr: 8 });
  assert.deepEqual(parsePrefix('198.18.255.255/15'), { ip: Uint8Array.of(198, 18, 0, 0), cidr: 15 });
  assert.deepEqual(parsePrefix('1.2.3.4'), { ip: Uint8Array.of(1, 2, 3, 4), cidr: 32 });
  assert.deepEqual(parsePrefix('0.0.0.0/0'), { ip: new Uint8Array(4), cidr: 0 });
  assert.deepEqual(parsePrefix('1.2.3.4/0'), { ip: new Uint8Array(4), cidr: 0 });
  assert.equal(formatPrefix(parsePrefix('2001:db8:ffff::1/33')!), '2001:db8:8000::/33');
  assert.equal(formatPrefix(parsePrefix('2001:db8::1')!), '2001:db8::1/128');
  assert.equal(formatPrefix(parsePrefix('::/0')!), '::/0');
  assert.equal(formatPrefix({ ip: Uint8Array.of(10, 9, 8, 7), cidr: 24 }), '10.9.8.0/24');
  for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/08', '10.0.0.0/-1', '/8', '10.0.0.0/8/8', '10.0.0.0/ 8', 'x/8']) {
    assert.equal(parsePrefix(bad), null, `should reject ${JSON.stringify(bad)}`);
  }
});

test('maskIp clears exactly the bits past cidr', () => {
  const all = new Uint8Array(16).fill(0xff);
  for (let cidr = 0; cidr <= 128; cidr++) {
    const m = maskIp(all, cidr);
    let ones = 0;
    for (const b of m) for (let k = 7; k >= 0; k--) ones += (b >> k) & 1;
    assert.equal(ones, cidr);
    // the set bits are the leading ones
    if (cidr > 0) assert.equal((m[(cidr - 1) >> 3]! >> (7 - ((cidr - 1) & 7))) & 1, 1);
  }
});

test('parseEndpoint: numeric forms only, port 1..65535, canonical address', () => {
  assert.deepEqual(parseEndpoint('198.18.0.1:51820'), { address: '198.18.0.1', port: 51820 });
  assert.deepEqual(parseEndpoint('[2001:DB8:0::1]:1'), { address: '2001:db8::1', port: 1 });
  assert.deepEqual(parseEndpoint('[::ffff:1.2.3.4]:65535'), { address: '::ffff:1.2.3.4', port: 65535 });
  for (const bad of [
    '198.18.0.1',
    '198.18.0.1:0',
    '198.18.0.1:65536',
    '198.18.0.1:051820',
    '198.18.0.1:',
    '198.18.0.1:x',
    '2001:db8::1:51820', // IPv6 needs brackets
    '[2001:db8::1]51820',
    '[2001:db8::1]:',
    '[198.18.0.1]:1',
    '[fe80::1%eth0]:1',
    'example.com:51820',
    ':51820',
    '',
  ]) {
    assert.equal(parseEndpoint(bad), null, `should reject ${JSON.stringify(bad)}`);
  }
});

test('endpointKey: IP bytes then big-endian port; mapped IPv4 keyed as IPv4', () => {
  assert.deepEqual(endpointKey({ address: '198.18.0.1', port: 0x1234 }), Uint8Array.of(198, 18, 0, 1, 0x12, 0x34));
  const k6 = endpointKey({ address: '2001:db8::1', port: 51820 });
  assert.equal(k6.length, 18);
  assert.deepEqual(k6.subarray(0, 16), parseIp('2001:db8::1'));
  assert.equal((k6[16]! << 8) | k6[17]!, 51820);
  assert.deepEqual(endpointKey({ address: '::ffff:198.18.0.1', port: 9 }), endpointKey({ address: '198.18.0.1', port: 9 }));
  assert.notDeepEqual(endpointKey({ address: '198.18.0.1', port: 9 }), endpointKey({ address: '198.18.0.1', port: 10 }));
  assert.notDeepEqual(endpointKey({ address: '198.18.0.1', port: 9 }), endpointKey({ address: '198.18.0.2', port: 9 }));
});
