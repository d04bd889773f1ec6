/**
 * Handshake figures per provider (issue 5): a full handshake — initiation
 * (with mac1), response (with mac1), both session derivations and the
 * initiator's first transport message opened by the responder, which is the
 * key confirmation of whitepaper §5.4.6 — and the responder's share alone
 * (mac1 check, consume initiation, create response, derive keys). Both use
 * the protocol functions directly, with the real CSPRNG and clock.
 */
import type { CryptoProvider } from '../src/crypto/provider.js';
import { nodeProvider } from '../src/crypto/node.js';
import { generatePrivateKey, publicKeyOf } from '../src/crypto/keys.js';
import { transportNonce } from '../src/crypto/aead-nonce.js';
import { CookieChecker, CookieGenerator } from '../src/core/cookie.js';
import {
  Handshake,
  commitInitiation,
  consumeResponse,
  createInitiation,
  createResponse,
  decryptInitiation,
  peerHandshakeKeys,
  type LocalIdentity,
  type PeerHandshakeKeys,
} from '../src/core/handshake.js';
import { deriveSession } from '../src/core/session-keys.js';
import { constantTimeEqual } from '../src/util/bytes.js';
import { systemClock, systemRandom } from '../src/io/system-ports.js';
import { missing, rate, summarize, type Results } from './stats.js';
import { measureBoth, timedCountBoth } from './cpu-rate.js';
import { collectGarbage } from './collect-garbage.js';
import { BOUND_UNIT, handshakeBound } from './x25519-bound.js';
import type { BenchSettings } from './settings.js';

interface Side {
  id: LocalIdentity;
  /** What this side knows about the other one. */
  peer: PeerHandshakeKeys;
  checker: CookieChecker;
  /** mac1/mac2 for messages this side sends to the other. */
  gen: CookieGenerator;
}

function identity(p: CryptoProvider): LocalIdentity {
  const privateKey = generatePrivateKey(systemRandom);
  return { privateKey, publicKey: publicKeyOf(p, privateKey) };
}

function sides(p: CryptoProvider): { i: Side; r: Side } {
  const ii = identity(p);
  const ri = identity(p);
  const mk = (me: LocalIdentity, other: LocalIdentity): Side => {
    const checker = new CookieChecker(p, systemClock, systemRandom);
    checker.setLocalPublicKey(me.publicKey);
    return {
      id: me,
      peer: peerHandshakeKeys(p, me, other.publicKey, null),
      checker,
      gen: new CookieGenerator(p, systemClock, other.publicKey),
    };
  };
  return { i: mk(ii, ri), r: mk(ri, ii) };
}

const EMPTY = new Uint8Array(0);

/** One complete handshake; throws if any step fails (a broken build must not look fast). */
export function fullHandshake(p: CryptoProvider, i: Side, r: Side): void {
  const hsI = new Handshake();
  const init = createInitiation(p, i.id, i.peer, hsI, 1, systemClock.wallNow(), systemRandom);
  if (init === null) throw new Error('createInitiation failed');
  i.gen.addMacs(init);
  if (!r.checker.checkMac1(init)) throw new Error('mac1 of initiation did not verify');
  const d = decryptInitiation(p, r.id, init, (rs) => (constantTimeEqual(rs, i.id.publicKey) ? r.peer : undefined));
  if (d === null) throw new Error('decryptInitiation failed');
  const hsR = new Handshake();
  commitInitiation(hsR, d, systemClock.now());
  const resp = createResponse(p, r.id, r.peer, hsR, 2, systemRandom);
  if (resp === null) throw new Error('createResponse failed');
  r.gen.addMacs(resp);
  if (!i.checker.checkMac1(resp)) throw new Error('mac1 of response did not verify');
  if (!consumeResponse(p, i.id, i.peer, hsI, resp)) throw new Error('consumeResponse failed');
  const si = deriveSession(p, hsI);
  const sr = deriveSession(p, hsR);
  if (si === null || sr === null) throw new Error('deriveSession failed');
  // Key confirmation: the initiator's first transport message (a keepalive, counter 0).
  const nonce = transportNonce(0n);
  const box = p.chacha20Poly1305Seal(si.sendKey, nonce, EMPTY);
  if (p.chacha20Poly1305Open(sr.receiveKey, nonce, box) === null) throw new Error('confirmation did not open');
}

/** Responder share: everything from receiving an initiation to holding session keys. */
export function responderHandshake(p: CryptoProvider, r: Side, initiatorPub: Uint8Array, init: Uint8Array): void {
  if (!r.checker.checkMac1(init)) throw new Error('mac1 of initiation did not verify');
  const d = decryptInitiation(p, r.id, init, (rs) => (constantTimeEqual(rs, initiatorPub) ? r.peer : undefined));
  if (d === null) throw new Error('decryptInitiation failed');
  const hs = new Handshake();
  commitInitiation(hs, d, systemClock.now());
  const resp = createResponse(p, r.id, r.peer, hs, 2, systemRandom);
  if (resp === null) throw new Error('createResponse failed');
  r.gen.addMacs(resp);
  if (deriveSession(p, hs) === null) throw new Error('deriveSession failed');
}

/**
 * Distinct valid initiations from `i` to `r` (decryptInitiation keeps no
 * state between them). Built with node:crypto whatever the provider under
 * test: the bytes are the same, and noble would take ≈ 10 ms each.
 */
function initiations(i: Side, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const m = createInitiation(nodeProvider, i.id, i.peer, new Handshake(), k + 1, systemClock.wallNow(), systemRandom);
    if (m === null) throw new Error('createInitiation failed');
    i.gen.addMacs(m);
    out.push(m);
  }
  return out;
}

export function runHandshakeBench(results: Results, providers: readonly CryptoProvider[], s: BenchSettings): void {
  for (const p of providers) {
    const { i, r } = sides(p);
    results.measure(`handshake.${p.name}.full`, 'handshakes/s', s.reps, () => rate(() => fullHandshake(p, i, r), s.rateSeconds, 4));
    // Every initiation distinct, as a responder meets them: a short cycle of
    // the same few let the public-key cache keep their ephemerals, saving the
    // ≈ 7 µs import a real one pays. Built untimed, then a full GC so the
    // initiator's garbage is not billed to the responder. node:crypto gets
    // s.responderBatch per sample (several young-generation collections, see
    // settings.ts); noble, ≈ 40× slower, a batch of about one second.
    const batch = p.name === 'node' ? s.responderBatch : Math.max(1, Math.round(s.responderBatch / 20));
    // The share of the X25519 bound (x25519-bound.ts), measured beside each
    // sample (the import's derivation runs OpenSSL's generic fixed-base code,
    // about two thirds of its assembly ladder, so the bound is a little low).
    const shares: number[] = [];
    measureBoth(results, `handshake.${p.name}.responder`, `handshake.${p.name}.responderCpu`, 'handshakes/s', 'handshakes/CPU-s', s.reps, () => {
      const msgs = initiations(i, batch);
      const bound = handshakeBound(p, s.rateSeconds / 2);
      collectGarbage();
      const rates = timedCountBoth(batch, () => {
        for (let k = 0; k < batch; k++) responderHandshake(p, r, i.id.publicKey, msgs[k]!);
      });
      shares.push(rates.cpu / bound);
      return rates;
    }, `${batch} distinct initiations per sample, from a collected heap`);
    if (shares.length === s.reps) {
      results.set(`handshake.${p.name}.responderOfBound`, summarize(BOUND_UNIT, shares, 'responderCpu over a quarter of the X25519 rate measured just before it'));
    } else {
      results.set(`handshake.${p.name}.responderOfBound`, missing('unavailable', BOUND_UNIT, `same samples as handshake.${p.name}.responder, which failed`));
    }
  }
}
