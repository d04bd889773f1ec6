// End to end durability (issue 4 "Delivery"): tswg ↔ wireguard-go with the
// webhook receiver down; the daemon queues create/connect events in its
// `--state-dir` journal and is killed with SIGKILL. After the receiver and a
// new daemon (same state dir, same interface) start, every queued event
// arrives with the id it was given before the crash, per-peer order intact,
// followed by the disconnect the dead process could not send.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../helpers/netns.js';
import { startInterface } from '../helpers/impl.js';
import { pidAlive } from '../helpers/proc.js';
import { setPeer } from '../helpers/wgctl.js';
import { waitForPing } from '../helpers/transfer.js';
import { waitFor } from '../helpers/wait.js';
import { requireRoot } from '../helpers/root.js';
import { NsReceiver, is, startTswg, writeConfig } from './tswg-events.js';

interface Queued {
  id: string;
  key: string;
  event: string;
}

/** Events the journal holds (the on-disk queue, src/io/event-journal.ts format). */
function journalEvents(stateDir: string): Queued[] {
  let text = '';
  try {
    text = readFileSync(join(stateDir, 'events.journal'), 'utf8');
  } catch {
    return [];
  }
  const out: Queued[] = [];
  for (const line of text.split('\n')) {
    try {
      const rec = JSON.parse(line) as { e?: { id: string; key: string; body: string } };
      if (rec.e) out.push({ id: rec.e.id, key: rec.e.key, event: (JSON.parse(rec.e.body) as { event: string }).event });
    } catch {
      // a torn or unrelated line
    }
  }
  return out;
}

test('e2e: receiver down, daemon SIGKILLed, both restarted on the same state dir → queued events arrive with the same ids', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const go = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.1.2/24', listenPort: 51820 });
  const port = 18083; // nothing listens here yet
  const configPath = writeConfig(
    nsA!,
    'events.yaml',
    `webhooks:\n  - name: durable\n    url: http://127.0.0.1:${port}/hook\n    retry: { initial_interval: 100ms, max_interval: 500ms }\n`,
  );
  const stateDir = join(lab.tmpDir, 'state');
  const ifname = lab.ifname();
  const first = await startTswg(nsA!, { ifname, configPath, stateDir, address4: '198.19.1.1/24' });
  await setPeer(go, { publicKey: first.iface.keys.publicKey, allowedIps: ['198.19.1.1/32'] });
  const peerKey = go.keys.publicKey;
  await setPeer(first.iface, { publicKey: peerKey, allowedIps: ['198.19.1.2/32'], endpoint: `${link.b4}:51820` });
  await waitForPing(nsA!, '198.19.1.2', 15_000);
  const queued = await waitFor(
    () => {
      const q = journalEvents(stateDir);
      return q.some((e) => e.key === peerKey && e.event === 'connect') ? q : undefined;
    },
    { timeoutMs: 10_000, what: 'the connect event in the journal' },
  );
  assert.ok(queued.some((e) => e.event === 'create' && e.key === `interface:${ifname}`));
  assert.ok(queued.some((e) => e.event === 'create' && e.key === peerKey));

  first.proc.kill('SIGKILL');
  await first.proc.wait(5000);
  // The TUN belonged to the dead process; the kernel removes it.
  await waitFor(async () => (await nsA!.ip(['link', 'show', 'dev', ifname], { check: false })).code !== 0, {
    timeoutMs: 5000,
    what: `${ifname} to disappear`,
  });

  const rx = await NsReceiver.start(nsA!, port);
  const second = await startTswg(nsA!, { ifname, configPath, stateDir, keys: first.iface.keys, address4: '198.19.1.1/24' });
  // The peer the dead process had connected: its disconnect comes from the journal's record.
  const disc = await rx.waitFor(is('disconnect', 'peer', peerKey), 'the disconnect of the peer connected at the crash');
  assert.equal(disc.json.tswg.reason, 'shutdown');
  assert.equal(disc.json.payload.IsConnected, false);
  await waitFor(() => queued.every((q) => rx.events().some((d) => d.headers['webhook-id'] === q.id)), {
    timeoutMs: 15_000,
    what: 'every queued event at the receiver',
  });
  const got = rx.events();
  for (const q of queued) {
    const d = got.find((x) => x.headers['webhook-id'] === q.id)!;
    assert.equal(d.json.tswg.eventId, q.id, 'the same id in the body as in the journal');
    assert.equal(d.json.event, q.event);
  }
  const peerStream = got.filter((d) => d.json.identifier === peerKey);
  assert.deepEqual(peerStream.map((d) => d.json.event), ['create', 'connect', 'disconnect'], 'per-peer order across the crash');
  assert.deepEqual(peerStream.map((d) => d.json.tswg.sequence), [1, 2, 3], 'sequence numbers continue');
  // The new process reports its own interface create too, with a new id.
  await rx.waitFor((d) => is('create', 'interface', ifname)(d) && !queued.some((q) => q.id === d.json.tswg.eventId), 'the new interface create');
  assert.ok(pidAlive(second.proc.pid));
  await nsA!.ip(['link', 'del', 'dev', ifname]);
  assert.equal((await second.proc.wait(10_000)).code, 0);
});
