// Interop: bulk TCP through the tunnel (issue 3 "Interop tests"): 50 MiB in
// each direction with matching SHA-256 at both ends, and roaming — the
// initiator's address changes mid-transfer (behind a NAT that rebinds) or
// its own underlay address moves; traffic continues and the responder
// reports the new endpoint (whitepaper §2.1: endpoints follow authenticated
// packets).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { implPairs } from '../helpers/impl.js';
import { endpointString, makeNatPair, makePair, rebindNat } from '../helpers/pair.js';
import { MiB, startTransfer, transfer, waitForPing } from '../helpers/transfer.js';
import { peerStatus } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];
const SIZE = 50 * MiB;

for (const [implA, implB] of implPairs()) {
  describe(`interop transfer: ${implA} (initiator) → ${implB}`, () => {
    test('50 MiB TCP each way (A→B over inner IPv4, B→A over inner IPv6) with matching SHA-256', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);
      const ab = await transfer(p.a.ns, p.b.ns, p.b4, SIZE, { port: 5201 });
      assert.equal(ab.sentBytes, SIZE);
      assert.equal(ab.receivedBytes, SIZE);
      assert.equal(ab.receivedSha256, ab.sentSha256);
      const ba = await transfer(p.b.ns, p.a.ns, p.a6, SIZE, { port: 5202 });
      assert.equal(ba.sentBytes, SIZE);
      assert.equal(ba.receivedBytes, SIZE);
      assert.equal(ba.receivedSha256, ba.sentSha256);
      assert.notEqual(ab.sentSha256, ba.sentSha256, 'fresh random data each way');
    });

    test('roaming: A\'s public address changes mid-transfer (NAT rebinding); the transfer completes', async (t) => {
      if (!requireRoot(t, [...TOOLS, 'nft'])) return;
      const lab = Lab.create(t);
      const p = await makeNatPair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);
      assert.equal((await peerStatus(p.b, p.a.keys.publicKey))?.endpoint, p.endpointOfA, 'B sees A through the NAT');
      // Paced at 20 MiB/s so the move certainly happens while data flows.
      const run = await startTransfer(p.a.ns, p.b.ns, p.b4, SIZE, { port: 5203, rateBytesPerSec: 20 * MiB });
      await run.waitForBytes(5 * MiB);
      const newAddr = await rebindNat(p);
      assert.equal(run.receiver.status, null, 'the move happened before the transfer ended');
      const r = await run.done;
      assert.equal(r.receivedBytes, SIZE);
      assert.equal(r.receivedSha256, r.sentSha256);
      // B followed A to its new public address (whitepaper §2.1).
      const seen = (await peerStatus(p.b, p.a.keys.publicKey))?.endpoint ?? '';
      assert.ok(seen.startsWith(`${newAddr}:`), `B's endpoint for A is ${seen}, expected ${newAddr}:*`);
    });

    test('roaming: A moves to a new local underlay address; traffic resumes from the new address', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);
      const newA4 = '198.18.1.11';
      await lab.moveIPv4(p.a.ns, p.link.devA, p.link.a4, newA4);
      // wireguard-go keeps its cached source address until its handshake retry
      // (REKEY_TIMEOUT + KEEPALIVE_TIMEOUT = 15 s, whitepaper §6.5) clears it;
      // allow for that, but no longer.
      await waitForPing(p.a.ns, p.b4, 30000);
      const r = await transfer(p.a.ns, p.b.ns, p.b4, 5 * MiB, { port: 5204 });
      assert.equal(r.receivedSha256, r.sentSha256);
      assert.equal((await peerStatus(p.b, p.a.keys.publicKey))?.endpoint, endpointString(newA4, p.a.listenPort));
    });
  });
}
