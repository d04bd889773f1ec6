// End to end (issue 4): tswg in one namespace, wireguard-go in another, a real
// HTTP receiver process on the tswg namespace's loopback. The receiver must
// get, in order: interface create, peer create, connect (exact 9 payload keys,
// observed Endpoint), disconnect(removed), peer delete, interface delete — and
// the daemon exits after `ip link del`. A SIGHUP adds a second endpoint
// without losing what was queued; a SIGHUP with a broken file keeps the old
// configuration and logs the error with its position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../helpers/netns.js';
import { genKeyPair, startInterface } from '../helpers/impl.js';
import { removePeer, setPeer } from '../helpers/wgctl.js';
import { waitForPing } from '../helpers/transfer.js';
import { requireRoot } from '../helpers/root.js';
import { CONNECT_KEYS, NsReceiver, RFC3339, is, startTswg, waitForLog, writeConfig, type Delivery } from './tswg-events.js';

const AUTH = 'Basic dXNlcm5hbWU6cGFzc3dvcmQ=';

async function topology(t: Parameters<typeof requireRoot>[0]) {
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const go = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.1.2/24', listenPort: 51820 });
  return { lab, nsA: nsA!, nsB: nsB!, link, go };
}

function indexOf(list: Delivery[], pred: (d: Delivery) => boolean, what: string): number {
  const i = list.findIndex(pred);
  assert.ok(i >= 0, `${what} missing from ${list.map((d) => `${d.json.event}/${d.json.entity}`).join(', ')}`);
  return i;
}

test('e2e: tswg ↔ wireguard-go with a receiver: create, connect, disconnect+delete on remove, interface delete on ip link del', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
  const { lab, nsA, link, go } = await topology(t);
  const rx = await NsReceiver.start(nsA, 18080);
  // The seed's form, unchanged (webhook-research.md §1.2).
  const configPath = writeConfig(nsA, 'events.yaml', `webhook:\n  url: ${rx.url()}\n  secret: "${AUTH}"\n`);
  const ifname = lab.ifname();
  const d = await startTswg(nsA, { ifname, configPath, stateDir: join(lab.tmpDir, 'state'), address4: '198.19.1.1/24' });

  await rx.waitFor(is('create', 'interface', ifname), 'interface create');
  await setPeer(go, { publicKey: d.iface.keys.publicKey, allowedIps: ['198.19.1.1/32'] });
  const peerKey = go.keys.publicKey;
  await setPeer(d.iface, { publicKey: peerKey, allowedIps: ['198.19.1.2/32'], endpoint: `${link.b4}:51820` });
  const created = await rx.waitFor(is('create', 'peer', peerKey), 'peer create');
  assert.equal(created.json.payload.PublicKey, peerKey);
  assert.deepEqual(created.json.payload.AllowedIPs, ['198.19.1.2/32']);
  assert.equal(created.json.payload.InterfaceIdentifier, ifname);
  assert.ok(!('PrivateKey' in created.json.payload) && !('PresharedKey' in created.json.payload));

  await waitForPing(nsA, '198.19.1.2', 15_000);
  const conn = await rx.waitFor(is('connect', 'peer', peerKey), 'connect');
  const p = conn.json.payload;
  assert.deepEqual(Object.keys(p).sort(), CONNECT_KEYS, 'exactly the 9 PeerStatus keys');
  assert.equal(p.PeerId, peerKey);
  assert.equal(p.IsConnected, true);
  assert.equal(p.IsPingable, false, 'no probe configured');
  assert.equal(p.LastPing, null);
  assert.equal(p.Endpoint, `${link.b4}:51820`);
  assert.match(String(p.LastHandshake), RFC3339);
  assert.match(String(p.LastSessionStart), RFC3339);
  assert.equal(typeof p.BytesReceived, 'number');
  assert.equal(typeof p.BytesTransmitted, 'number');
  assert.ok((p.BytesTransmitted as number) > 0, 'the initiation at least');
  assert.equal(conn.json.tswg.reason, 'handshake');
  assert.equal(conn.json.tswg.interface, ifname);
  assert.deepEqual(conn.json.tswg.allowedIps, ['198.19.1.2/32']);
  assert.equal(conn.headers.authorization, AUTH, 'Authorization sent verbatim');
  assert.equal(conn.headers['content-type'], 'application/json');
  assert.equal(conn.headers['webhook-id'], conn.json.tswg.eventId);

  await removePeer(d.iface, peerKey);
  const disc = await rx.waitFor(is('disconnect', 'peer', peerKey), 'disconnect');
  await rx.waitFor(is('delete', 'peer', peerKey), 'peer delete');
  assert.deepEqual(Object.keys(disc.json.payload).sort(), CONNECT_KEYS);
  assert.equal(disc.json.payload.IsConnected, false);
  assert.equal(disc.json.payload.Endpoint, `${link.b4}:51820`);
  assert.equal(disc.json.tswg.reason, 'removed');
  assert.equal(typeof disc.json.tswg.sessionDurationSeconds, 'number');

  await nsA.ip(['link', 'del', 'dev', ifname]);
  await rx.waitFor(is('delete', 'interface', ifname), 'interface delete');
  const status = await d.proc.wait(10_000);
  assert.equal(status.code, 0, d.proc.stderr.slice(-2000));

  const all = rx.events();
  const order = [
    indexOf(all, is('create', 'interface', ifname), 'interface create'),
    indexOf(all, is('create', 'peer', peerKey), 'peer create'),
    indexOf(all, is('connect', 'peer', peerKey), 'connect'),
    indexOf(all, is('disconnect', 'peer', peerKey), 'disconnect'),
    indexOf(all, is('delete', 'peer', peerKey), 'peer delete'),
    indexOf(all, is('delete', 'interface', ifname), 'interface delete'),
  ];
  assert.deepEqual(order, [...order].sort((a, b) => a - b), 'arrival order');
  // The peer's own stream is exactly these four, numbered 1..4 (rekeys emit nothing).
  const peerEvents = all.filter((e) => e.json.identifier === peerKey);
  assert.deepEqual(peerEvents.map((e) => e.json.event), ['create', 'connect', 'disconnect', 'delete']);
  assert.deepEqual(peerEvents.map((e) => e.json.tswg.sequence), [1, 2, 3, 4]);
  for (const e of all) assert.equal(e.headers.authorization, AUTH);
  // Nothing secret ever left the daemon.
  for (const e of rx.all()) assert.ok(!e.body.includes(d.iface.keys.privateKey) && !e.body.includes(go.keys.privateKey));
});

test('e2e: SIGHUP adds an endpoint without losing queued events; a broken file keeps the old config and logs where', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go'])) return;
  const { lab, nsA, link, go } = await topology(t);
  const one = await NsReceiver.start(nsA, 18081);
  const two = await NsReceiver.start(nsA, 18082);
  const fast = 'retry: { initial_interval: 100ms, max_interval: 300ms }';
  const first = `webhooks:\n  - name: one\n    url: ${one.url()}\n    secret: "${AUTH}"\n    ${fast}\n`;
  const configPath = writeConfig(nsA, 'events.yaml', first);
  const ifname = lab.ifname();
  const d = await startTswg(nsA, { ifname, configPath, stateDir: join(lab.tmpDir, 'state'), address4: '198.19.1.1/24' });
  await one.waitFor(is('create', 'interface', ifname), 'interface create');

  // Endpoint one fails for a while: events pile up in its queue.
  await one.setStatus(503);
  await setPeer(d.iface, { publicKey: go.keys.publicKey, allowedIps: ['198.19.1.2/32'], endpoint: `${link.b4}:51820` });
  await setPeer(d.iface, { publicKey: go.keys.publicKey, allowedIps: ['198.19.1.2/32', '198.19.1.20/32'] });
  await new Promise((r) => setTimeout(r, 400)); // let a few attempts fail
  assert.ok(one.all().some((x) => x.status === 503), 'endpoint one was failing');

  writeFileSync(configPath, `${first}  - name: two\n    url: ${two.url()}\n    ${fast}\n`);
  d.proc.kill('SIGHUP');
  await waitForLog(d, /events configuration reloaded/, 'reload');
  const other = genKeyPair().publicKey;
  await setPeer(d.iface, { publicKey: other, allowedIps: ['198.19.1.30/32'] });
  const atTwo = await two.waitFor(is('create', 'peer', other), 'peer create at the new endpoint');
  assert.equal(atTwo.headers.authorization, undefined, 'endpoint two has no secret');

  await one.setStatus(200);
  await one.waitFor(is('create', 'peer', other), 'peer create at endpoint one');
  // Lanes are per peer, so B's backed-off lane may deliver after the new peer's.
  await one.waitFor(is('update', 'peer', go.keys.publicKey), 'the queued peer update at endpoint one');
  const got = one.events();
  // Nothing queued before the reload was lost: every key's sequence is 1..n without gaps.
  const byKey = new Map<string, number[]>();
  for (const e of got) byKey.set(e.json.identifier, [...(byKey.get(e.json.identifier) ?? []), e.json.tswg.sequence]);
  for (const [k, seqs] of byKey) assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `sequence of ${k}`);
  const peerB = got.filter((e) => e.json.identifier === go.keys.publicKey).map((e) => e.json.event);
  assert.deepEqual(peerB.slice(0, 2), ['create', 'update'], 'queued while failing, delivered after the reload');

  // A broken file: the error names the file position; the old (second) configuration stays.
  writeFileSync(configPath, `${first}  - name: two\n    url: ${two.url()}\n    bogus: 1\n`);
  d.proc.kill('SIGHUP');
  const line = await waitForLog(d, /reload failed, keeping the old configuration/, 'reload error');
  assert.ok(d.proc.stderr.includes(`${configPath}:8:5`), `position of the unknown key in:\n${line}\n${d.proc.stderr.slice(-1000)}`);
  assert.ok(d.proc.running, 'the daemon keeps running');
  await removePeer(d.iface, other);
  await two.waitFor(is('delete', 'peer', other), 'delete at endpoint two (old config kept)');
  await one.waitFor(is('delete', 'peer', other), 'delete at endpoint one');
});
