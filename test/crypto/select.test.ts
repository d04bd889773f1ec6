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
