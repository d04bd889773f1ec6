// Interop: wg-quick up/down with WG_QUICK_USERSPACE_IMPLEMENTATION=<impl> on
// each side (issue 3; protocol-checklist §10.5). A split-tunnel config, and a
// full-tunnel one (AllowedIPs = 0.0.0.0/0, ::/0) that only works if the
// daemon really applies fwmark (SO_MARK) — otherwise its own UDP packets
// would be routed back into the tunnel. After down: daemon gone, socket gone.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { genKeyPair, implPairs } from '../helpers/impl.js';
import { endpointString, INNER } from '../helpers/pair.js';
import { ping, waitForPing } from '../helpers/transfer.js';
import { showStatus, waitForHandshake } from '../helpers/wgctl.js';
import { wgQuickDown, wgQuickUp } from '../helpers/wgquick.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wg-quick', 'wireguard-go', 'ping'];

for (const [implA, implB] of implPairs()) {
  describe(`interop wg-quick: ${implA} (initiator) → ${implB}`, () => {
    test('split tunnel: up on both sides, ping v4/v6, down ends both daemons and removes the sockets', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const [nsA, nsB] = await lab.addNamespaces(2);
      const link = await lab.connect(nsA!, nsB!);
      const ka = genKeyPair();
      const kb = genKeyPair();
      const b = await wgQuickUp(nsB!, implB, {
        keys: kb,
        addresses: [`${INNER.b4}/24`, `${INNER.b6}/64`],
        listenPort: 51820,
        peers: [{ publicKey: ka.publicKey, allowedIps: [`${INNER.a4}/32`, `${INNER.a6}/128`] }],
      });
      const a = await wgQuickUp(nsA!, implA, {
        keys: ka,
        addresses: [`${INNER.a4}/24`, `${INNER.a6}/64`],
        listenPort: 51820,
        peers: [{ publicKey: kb.publicKey, allowedIps: [`${INNER.b4}/32`, `${INNER.b6}/128`], endpoint: endpointString(link.b4, 51820) }],
      });
      // wg-quick applied the file through the daemon's UAPI.
      const st = await showStatus(a);
      assert.equal(st.publicKey, ka.publicKey);
      assert.equal(st.listenPort, 51820);
      assert.deepEqual(st.peers.map((p) => p.publicKey), [kb.publicKey]);
      await waitForPing(nsA!, INNER.b4);
      assert.equal((await ping(nsA!, INNER.b6, { count: 2 })).received, 2);
      assert.equal((await ping(nsB!, INNER.a4, { count: 2 })).received, 2);
      await waitForHandshake(b, ka.publicKey);

      await wgQuickDown(a);
      await wgQuickDown(b);
      const links = (await nsA!.ip(['-o', 'link', 'show'])).stdout;
      assert.ok(!links.includes(a.ifname), 'interface deleted');
    });

    test('full tunnel (AllowedIPs = 0.0.0.0/0, ::/0) relies on fwmark; down removes rules, daemon and socket', async (t) => {
      if (!requireRoot(t, [...TOOLS, 'nft'])) return;
      const lab = Lab.create(t);
      const [nsA, nsB] = await lab.addNamespaces(2);
      const link = await lab.connect(nsA!, nsB!);
      // Addresses only B has (on lo), reachable from A only through the tunnel.
      const far4 = '198.19.99.1';
      const far6 = '2001:db8:99::1';
      await nsB!.ip(['addr', 'add', `${far4}/32`, 'dev', 'lo']);
      await nsB!.ip(['-6', 'addr', 'add', `${far6}/128`, 'dev', 'lo', 'nodad']);
      assert.equal((await ping(nsA!, far4, { count: 1, deadlineS: 1 })).received, 0, 'unreachable before the tunnel');
      const ka = genKeyPair();
      const kb = genKeyPair();
      const b = await wgQuickUp(nsB!, implB, {
        keys: kb,
        addresses: [`${INNER.b4}/24`, `${INNER.b6}/64`],
        listenPort: 51820,
        peers: [{ publicKey: ka.publicKey, allowedIps: [`${INNER.a4}/32`, `${INNER.a6}/128`] }],
      });
      const rulesBefore = (await nsA!.ip(['rule', 'show'])).stdout;
      const a = await wgQuickUp(nsA!, implA, {
        keys: ka,
        addresses: [`${INNER.a4}/24`, `${INNER.a6}/64`],
        peers: [{ publicKey: kb.publicKey, allowedIps: ['0.0.0.0/0', '::/0'], endpoint: endpointString(link.b4, 51820) }],
      });
      const st = await showStatus(a);
      assert.ok(st.fwmark > 0, `wg-quick set a fwmark (got ${st.fwmark})`);
      assert.match((await nsA!.ip(['rule', 'show'])).stdout, /not from all fwmark/);

      await waitForPing(nsA!, far4);
      assert.equal((await ping(nsA!, far6, { count: 2 })).received, 2, 'IPv6 default route through the tunnel');
      assert.equal((await ping(nsA!, INNER.b4, { count: 2 })).received, 2);
      const before = (await showStatus(a)).peers[0]!.txBytes;
      assert.equal((await ping(nsA!, far4, { count: 3 })).received, 3);
      assert.ok((await showStatus(a)).peers[0]!.txBytes > before, 'the pings went through the tunnel');
      await waitForHandshake(b, ka.publicKey);

      await wgQuickDown(a);
      assert.equal((await nsA!.ip(['rule', 'show'])).stdout, rulesBefore, 'policy rules restored');
      assert.equal((await ping(nsA!, far4, { count: 1, deadlineS: 1 })).received, 0, 'unreachable after down');
      await wgQuickDown(b);
    });
  });
}
