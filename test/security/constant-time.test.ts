// MACs, tags and keys compared in constant time (issue 6 "Security").
// Behavioural part: constantTimeEqual reads every byte whatever the position
// of the first difference (counted through a Proxy, no timing involved), and
// mac1/mac2 checks reject a difference in any byte. Static part: the code
// paths that compare secrets or authenticators use constantTimeEqual (or a
// library's constant-time compare for AEAD tags), never an early-exit
// comparison. No timing is measured anywhere (design.md "Tests").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { constantTimeEqual } from '../../src/util/bytes.js';
import { CookieChecker, CookieGenerator } from '../../src/core/cookie.js';
import { MemoryNet } from '../helpers/memory-net.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { INITIATION_MAC1_OFFSET, INITIATION_MAC2_OFFSET } from '../../src/wire/messages.js';
import { INITIATION_SIZE } from '../../src/wire/constants.js';

const SRC = new URL('../../../src/', import.meta.url);
const source = (rel: string): string => readFileSync(new URL(rel, SRC), 'utf8');

/** A view of `bytes` that counts indexed reads. */
function counting(bytes: Uint8Array, counter: { reads: number }): Uint8Array {
  return new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) counter.reads++;
      const v: unknown = Reflect.get(target, key);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** The body of `name(...) {...}` in `text` (brace matching; enough for our own sources). */
function functionBody(text: string, name: string): string {
  const start = text.search(new RegExp(`\\n\\s*(?:export\\s+)?(?:function\\s+)?${name}\\s*\\(`));
  assert.ok(start >= 0, `${name} not found`);
  let i = text.indexOf('{', text.indexOf(')', start));
  const from = i;
  let depth = 0;
  for (; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) break;
  }
  return text.slice(from, i + 1);
}

test('constantTimeEqual reads every byte of both inputs wherever the first difference is', () => {
  const base = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
  for (const diffAt of [-1, 0, 1, 7, 15]) {
    const other = base.slice();
    if (diffAt >= 0) other[diffAt]! ^= 0x80;
    const c = { reads: 0 };
    const eq = constantTimeEqual(counting(base, c), counting(other, c));
    assert.equal(eq, diffAt < 0);
    assert.equal(c.reads, 32, `difference at ${diffAt}: all 2 × 16 bytes read`);
  }
  assert.equal(constantTimeEqual(new Uint8Array(16), new Uint8Array(15)), false, 'lengths differ');
});

test('mac1 and mac2 checks reject a one-bit difference in every byte of the MAC', () => {
  const net = new MemoryNet(5);
  const p = net.crypto;
  const priv = generatePrivateKey(net.random);
  const pub = publicKeyOf(p, priv);
  const checker = new CookieChecker(p, net.clock, net.random);
  checker.setLocalPublicKey(pub);
  const gen = new CookieGenerator(p, net.clock, pub);
  const src = { address: '192.0.2.9', port: 9 };
  const msg = new Uint8Array(INITIATION_SIZE);
  msg[0] = 1;
  net.random.fill(msg.subarray(4, INITIATION_MAC1_OFFSET));
  // Get a cookie so mac2 is real: the checker's reply, consumed by the generator.
  gen.addMacs(msg);
  assert.ok(gen.consumeReply(checker.createReply(msg, src)));
  gen.addMacs(msg);
  assert.ok(checker.checkMac1(msg) && checker.checkMac2(msg, src), 'the untouched message passes');
  for (let i = 0; i < 16; i++) {
    for (const [off, check] of [
      [INITIATION_MAC1_OFFSET, (m: Uint8Array) => checker.checkMac1(m)],
      [INITIATION_MAC2_OFFSET, (m: Uint8Array) => checker.checkMac2(m, src)],
    ] as const) {
      const m = msg.slice();
      m[off + i]! ^= 1 << (i % 8);
      assert.equal(check(m), false, `mac at ${off} byte ${i}`);
    }
  }
});

test('static: mac1/mac2 verification uses constantTimeEqual and nothing else compares bytes in cookie.ts', () => {
  const cookie = source('core/cookie.ts');
  for (const fn of ['checkMac1', 'checkMac2']) {
    const body = functionBody(cookie, fn);
    assert.match(body, /return constantTimeEqual\(expected, msg\.subarray\(/, fn);
  }
  assert.doesNotMatch(cookie, /\.every\(|Buffer\.compare|\.equals\(|toHex\([^)]*\)\s*===/, 'no early-exit comparison in cookie.ts');
});

test('static: AEAD tags are checked by constant-time code (noble equalBytes; OpenSSL via setAuthTag)', () => {
  const noble = source('crypto/noble.ts');
  assert.doesNotMatch(functionBody(noble, 'chacha20Poly1305Open'), /===|\.every\(|tag\[/, 'noble provider leaves the tag check to @noble/ciphers');
  const node = source('crypto/node.ts');
  assert.match(node, /setAuthTag\(/, 'node provider lets OpenSSL check the tag');
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@noble/ciphers/chacha.js'));
  const chacha = readFileSync(join(dir, 'chacha.js'), 'utf8');
  assert.match(chacha, /equalBytes\(passedTag, tag\)/, '@noble/ciphers compares the tag with equalBytes');
  const utils = readFileSync(join(dir, 'utils.js'), 'utf8');
  const eq = functionBody(utils, 'equalBytes');
  assert.match(eq, /diff \|= a\[i\] \^ b\[i\]/, 'equalBytes accumulates differences');
  assert.doesNotMatch(eq.slice(eq.indexOf('for')), /return false|break/, 'no early exit inside the loop');
});

// Finding (config path, not network-facing): config-apply.ts compares the private key
// and preshared key with an early-exit `every`; peer.ts tests a PSK for zero the same way.
test(
  'static: private and preshared keys are compared in constant time in the config path',
  () => {
    for (const f of ['core/config-apply.ts', 'core/peer.ts']) {
      assert.doesNotMatch(source(f), /\.every\(\(\w+(, \w+)?\) => \w+ === /, `${f} compares key bytes with an early exit`);
    }
  },
);
