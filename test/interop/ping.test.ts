// Interop: basic reachability through the tunnel (issue 3 "Interop tests"):
// ping IPv4 and IPv6 inner addresses over IPv4 and IPv6 outer endpoints, for
// every ordered implementation pair (A initiates: only A knows an endpoint),
// and `wg show` reports the handshake time and rx/tx bytes with
// wireguard-go's meaning (protocol-checklist §10.3: whole UDP payloads).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { implPairs } from '../helpers/impl.js';
import { makePair } from '../helpers/pair.js';
import { ping, waitForPing } from '../helpers/transfer.js';
import { peerStatus, waitForHandshake } from '../helpers/wgctl.js';
import { waitFor } from '../helpers/wait.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];

// Wire sizes (protocol-checklist §2): initiation 148, response 92, transport =
// 16-byte header + 16-byte tag + the inner packet padded to 16. A default
// ICMP echo is 84 bytes of IP → padded 96 → 128 on the wire.
const INITIATION = 148;
const RESPONSE = 92;
const ECHO_ON_WIRE = 128;

for (const [implA, implB] of implPairs()) {
  describe(`interop ping: ${implA} (initiator) → ${implB}`, () => {
    for (const outer of [4, 6] as const) {
      test(`IPv4 and IPv6 inner addresses over an IPv${outer} endpoint`, async (t) => {
        if (!requireRoot(t, TOOLS)) return;
        const lab = Lab.create(t);
        const p = await makePair(lab, implA, implB, { outer });
        await waitForPing(p.a.ns, p.b4);
        const checks = [
          [p.a.ns, p.b4],
          [p.a.ns, p.b6],
          [p.b.ns, p.a4],
          [p.b.ns, p.a6],
        ] as const;
        const results = await Promise.all(checks.map(([from, to]) => ping(from, to, { count: 3 })));
        results.forEach((r, i) => assert.equal(r.received, 3, `ping ${checks[i]![1]} from ${checks[i]![0].name}: ${r.output}`));
        // B never had an endpoint for A: it learned it from authenticated packets.
        const seenByB = await peerStatus(p.b, p.a.keys.publicKey);
        assert.equal(seenByB?.endpoint, p.endpointOfA);
        const seenByA = await peerStatus(p.a, p.b.keys.publicKey);
        assert.equal(seenByA?.endpoint, p.endpointOfB);
      });
    }

    test('wg show reports the handshake time and rx/tx bytes on both sides', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      const fresh = await peerStatus(p.a, p.b.keys.publicKey);
      assert.equal(fresh?.latestHandshake, 0, 'no handshake before any traffic');
      assert.equal(fresh?.txBytes, 0);
      assert.equal(fresh?.rxBytes, 0);

      const startSec = Math.floor(Date.now() / 1000);
      const r = await ping(p.a.ns, p.b4, { count: 5 });
      assert.equal(r.received, 5, r.output);
      const hsA = await waitForHandshake(p.a, p.b.keys.publicKey);
      const hsB = await waitForHandshake(p.b, p.a.keys.publicKey);
      const endSec = Math.ceil(Date.now() / 1000);
      for (const hs of [hsA, hsB]) {
        assert.ok(hs.latestHandshake >= startSec - 1 && hs.latestHandshake <= endSec + 1, `handshake time ${hs.latestHandshake} within [${startSec}, ${endSec}]`);
      }
      // Each side's tx toward the other equals the other's rx once the link is
      // quiet (veth loses nothing), and covers at least the handshake message
      // plus five echo packets.
      const [a, b] = await waitFor(
        async () => {
          const sa = await peerStatus(p.a, p.b.keys.publicKey);
          const sb = await peerStatus(p.b, p.a.keys.publicKey);
          return sa && sb && sa.txBytes === sb.rxBytes && sb.txBytes === sa.rxBytes ? ([sa, sb] as const) : undefined;
        },
        { timeoutMs: 5000, what: 'A.tx == B.rx and B.tx == A.rx' },
      );
      assert.ok(a.txBytes >= INITIATION + 5 * ECHO_ON_WIRE, `A tx ${a.txBytes}`);
      assert.ok(b.txBytes >= RESPONSE + 5 * ECHO_ON_WIRE, `B tx ${b.txBytes}`);

      // More traffic moves the counters by at least its wire size.
      const r2 = await ping(p.b.ns, p.a4, { count: 2 });
      assert.equal(r2.received, 2, r2.output);
      const b2 = await waitFor(
        async () => {
          const sb = await peerStatus(p.b, p.a.keys.publicKey);
          return sb && sb.txBytes >= b.txBytes + 2 * ECHO_ON_WIRE && sb.rxBytes >= b.rxBytes + 2 * ECHO_ON_WIRE ? sb : undefined;
        },
        { timeoutMs: 3000, what: 'B counters to grow by two echo exchanges' },
      );
      assert.ok(b2.rxBytes > b.rxBytes);
    });
  });
}
