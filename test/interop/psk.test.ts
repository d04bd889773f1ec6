// Interop: preshared keys (Noise IKpsk2, whitepaper §5.4.3 — the PSK is
// mixed into the handshake at message 2). Same PSK on both sides → tunnel;
// a different PSK on one side → the initiator cannot open the response, so
// no session exists: pings fail and neither side records a handshake.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { genPsk, implPairs } from '../helpers/impl.js';
import { makePair } from '../helpers/pair.js';
import { ping, waitForPing } from '../helpers/transfer.js';
import { peerStatus, waitForHandshake } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];

for (const [implA, implB] of implPairs()) {
  describe(`interop PSK: ${implA} (initiator) → ${implB}`, () => {
    test('the same PSK on both sides: tunnel works both ways', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB, { psk: true });
      assert.equal((await peerStatus(p.a, p.b.keys.publicKey))?.hasPresharedKey, true);
      assert.equal((await peerStatus(p.b, p.a.keys.publicKey))?.hasPresharedKey, true);
      await waitForPing(p.a.ns, p.b4);
      assert.equal((await ping(p.b.ns, p.a6, { count: 2 })).received, 2);
      await waitForHandshake(p.a, p.b.keys.publicKey);
      await waitForHandshake(p.b, p.a.keys.publicKey);
    });

    test('a different PSK on one side: no tunnel, no handshake', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB, { psk: { a: genPsk(), b: genPsk() } });
      // 2 s of attempts: the initiation and its response are exchanged on
      // the wire (milliseconds), but the response never authenticates at A.
      const r = await ping(p.a.ns, p.b4, { count: 3, intervalS: 0.5, deadlineS: 2 });
      assert.equal(r.received, 0, r.output);
      const sa = await peerStatus(p.a, p.b.keys.publicKey);
      const sb = await peerStatus(p.b, p.a.keys.publicKey);
      assert.equal(sa?.latestHandshake, 0, 'initiator completed no handshake');
      assert.equal(sb?.latestHandshake, 0, 'responder completed no handshake');
      assert.ok((sa?.txBytes ?? 0) >= 148, 'A did send an initiation');
      // Traffic the other way cannot use a session either.
      assert.equal((await ping(p.b.ns, p.a4, { count: 1, deadlineS: 1 })).received, 0);
    });

    test('PSK on one side only: no tunnel', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB, { psk: { b: genPsk() } });
      const r = await ping(p.a.ns, p.b4, { count: 3, intervalS: 0.5, deadlineS: 2 });
      assert.equal(r.received, 0, r.output);
      assert.equal((await peerStatus(p.a, p.b.keys.publicKey))?.latestHandshake, 0);
      assert.equal((await peerStatus(p.b, p.a.keys.publicKey))?.latestHandshake, 0);
    });
  });
}
