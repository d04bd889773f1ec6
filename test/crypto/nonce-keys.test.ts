// Transport nonce layout (whitepaper §5.4.6: 4 zero bytes ‖ LE64 counter) and
// key generation (RFC 7748 §5 clamping, `wg genkey` / `wg genpsk`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transportNonce } from '../../src/crypto/aead-nonce.js';
import { generatePrivateKey, generatePresharedKey, publicKeyOf, clampPrivateKey } from '../../src/crypto/keys.js';
import { PROVIDERS } from './load-vectors.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

test('transportNonce: 4 zero bytes then the counter little-endian', () => {
  assert.equal(toHex(transportNonce(0n)), '000000000000000000000000');
  assert.equal(toHex(transportNonce(1n)), '000000000100000000000000');
  assert.equal(toHex(transportNonce(0x0807060504030201n)), '000000000102030405060708');
  assert.equal(toHex(transportNonce((1n << 64n) - 1n)), '00000000ffffffffffffffff');
  assert.equal(toHex(transportNonce(0x100000000n)), '000000000000000001000000');
});

test('transportNonce reuses the out buffer and overwrites stale bytes', () => {
  const out = new Uint8Array(12).fill(0xaa);
  assert.equal(transportNonce(5n, out), out);
  assert.equal(toHex(out), '000000000500000000000000');
  assert.throws(() => transportNonce(1n, new Uint8Array(8)), RangeError);
  assert.throws(() => transportNonce(-1n), RangeError);
  assert.throws(() => transportNonce(1n << 64n), RangeError);
});

test('generatePrivateKey clamps; generatePresharedKey does not', () => {
  const r = new SeededRandom(42);
  for (let i = 0; i < 50; i++) {
    const k = generatePrivateKey(r);
    assert.equal(k.length, 32);
    assert.equal(k[0]! & 7, 0);
    assert.equal(k[31]! & 0x80, 0);
    assert.equal(k[31]! & 0x40, 0x40);
  }
  const psk = generatePresharedKey(new SeededRandom(7));
  assert.equal(psk.length, 32);
  assert.equal(toHex(psk), toHex(new SeededRandom(7).fill(new Uint8Array(32))));
  assert.equal(toHex(clampPrivateKey(new Uint8Array(32).fill(0xff))), 'f8' + 'ff'.repeat(30) + '7f');
});

for (const p of PROVIDERS) {
  test(`${p.name}: publicKeyOf matches DH symmetry`, () => {
    const r = new SeededRandom(3);
    const a = generatePrivateKey(r);
    const b = generatePrivateKey(r);
    const ab = p.x25519(a, publicKeyOf(p, b));
    const ba = p.x25519(b, publicKeyOf(p, a));
    assert.ok(ab !== null && ba !== null);
    assert.equal(toHex(ab), toHex(ba));
  });
}
