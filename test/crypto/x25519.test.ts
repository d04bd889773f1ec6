// X25519 (RFC 7748) on both providers: RFC §5.2/§6.1 vectors, the iterated
// test, and the kernel selftest set including the low-order points that must
// yield null (whitepaper §5.4: an all-zero DH result is an error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS, loadVectors, h } from './load-vectors.js';
import { toHex } from '../../src/util/bytes.js';

interface Rfc7748 {
  scalarMult: { scalar: string; u: string; output: string }[];
  iterated: { iterations: number; result: string; slow?: boolean }[];
  dh: { alicePrivate: string; alicePublic: string; bobPrivate: string; bobPublic: string; shared: string };
}
interface Kernel {
  vectors: { private: string; public: string; result: string; valid: boolean }[];
}

const rfc = loadVectors<Rfc7748>('rfc7748.json');
const kernel = loadVectors<Kernel>('kernel-curve25519.json');

for (const p of PROVIDERS) {
  test(`${p.name}: RFC 7748 §5.2 scalar multiplication`, () => {
    assert.equal(rfc.scalarMult.length, 2);
    for (const v of rfc.scalarMult) assert.equal(toHex(p.x25519(h(v.scalar), h(v.u))!), v.output);
  });

  test(`${p.name}: RFC 7748 §5.2 iterated (1 and 1,000 iterations)`, () => {
    let k: Uint8Array = new Uint8Array(32);
    k[0] = 9;
    let u: Uint8Array = Uint8Array.from(k);
    const want = new Map(rfc.iterated.filter((v) => !v.slow).map((v) => [v.iterations, v.result]));
    assert.ok(want.has(1) && want.has(1000));
    for (let i = 1; i <= 1000; i++) {
      const next = p.x25519(k, u);
      assert.ok(next !== null);
      u = k;
      k = next;
      const expected = want.get(i);
      if (expected !== undefined) assert.equal(toHex(k), expected, `after ${i} iterations`);
    }
  });

  test(`${p.name}: RFC 7748 §6.1 Diffie-Hellman`, () => {
    const d = rfc.dh;
    assert.equal(toHex(p.x25519PublicKey(h(d.alicePrivate))), d.alicePublic);
    assert.equal(toHex(p.x25519PublicKey(h(d.bobPrivate))), d.bobPublic);
    assert.equal(toHex(p.x25519(h(d.alicePrivate), h(d.bobPublic))!), d.shared);
    assert.equal(toHex(p.x25519(h(d.bobPrivate), h(d.alicePublic))!), d.shared);
  });

  test(`${p.name}: kernel curve25519 selftest (${kernel.vectors.length} vectors, failing ones → null)`, () => {
    assert.equal(kernel.vectors.length, 81);
    let failing = 0;
    for (const [i, v] of kernel.vectors.entries()) {
      const got = p.x25519(h(v.private), h(v.public));
      if (v.valid) {
        assert.ok(got !== null, `vector ${i + 1} should succeed`);
        assert.equal(toHex(got), v.result, `vector ${i + 1}`);
      } else {
        failing++;
        assert.equal(got, null, `vector ${i + 1} must fail (all-zero output)`);
      }
    }
    assert.equal(failing, 16);
  });

  test(`${p.name}: all-zero and other low-order public keys give null, never throw`, () => {
    const priv = h('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    assert.equal(p.x25519(priv, new Uint8Array(32)), null);
    const one = new Uint8Array(32);
    one[0] = 1;
    assert.equal(p.x25519(priv, one), null);
  });

  test(`${p.name}: wrong key lengths are programming errors (RangeError)`, () => {
    assert.throws(() => p.x25519(new Uint8Array(31), new Uint8Array(32)), RangeError);
    assert.throws(() => p.x25519(new Uint8Array(32), new Uint8Array(33)), RangeError);
    assert.throws(() => p.x25519PublicKey(new Uint8Array(16)), RangeError);
  });

  test(`${p.name}: inputs are not modified`, () => {
    const priv = h('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const pub = h(rfc.dh.alicePublic);
    const before = toHex(priv) + toHex(pub);
    p.x25519(priv, pub);
    p.x25519PublicKey(priv);
    assert.equal(toHex(priv) + toHex(pub), before);
  });
}

test('node provider: a rewritten private key array is not served from the KeyObject cache', async () => {
  const { nodeProvider, nobleProvider } = await import('../../src/crypto/index.js');
  const k = h(rfc.dh.alicePrivate);
  assert.equal(toHex(nodeProvider.x25519PublicKey(k)), rfc.dh.alicePublic);
  k.set(h(rfc.dh.bobPrivate));
  assert.equal(toHex(nodeProvider.x25519PublicKey(k)), rfc.dh.bobPublic);
  assert.equal(toHex(nodeProvider.x25519(k, h(rfc.dh.alicePublic))!), toHex(nobleProvider.x25519(k, h(rfc.dh.alicePublic))!));
});

test('node provider: more private keys than the KeyObject cache holds stay correct when reused (eviction re-imports)', async () => {
  const { nodeProvider, nobleProvider } = await import('../../src/crypto/index.js');
  const pub = h(rfc.dh.bobPublic);
  // 200 distinct keys (the cache holds 64), used twice in order: the second pass meets only evicted entries.
  const keys = Array.from({ length: 200 }, (_, i) => {
    const k = h(rfc.dh.alicePrivate);
    k[0] = i;
    k[1] = i >> 8;
    return k;
  });
  const want = keys.map((k) => toHex(nobleProvider.x25519(k, pub)!));
  for (let pass = 0; pass < 2; pass++) {
    keys.forEach((k, i) => assert.equal(toHex(nodeProvider.x25519(k, pub)!), want[i], `pass ${pass} key ${i}`));
  }
  // A key used between others stays served correctly; its bytes rewritten in place are re-imported.
  const again = keys[5]!;
  again[2] ^= 1;
  assert.equal(toHex(nodeProvider.x25519(again, pub)!), toHex(nobleProvider.x25519(again, pub)!));
});
