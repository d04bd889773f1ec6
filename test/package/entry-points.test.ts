// The published entry points resolve by package name (self-reference through
// package.json "exports") and expose working code, not just names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tswg from 'tswg';
import * as crypto from 'tswg/crypto';

test("'tswg' exposes the embedding surface", () => {
  for (const name of ['Daemon', 'Tun', 'createEventPipeline', 'loadEventsConfig', 'Device', 'parseSet', 'formatGet', 'parseConf'] as const) {
    assert.equal(typeof tswg[name], 'function', name);
  }
  const delta = tswg.parseSet(['listen_port=51820', 'fwmark=0', '']);
  assert.equal(delta.listenPort, 51820);
  assert.throws(() => tswg.parseSet(['listen_port=99999', '']), tswg.UapiError);
});

test("'tswg/crypto' primitives agree between the two providers", () => {
  const priv = crypto.generatePrivateKey({ fill: (b: Uint8Array) => b.fill(7) });
  const a = crypto.publicKeyOf(crypto.nobleProvider, priv);
  const b = crypto.publicKeyOf(crypto.nodeProvider, priv);
  assert.deepEqual(a, b);
  assert.equal(crypto.hash(crypto.nobleProvider, new Uint8Array([1])).length, 32);
});
