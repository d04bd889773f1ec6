// Interop: the daemon contract wg-quick relies on (protocol-checklist §10.4,
// issue 3 "CLI"), checked for each implementation: `<impl> <ifname>` returns
// with the UAPI socket already in place and a daemon serving it; the daemon
// exits and removes its socket on TUN deletion, on SIGTERM, and when the
// socket file is deleted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { Lab } from '../helpers/netns.js';
import { isSocket, selectedImpls, startInterface, stopInterface } from '../helpers/impl.js';
import { pidAlive, pidCmdline } from '../helpers/proc.js';
import { DAEMON_NODE_FLAGS } from '../../src/cli/node-flags.js';
import { waitFor } from '../helpers/wait.js';
import { showStatus } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go'];

async function linkExists(ns: { ip(args: readonly string[], o?: { check?: boolean }): Promise<{ code: number | null }> }, ifname: string): Promise<boolean> {
  return (await ns.ip(['link', 'show', 'dev', ifname], { check: false })).code === 0;
}

for (const impl of selectedImpls()) {
  describe(`daemon lifecycle: ${impl}`, () => {
    test('socket exists on return, wg talks to it; ip link del ends the daemon and removes the socket', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const [ns] = await lab.addNamespaces(1);
      const iface = await startInterface(ns!, impl, { listenPort: 51999 });
      const st = await showStatus(iface);
      assert.equal(st.publicKey, iface.keys.publicKey);
      assert.equal(st.listenPort, 51999);
      assert.ok(await linkExists(ns!, iface.ifname));
      await stopInterface(iface);
    });

    if (impl === 'tswg') {
      test('the background launcher starts the serving process with the daemon\'s V8 flags', async (t) => {
        if (!requireRoot(t, TOOLS)) return;
        const lab = Lab.create(t);
        const [ns] = await lab.addNamespaces(1);
        const iface = await startInterface(ns!, impl);
        // node <flags> bin/tswg.js -f …: the flags must come before the script to reach V8.
        const argv = pidCmdline(iface.pid).split(' ');
        const script = argv.findIndex((a) => a.endsWith('bin/tswg.js'));
        assert.ok(script > 0, argv.join(' '));
        for (const f of DAEMON_NODE_FLAGS) assert.ok(argv.slice(1, script).includes(f), `${f} missing from ${argv.join(' ')}`);
        assert.equal(argv[script + 1], '-f');
        await stopInterface(iface);
      });
    }

    test('SIGTERM: the daemon exits, removes its socket and its interface', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const [ns] = await lab.addNamespaces(1);
      const iface = await startInterface(ns!, impl);
      process.kill(iface.pid, 'SIGTERM');
      await waitFor(() => !pidAlive(iface.pid), { timeoutMs: 5000, what: `${impl} to exit on SIGTERM` });
      await waitFor(() => !isSocket(iface.socketPath), { timeoutMs: 2000, what: 'socket removal' });
      await waitFor(async () => !(await linkExists(ns!, iface.ifname)), { timeoutMs: 2000, what: 'TUN removal' });
    });

    test('deleting the socket file makes the daemon exit', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const [ns] = await lab.addNamespaces(1);
      const iface = await startInterface(ns!, impl);
      unlinkSync(iface.socketPath);
      await waitFor(() => !pidAlive(iface.pid), { timeoutMs: 5000, what: `${impl} to exit after its socket was deleted` });
      await waitFor(async () => !(await linkExists(ns!, iface.ifname)), { timeoutMs: 2000, what: 'TUN removal' });
    });
  });
}
