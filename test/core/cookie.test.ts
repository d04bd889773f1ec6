// mac1/mac2 and cookie replies (whitepaper §5.4.4, §5.4.7), following the
// facts checked by wireguard-go's device/cookie_test.go, plus secret rotation
// and cookie ageing under a FakeClock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nobleProvider as p } from '../../src/crypto/noble.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { hash, mac } from '../../src/crypto/kdf.js';
import { CookieChecker, CookieGenerator } from '../../src/core/cookie.js';
import type { Endpoint } from '../../src/core/endpoint.js';
import { classify, readU32LE, writeU32LE } from '../../src/wire/messages.js';
import { LABEL_MAC1 } from '../../src/wire/constants.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const SRC: Endpoint = { address: '192.168.13.37', port: 2570 };
const BAD_PORT: Endpoint = { address: '192.168.13.37', port: 10241 };
const BAD_IP: Endpoint = { address: '192.168.13.38', port: 2570 };

function message(rng: SeededRandom, type: 1 | 2, sender: number): Uint8Array {
  const m = rng.fill(new Uint8Array(type === 1 ? 148 : 92));
  writeU32LE(m, 0, type);
  writeU32LE(m, 4, sender);
  return m;
}

function setup(seed = 1) {
  const rng = new SeededRandom(seed);
  const clock = new FakeClock();
  const pk = publicKeyOf(p, generatePrivateKey(rng));
  const checker = new CookieChecker(p, clock, rng);
  checker.setLocalPublicKey(pk);
  const generator = new CookieGenerator(p, clock, pk);
  return { rng, clock, pk, checker, generator };
}

test('mac1 verifies; without a cookie mac2 does not', () => {
  const { rng, pk, checker, generator } = setup();
  for (const type of [1, 2] as const) {
    const msg = message(rng, type, 7);
    generator.addMacs(msg);
    const mac1At = type === 1 ? 116 : 60;
    // mac1 = MAC(HASH(LABEL_MAC1 ‖ pk), bytes before mac1); mac2 left zero.
    assert.deepEqual(msg.subarray(mac1At, mac1At + 16), mac(p, hash(p, LABEL_MAC1, pk), msg.subarray(0, mac1At)));
    assert.deepEqual(msg.subarray(mac1At + 16), new Uint8Array(16));
    assert.equal(checker.checkMac1(msg), true);
    assert.equal(checker.checkMac2(msg, SRC), false);
  }
  // A checker with another key, or none, rejects.
  const other = new CookieChecker(p, new FakeClock(), rng);
  other.setLocalPublicKey(publicKeyOf(p, generatePrivateKey(rng)));
  const msg = message(rng, 1, 9);
  generator.addMacs(msg);
  assert.equal(other.checkMac1(msg), false);
  other.setLocalPublicKey(null);
  assert.equal(other.checkMac1(msg), false);
  // Not a handshake message (wrong length / type): false, no throw.
  assert.equal(checker.checkMac1(msg.subarray(0, 147)), false);
  const transport = new Uint8Array(148);
  transport[0] = 4;
  assert.equal(checker.checkMac1(transport), false);
  assert.equal(checker.checkMac2(transport, SRC), false);
});

test('cookie reply to receiver 1377 is consumed, then mac2 verifies; tampering and other sources fail', () => {
  const { rng, checker, generator } = setup(2);
  const trigger = message(rng, 1, 1377);
  generator.addMacs(trigger);
  const reply = checker.createReply(trigger, SRC);
  assert.equal(reply.length, 64);
  assert.equal(classify(reply), 3);
  assert.equal(readU32LE(reply, 4), 1377);
  assert.equal(generator.consumeReply(reply), true);
  assert.equal(generator.consumeReply(reply), false, 'only one reply per sent mac1');

  for (const type of [1, 2] as const) {
    const msg = message(rng, type, 42);
    generator.addMacs(msg);
    assert.equal(checker.checkMac1(msg), true);
    assert.equal(checker.checkMac2(msg, SRC), true);
    msg[5]! ^= 0x20;
    assert.equal(checker.checkMac1(msg), false);
    assert.equal(checker.checkMac2(msg, SRC), false);
    msg[5]! ^= 0x20;
    assert.equal(checker.checkMac2(msg, BAD_PORT), false);
    assert.equal(checker.checkMac2(msg, BAD_IP), false);
    assert.equal(checker.checkMac2(msg, { address: '2001:db8::1', port: 2570 }), false);
  }
});

test('consumeReply rejects tampered replies, replies to another mac1, and garbage', () => {
  const { rng, checker, generator } = setup(3);
  const first = message(rng, 1, 5);
  generator.addMacs(first);
  const reply = checker.createReply(first, SRC);
  for (const i of [4, 8, 31, 32, 63]) {
    const bad = reply.slice();
    bad[i]! ^= 1;
    // Byte 4 is the receiver index: not authenticated, the caller routes by it; the box still opens.
    assert.equal(generator.consumeReply(bad), i === 4, `reply byte ${i}`);
    if (i === 4) {
      generator.addMacs(first); // re-arm the remembered mac1
    }
  }
  // After sending another message, the reply to the first no longer opens (AAD = last mac1).
  const second = message(rng, 2, 6);
  generator.addMacs(second);
  assert.equal(generator.consumeReply(reply), false);
  assert.equal(generator.consumeReply(reply.subarray(0, 63)), false);
  assert.equal(generator.consumeReply(new Uint8Array(64)), false);
  // A generator that never sent anything ignores replies.
  assert.equal(new CookieGenerator(p, new FakeClock(), new Uint8Array(32).fill(9)).consumeReply(reply), false);
  assert.throws(() => checker.createReply(new Uint8Array(32), SRC), RangeError);
});

test('cookie secret rotates after 120 s and invalidates old mac2', () => {
  const { rng, clock, checker, generator } = setup(4);
  const trigger = message(rng, 1, 1);
  generator.addMacs(trigger);
  assert.ok(generator.consumeReply(checker.createReply(trigger, SRC)));
  const msg = message(rng, 1, 2);
  generator.addMacs(msg);
  assert.equal(checker.checkMac2(msg, SRC), true);

  // Within 120 s a new reply reuses the same secret: old mac2 still valid.
  clock.advance(60_000);
  checker.createReply(message(rng, 1, 3), SRC);
  assert.equal(checker.checkMac2(msg, SRC), true);
  clock.advance(60_000);
  assert.equal(checker.checkMac2(msg, SRC), true, 'exactly 120 s old is still valid');
  clock.advance(1);
  assert.equal(checker.checkMac2(msg, SRC), false, 'secret older than 120 s');
  // Creating a reply now rotates the secret; the old mac2 stays invalid.
  checker.createReply(message(rng, 1, 4), SRC);
  assert.equal(checker.checkMac2(msg, SRC), false);
});

test('a received cookie is used only while younger than 115 s', () => {
  const { rng, clock, checker, generator } = setup(5);
  const trigger = message(rng, 2, 10);
  generator.addMacs(trigger);
  assert.ok(generator.consumeReply(checker.createReply(trigger, SRC)));
  clock.advance(114_999);
  const young = message(rng, 1, 11);
  generator.addMacs(young);
  assert.notDeepEqual(young.subarray(132), new Uint8Array(16));
  assert.equal(checker.checkMac2(young, SRC), true);
  clock.advance(1);
  const old = message(rng, 1, 12);
  generator.addMacs(old);
  assert.deepEqual(old.subarray(132), new Uint8Array(16));
  assert.equal(checker.checkMac1(old), true);
});
