// Noise IKpsk2 core against the cacophony vector Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
// (vectors/cacophony-ikpsk2.json): both handshake messages byte-exact, the
// equal handshake hash on both sides, and the four transport messages after Split().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { nobleProvider } from '../../src/crypto/noble.js';
import { nodeProvider } from '../../src/crypto/node.js';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { fromHex, toHex, concatBytes } from '../../src/util/bytes.js';
import {
  CipherState,
  SymmetricState,
  mixResponderStatic,
  readMessage1,
  readMessage2,
  writeMessage1,
  writeMessage2,
  type KeyPair,
} from '../../src/core/noise.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_psk: string;
  init_static: string;
  init_ephemeral: string;
  init_remote_static: string;
  resp_prologue: string;
  resp_psk: string;
  resp_static: string;
  resp_ephemeral: string;
  messages: { payload: string; ciphertext: string }[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const vector = JSON.parse(readFileSync(join(root, 'vectors', 'cacophony-ikpsk2.json'), 'utf8')) as Vector;

function hx(s: string): Uint8Array {
  const b = fromHex(s);
  assert.ok(b, `bad hex ${s}`);
  return b;
}

function pair(p: CryptoProvider, priv: string): KeyPair {
  const privateKey = hx(priv);
  return { privateKey, publicKey: p.x25519PublicKey(privateKey) };
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

for (const p of [nobleProvider, nodeProvider]) {
  test(`cacophony IKpsk2 vector (${p.name})`, () => {
    assert.equal(vector.protocol_name, 'Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s');
    assert.equal(toHex(ascii('John Galt')), vector.init_prologue);
    const name = ascii(vector.protocol_name);
    const si = pair(p, vector.init_static);
    const ei = pair(p, vector.init_ephemeral);
    const sr = pair(p, vector.resp_static);
    const er = pair(p, vector.resp_ephemeral);
    assert.equal(toHex(sr.publicKey), vector.init_remote_static);
    const psk = hx(vector.init_psk);
    const m = vector.messages;

    const ini = SymmetricState.initialize(p, name, hx(vector.init_prologue));
    const res = SymmetricState.initialize(p, name, hx(vector.resp_prologue));
    mixResponderStatic(ini, sr.publicKey);
    mixResponderStatic(res, sr.publicKey);

    // Message 1: initiator → responder.
    const ss = p.x25519(si.privateKey, sr.publicKey)!;
    const m1 = writeMessage1(p, ini, ei, si, sr.publicKey, ss, hx(m[0]!.payload));
    assert.ok(m1);
    const wire1 = concatBytes(m1.ephemeral, m1.encryptedStatic, m1.encryptedPayload);
    assert.equal(toHex(wire1), m[0]!.ciphertext);
    const r1 = readMessage1(
      p,
      res,
      sr,
      { ephemeral: wire1.subarray(0, 32), encryptedStatic: wire1.subarray(32, 80), encryptedPayload: wire1.subarray(80) },
      (rs) => ({ staticStatic: p.x25519(sr.privateKey, rs)!, context: 'peer' }),
    );
    assert.ok(r1);
    assert.equal(toHex(r1.payload), m[0]!.payload);
    assert.deepEqual(r1.remoteStatic, si.publicKey);
    assert.equal(r1.context, 'peer');
    assert.deepEqual(res.h, ini.h);
    assert.deepEqual(res.ck, ini.ck);

    // Message 2: responder → initiator.
    const m2 = writeMessage2(p, res, er, wire1.subarray(0, 32), r1.remoteStatic, psk, hx(m[1]!.payload));
    assert.ok(m2);
    const wire2 = concatBytes(m2.ephemeral, m2.encryptedPayload);
    assert.equal(toHex(wire2), m[1]!.ciphertext);
    const p2 = readMessage2(p, ini, ei, si, hx(vector.resp_psk), {
      ephemeral: wire2.subarray(0, 32),
      encryptedPayload: wire2.subarray(32),
    });
    assert.ok(p2);
    assert.equal(toHex(p2), m[1]!.payload);

    // Handshake hash: both sides end with the same h and ck (the vector's
    // ciphertexts authenticate every h up to the last message).
    assert.deepEqual(ini.h, res.h);
    assert.deepEqual(ini.ck, res.ck);

    // Transport: initiator sends with k1, responder with k2; counters from 0 each way.
    const [i1, i2] = ini.split();
    const [r1k, r2k] = res.split();
    assert.deepEqual(i1, r1k);
    assert.deepEqual(i2, r2k);
    const iSend = new CipherState(p, i1);
    const iRecv = new CipherState(p, i2);
    const rSend = new CipherState(p, r2k);
    const rRecv = new CipherState(p, r1k);
    const none = new Uint8Array(0);
    for (let i = 2; i < m.length; i++) {
      const fromInitiator = i % 2 === 0;
      const [send, recv] = fromInitiator ? [iSend, rRecv] : [rSend, iRecv];
      const ct = send.encryptWithAd(none, hx(m[i]!.payload));
      assert.equal(toHex(ct), m[i]!.ciphertext, `transport message ${i}`);
      const pt = recv.decryptWithAd(none, ct);
      assert.ok(pt);
      assert.equal(toHex(pt), m[i]!.payload);
    }
  });

  test(`IKpsk2 rejects a wrong psk and a tampered message 1 (${p.name})`, () => {
    const name = ascii(vector.protocol_name);
    const si = pair(p, vector.init_static);
    const ei = pair(p, vector.init_ephemeral);
    const sr = pair(p, vector.resp_static);
    const ini = SymmetricState.initialize(p, name, ascii('x'));
    mixResponderStatic(ini, sr.publicKey);
    const m1 = writeMessage1(p, ini, ei, si, sr.publicKey, p.x25519(si.privateKey, sr.publicKey)!, ascii('hello'))!;
    const tampered = m1.encryptedStatic.slice();
    tampered[3]! ^= 1;
    const res = SymmetricState.initialize(p, name, ascii('x'));
    mixResponderStatic(res, sr.publicKey);
    const resolve = (rs: Uint8Array) => ({ staticStatic: p.x25519(sr.privateKey, rs)!, context: 0 });
    assert.equal(readMessage1(p, res.clone(), sr, { ...m1, encryptedStatic: tampered }, resolve), null);
    // Wrong prologue on the responder side fails too (AAD = h).
    const other = SymmetricState.initialize(p, name, ascii('y'));
    mixResponderStatic(other, sr.publicKey);
    assert.equal(readMessage1(p, other, sr, m1, resolve), null);
    // Unknown static (resolve → undefined) fails.
    assert.equal(readMessage1(p, res.clone(), sr, m1, () => undefined), null);
    const ok = readMessage1(p, res, sr, m1, resolve);
    assert.ok(ok);
    const er = pair(p, vector.resp_ephemeral);
    const m2 = writeMessage2(p, res, er, m1.ephemeral, si.publicKey, new Uint8Array(32).fill(7), new Uint8Array(0))!;
    assert.equal(readMessage2(p, ini.clone(), ei, si, new Uint8Array(32).fill(8), m2), null);
    assert.deepEqual(readMessage2(p, ini, ei, si, new Uint8Array(32).fill(7), m2), new Uint8Array(0));
  });
}
