// The node provider's public KeyObject cache (src/crypto/node-x25519.ts: a ring for
// first-seen keys, a direct-mapped table for returning ones):
// keys that share a slot (same bytes 0, 1 and 17) and more keys than the
// table holds still give exactly noble's X25519 results, in any order of
// reuse; a rewritten public array is looked up by its new value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeProvider } from '../../src/crypto/node.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { toHex } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const rnd = new SeededRandom(31);
const priv = rnd.fill(new Uint8Array(32));

function dhBoth(pub: Uint8Array): [string | null, string | null] {
  const a = nodeProvider.x25519(priv, pub);
  const b = nobleProvider.x25519(priv, pub);
  return [a === null ? null : toHex(a), b === null ? null : toHex(b)];
}

test('public keys sharing a table slot are told apart by their bytes', () => {
  // Same bytes 0, 1 and 17 → same slot; every other byte random (any 32 bytes are a valid X25519 input).
  const pubs = Array.from({ length: 6 }, () => {
    const k = rnd.fill(new Uint8Array(32));
    k[0] = 0x42;
    k[1] = 0x17;
    k[17] = 0x09;
    return k;
  });
  for (let pass = 0; pass < 3; pass++) {
    for (const [i, pub] of pubs.entries()) {
      const [ours, want] = dhBoth(pub);
      assert.equal(ours, want, `pass ${pass} key ${i}`);
    }
    // Alternating two colliding keys replaces the slot each time.
    assert.deepEqual(dhBoth(pubs[0]!), dhBoth(pubs[0]!));
  }
});

test('more public keys than the table holds stay correct on reuse', () => {
  const pubs = Array.from({ length: 5000 }, () => rnd.fill(new Uint8Array(32)));
  const want = pubs.slice(0, 64).map((p) => toHex(nobleProvider.x25519(priv, p)!));
  for (const p of pubs) nodeProvider.x25519(priv, p);
  pubs.slice(0, 64).forEach((p, i) => assert.equal(toHex(nodeProvider.x25519(priv, p)!), want[i], `key ${i}`));
});

test('a public key array rewritten in place is looked up by its new bytes', () => {
  const pub = rnd.fill(new Uint8Array(32));
  const first = toHex(nodeProvider.x25519(priv, pub)!);
  pub[5]! ^= 0x80;
  const [ours, want] = dhBoth(pub);
  assert.equal(ours, want);
  assert.notEqual(ours, first);
});

test('a returning key (first seen, pushed out of the ring, seen again) keeps giving the right result', () => {
  const returning = Array.from({ length: 3 }, () => rnd.fill(new Uint8Array(32)));
  const want = returning.map((p) => dhBoth(p)[1]);
  for (let round = 0; round < 4; round++) {
    for (let k = 0; k < 20; k++) nodeProvider.x25519(priv, rnd.fill(new Uint8Array(32))); // fresh ephemerals
    returning.forEach((p, i) => assert.equal(toHex(nodeProvider.x25519(priv, p)!), want[i], `round ${round} key ${i}`));
  }
});
