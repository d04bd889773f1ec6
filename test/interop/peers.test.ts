// Interop: live configuration changes through `wg set` (issue 3): removing a
// peer stops traffic to it (and re-adding restores it), and a live private
// key change on one side plus an updated peer entry on the other leads to a
// new handshake and working traffic (protocol-checklist §10.3 keys).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { genKeyPair, implPairs } from '../helpers/impl.js';
import { INNER, makePair } from '../helpers/pair.js';
import { ping, waitForPing } from '../helpers/transfer.js';
import { peerStatus, removePeer, setPeer, setPrivateKey, showStatus, waitForHandshake } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];

for (const [implA, implB] of implPairs()) {
  describe(`interop peer changes: ${implA} (initiator) → ${implB}`, () => {
    test('wg set … peer X remove stops traffic to X; adding it back restores it', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);

      await removePeer(p.a, p.b.keys.publicKey);
      assert.deepEqual((await showStatus(p.a)).peers, [], 'A has no peers left');
      const out = await ping(p.a.ns, p.b4, { count: 2, deadlineS: 2 });
      assert.equal(out.received, 0, `A → B after removal: ${out.output}`);
      // B still holds a session, but A no longer knows B: nothing comes back.
      const back = await ping(p.b.ns, p.a4, { count: 2, deadlineS: 2 });
      assert.equal(back.received, 0, `B → A after removal: ${back.output}`);

      await setPeer(p.a, { publicKey: p.b.keys.publicKey, allowedIps: [`${INNER.b4}/32`], endpoint: p.endpointOfB });
      await waitForPing(p.a.ns, p.b4);
    });

    test('live private key change on A plus updated peer entry on B: new handshake, traffic resumes', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);
      const oldPub = p.a.keys.publicKey;
      const next = genKeyPair();

      await setPrivateKey(p.a, next.privateKey);
      assert.equal((await showStatus(p.a)).publicKey, next.publicKey, 'A reports its new public key');
      // With the old identity gone, B cannot decrypt-and-answer A's new session yet.
      assert.equal((await ping(p.a.ns, p.b4, { count: 1, deadlineS: 2 })).received, 0, 'B does not know the new key yet');

      await removePeer(p.b, oldPub);
      await setPeer(p.b, { publicKey: next.publicKey, allowedIps: [`${INNER.a4}/32`, `${INNER.a6}/128`] });
      await waitForPing(p.a.ns, p.b4, 15000);
      const hs = await waitForHandshake(p.b, next.publicKey);
      assert.ok(hs.latestHandshake > 0);
      assert.equal(await peerStatus(p.b, oldPub), undefined);
      assert.equal((await ping(p.b.ns, p.a6, { count: 2 })).received, 2, 'B → A over the new session');
    });
  });
}
