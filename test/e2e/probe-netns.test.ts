// End to end liveness probe: tswg (with `probe:` in its config) ↔
// wireguard-go. With no traffic of its own, the probe's ICMP echo brings the
// tunnel up (connect), the peer's kernel answers through the tunnel, tswg
// catches the replies before its TUN (the TUN receives nothing), and the next
// status payload — the disconnect on removal — says IsPingable true with a
// LastPing time. A v6-only peer is probed with ICMPv6 (checksum over the
// pseudo-header, which the far kernel verifies).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Lab } from '../helpers/netns.js';
import { startInterface } from '../helpers/impl.js';
import { removePeer, setPeer } from '../helpers/wgctl.js';
import { waitFor } from '../helpers/wait.js';
import { waitForPing } from '../helpers/transfer.js';
import { requireRoot } from '../helpers/root.js';
import { NsReceiver, RFC3339, is, startTswg, writeConfig, type TswgDaemon } from './tswg-events.js';

function echoLines(d: TswgDaemon): number {
  return d.proc.stderr.split('\n').filter((l) => l.includes('probe: echo')).length;
}

async function tunRxPackets(d: TswgDaemon): Promise<number> {
  const r = await d.iface.ns.ip(['-j', '-s', 'link', 'show', 'dev', d.iface.ifname]);
  const [link] = JSON.parse(r.stdout) as Array<{ stats64: { rx: { packets: number } } }>;
  return link!.stats64.rx.packets;
}

test('e2e: the probe fills IsPingable/LastPing (ICMP and ICMPv6 through the tunnel; replies never reach the TUN)', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go'])) return;
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const go = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.1.2/24', address6: '2001:db8:1::2/64' });
  const rx = await NsReceiver.start(nsA!, 18084);
  const configPath = writeConfig(nsA!, 'events.yaml', `webhook:\n  url: ${rx.url()}\nprobe:\n  interval: 1s\n  timeout: 1s\n`);
  const ifname = lab.ifname();
  const d = await startTswg(nsA!, {
    ifname,
    configPath,
    stateDir: join(lab.tmpDir, 'state'),
    address4: '198.19.1.1/24',
    address6: '2001:db8:1::1/64',
  });
  await setPeer(go, { publicKey: d.iface.keys.publicKey, allowedIps: ['198.19.1.1/32', '2001:db8:1::1/128'] });
  const peerKey = go.keys.publicKey;
  const endpoint = `${link.b4}:51820`;

  // Phase 1, IPv4: no ping from the test; the probe's own echo makes the handshake.
  await setPeer(d.iface, { publicKey: peerKey, allowedIps: ['198.19.1.2/32', '2001:db8:1::2/128'], endpoint });
  const conn = await rx.waitFor(is('connect', 'peer', peerKey), 'connect caused by the probe');
  assert.equal(conn.json.payload.Endpoint, endpoint);
  const after = echoLines(d);
  await waitFor(() => echoLines(d) >= after + 2, { timeoutMs: 10_000, what: 'two more probe rounds' });
  assert.equal(await tunRxPackets(d), 0, 'the echo replies were consumed before the TUN');
  await removePeer(d.iface, peerKey);
  const disc = await rx.waitFor(is('disconnect', 'peer', peerKey), 'disconnect after removal');
  assert.equal(disc.json.payload.IsPingable, true);
  assert.match(String(disc.json.payload.LastPing), RFC3339);
  assert.ok(Date.parse(String(disc.json.payload.LastPing)) >= Date.parse(String(conn.json.payload.LastHandshake)));
  assert.match(d.proc.stderr, /probe: echo \d+ to 198\.19\.1\.2 /);

  // Phase 2, v6-only peer: ICMPv6 echo from 2001:db8:1::1.
  await setPeer(d.iface, { publicKey: peerKey, allowedIps: ['2001:db8:1::2/128'], endpoint });
  const conn6 = await rx.waitFor((x) => is('connect', 'peer', peerKey)(x) && x.json.tswg.eventId !== conn.json.tswg.eventId, 'second connect');
  const after6 = echoLines(d);
  await waitFor(() => echoLines(d) >= after6 + 2, { timeoutMs: 10_000, what: 'two ICMPv6 probe rounds' });
  assert.match(d.proc.stderr, /probe: echo \d+ to 2001:db8:1::2 /);
  await removePeer(d.iface, peerKey);
  const disc6 = await rx.waitFor(
    (x) => is('disconnect', 'peer', peerKey)(x) && x.json.tswg.eventId !== disc.json.tswg.eventId,
    'second disconnect',
  );
  assert.equal(disc6.json.payload.IsPingable, true, 'answered over ICMPv6');
  assert.ok(Date.parse(String(disc6.json.payload.LastPing)) >= Date.parse(String(conn6.json.payload.LastHandshake)));
  assert.equal(await tunRxPackets(d), 0, 'ICMPv6 replies consumed too');
  // The counter does count what the daemon writes: an ordinary ping's replies reach the TUN.
  await setPeer(d.iface, { publicKey: peerKey, allowedIps: ['198.19.1.2/32'], endpoint });
  await waitForPing(nsA!, '198.19.1.2', 15_000);
  assert.ok((await tunRxPackets(d)) > 0);
});
