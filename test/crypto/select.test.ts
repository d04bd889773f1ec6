// Provider selection (`--crypto auto|noble|node`): auto returns a provider that
// passes the self-check, and the self-check catches a broken provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectProvider, selfCheck } from '../../src/crypto/select.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';

test('selectProvider returns the named providers', () => {
  assert.equal(selectProvider('noble'), nobleProvider);
  assert.equal(selectProvider('node'), nodeProvider);
  assert.throws(() => selectProvider('openssl' as never), RangeError);
});

test("selectProvider('auto') returns a provider that passes the self-check", () => {
  const p = selectProvider('auto');
  assert.ok(p === nodeProvider || p === nobleProvider);
  assert.equal(selfCheck(p), true);
  assert.equal(selfCheck(nobleProvider), true);
});

test('selfCheck rejects providers with a wrong primitive or that throw', () => {
  const badAead: CryptoProvider = {
    ...nobleProvider,
    chacha20Poly1305Seal: (k, n, pt, aad) => {
      const out = nobleProvider.chacha20Poly1305Seal(k, n, pt, aad);
      out[0]! ^= 1;
      return out;
    },
  };
  const acceptsLowOrder: CryptoProvider = { ...nobleProvider, x25519: () => new Uint8Array(32).fill(1) };
  const truncatingMac: CryptoProvider = {
    ...nobleProvider,
    blake2s: (d, n, k) => nobleProvider.blake2s(d, 32, k).slice(0, n),
  };
  const throwing: CryptoProvider = { ...nobleProvider, hmacBlake2s: () => { throw new Error('no'); } };
  for (const p of [badAead, acceptsLowOrder, truncatingMac, throwing]) assert.equal(selfCheck(p), false);
});

test('the self-check known answers are what both providers compute on the fixed inputs', async () => {
  const { SELF_CHECK_ANSWERS: A, selfCheckInputs } = await import('../../src/crypto/select.js');
  const { toHex } = await import('../../src/util/bytes.js');
  const { key, priv, nonce, msg, aad, xnonce } = selfCheckInputs();
  for (const p of [nobleProvider, nodeProvider]) {
    const pub = p.x25519PublicKey(priv);
    assert.equal(toHex(p.blake2s(msg, 16, key)), A.keyedBlake2s16, p.name);
    assert.equal(toHex(p.hmacBlake2s(key, msg)), A.hmacBlake2s, p.name);
    assert.equal(toHex(pub), A.publicKey, p.name);
    assert.equal(toHex(p.x25519(key, pub)!), A.dh, p.name);
    assert.equal(toHex(p.chacha20Poly1305Seal(key, nonce, msg, aad)), A.seal, p.name);
    assert.equal(toHex(p.xchacha20Poly1305Seal(key, xnonce, msg, aad)), A.xseal, p.name);
  }
});

test('selfCheck rejects a provider whose X25519 is wrong only on the RFC 7748 vector', () => {
  const alice = '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a';
  const offOnRfc: CryptoProvider = {
    ...nobleProvider,
    x25519PublicKey: (k) => {
      const out = nobleProvider.x25519PublicKey(k);
      if (Buffer.from(k).toString('hex') === alice) out[5]! ^= 0x10;
      return out;
    },
  };
  assert.equal(selfCheck(offOnRfc), false);
  assert.equal(selfCheck(nodeProvider), true);
});
