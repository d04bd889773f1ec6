// Flood: replayed handshake and transport packets (issue 6 "Floods";
// whitepaper §5.1 timestamps, §5.4.6 replay window, §2.1 roaming only on
// authenticated packets). A (wireguard-go) ⇄ B (tswg); tcpdump in B's
// namespace records a handshake, pings and a TCP transfer; attacker X (its own
// veth to B, 4 source addresses) resends every captured datagram verbatim,
// many times, at B's listen port (test/helpers/flood-datagrams.js).
// Asserted, with the tunnel idle and then busy: B sends X no handshake
// response and no transport packet, B's endpoint for A does not move to X
// (a replay accepted as authentic would roam it), B's handshake time with A
// is unchanged (a replayed initiation triggers no new handshake), B's rx
// counter for A grows by at most a few keepalives while the replay carries
// far more, and ping and a transfer pass during the replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../helpers/netns.js';
import { makePair } from '../helpers/pair.js';
import { pidAlive } from '../helpers/proc.js';
import { ping, startTransfer, transfer, waitForPing, MiB } from '../helpers/transfer.js';
import { peerStatus, type PeerStatus } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';
import { waitFor, withTimeout } from '../helpers/wait.js';
import { machineLine, addSourceAddresses, diffUdp, startDatagramFlood, udpCounters } from './flood-lab.js';
import { readPcapUdp } from '../helpers/pcap.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping', 'tcpdump'];
const ROUNDS = 10;
const MAX_REPLAYS = 30000;
const REPLAY_RATE = 5000;
/** Busy phase: faster, and long enough to cover the transfer and the pings. */
const BUSY_RATE = 10000;
const BUSY_MAX = 150000;
/** A few keepalives (32 bytes each) may legitimately arrive while the replay runs. */
const IDLE_RX_SLACK = 8 * 32;

test('replayed handshake and transport packets are all rejected and the tunnel is unaffected', { timeout: 120000 }, async (t) => {
  if (!requireRoot(t, TOOLS)) return;
  const lab = Lab.create(t);
  const pair = await makePair(lab, 'wireguard-go', 'tswg');
  const { a, b } = pair;
  const nsX = await lab.addNamespace();
  const linkX = await lab.connect(nsX, b.ns);
  const prefix = linkX.a4.slice(0, linkX.a4.lastIndexOf('.'));
  const sources = await addSourceAddresses(nsX, linkX.devA, prefix, 10, 4);

  // ---- capture a live tunnel: handshake, pings, a TCP transfer (both directions).
  const pcapPath = join(lab.tmpDir, 'tunnel.pcap');
  const dump = b.ns.spawn(['tcpdump', '-i', pair.link.devB, '-n', '-U', '-Z', 'root', '-w', pcapPath, 'udp', 'port', String(b.listenPort)]);
  await waitFor(() => /listening on/.test(dump.stderr), { timeoutMs: 10000, what: `tcpdump to start (${dump.stderr.trim()})` });
  await waitForPing(a.ns, pair.b4, 10000);
  await ping(a.ns, pair.b4, { count: 10, intervalS: 0.05 });
  const captured = await transfer(a.ns, b.ns, pair.b4, 1 * MiB, { timeoutMs: 30000 });
  assert.equal(captured.receivedSha256, captured.sentSha256);
  await dump.stop(3000);
  const records = readPcapUdp(readFileSync(pcapPath));
  const payloads = records.map((r) => r.payload).filter((p) => p.length > 0 && p[0]! >= 1 && p[0]! <= 4);
  const byType = [1, 2, 3, 4].map((ty) => payloads.filter((p) => p[0] === ty).length);
  t.diagnostic(`captured ${payloads.length} WireGuard datagrams: ${byType[0]} initiations, ${byType[1]} responses, ${byType[2]} cookie replies, ${byType[3]} transport`);
  assert.ok(byType[0]! >= 1 && byType[1]! >= 1, 'the capture holds the handshake');
  assert.ok(byType[3]! >= 100, 'the capture holds transport packets');
  const payloadFile = join(lab.tmpDir, 'replay.json');
  writeFileSync(payloadFile, JSON.stringify(payloads.map((p) => p.toString('base64'))), { mode: 0o600 });
  const replaySpec = {
    mode: 'replay' as const,
    target: linkX.b4,
    port: b.listenPort,
    sources,
    payloadFile,
    rate: REPLAY_RATE,
    count: Math.min(MAX_REPLAYS, payloads.length * ROUNDS),
  };

  const before = (await peerStatus(b, a.keys.publicKey))!;
  const unchanged = (after: PeerStatus, phase: string): void => {
    assert.equal(after.endpoint, before.endpoint, `${phase}: B's endpoint for A moved (a replay was taken as authentic)`);
    assert.equal(after.latestHandshake, before.latestHandshake, `${phase}: a replayed initiation triggered a new handshake`);
  };

  // ---- phase 1: idle tunnel; everything B accepts from A would show in rx bytes.
  let udpBefore = await udpCounters(b.ns);
  const idle = await withTimeout(startDatagramFlood(nsX, { ...replaySpec, durationMs: 15000, timeoutMs: 25000 }).result, 30000, 'idle replay');
  const udpIdle = diffUdp(udpBefore, await udpCounters(b.ns));
  const afterIdle = (await peerStatus(b, a.keys.publicKey))!;
  t.diagnostic(`idle replay: ${idle.sent} datagrams (${idle.sentBytes} bytes) in ${idle.sendingMs} ms; B read ${udpIdle.inDatagrams}, kernel drops ${udpIdle.rcvbufErrors}; replies ${JSON.stringify(idle.replies)}; B rx for A +${afterIdle.rxBytes - before.rxBytes} bytes`);
  assert.ok(udpIdle.inDatagrams >= idle.sent / 2, 'the replayed datagrams reached tswg');
  assert.equal(idle.replies['2'] ?? 0, 0, 'no handshake response to a replayed initiation');
  assert.equal(idle.replies['4'] ?? 0, 0, 'no transport packet sent to the replayer');
  unchanged(afterIdle, 'idle replay');
  assert.ok(afterIdle.rxBytes - before.rxBytes <= IDLE_RX_SLACK, `B counted ${afterIdle.rxBytes - before.rxBytes} received bytes from A during an idle replay`);
  assert.ok(idle.sentBytes > 100 * IDLE_RX_SLACK, 'the replay carried far more than the slack');

  // ---- phase 2: replay while the tunnel carries pings and a transfer.
  udpBefore = await udpCounters(b.ns);
  const busy = startDatagramFlood(nsX, { ...replaySpec, rate: BUSY_RATE, count: BUSY_MAX, durationMs: 20000, timeoutMs: 30000 });
  let pings: Awaited<ReturnType<typeof ping>>;
  let xferOk: boolean;
  try {
    const xfer = await startTransfer(a.ns, b.ns, pair.b4, 2 * MiB, { timeoutMs: 30000 });
    pings = await ping(a.ns, pair.b4, { count: 20, intervalS: 0.2, deadlineS: 10 });
    const res = await xfer.done;
    xferOk = res.receivedBytes === res.bytes && res.receivedSha256 === res.sentSha256;
  } finally {
    busy.stop();
  }
  const r2 = await withTimeout(busy.result, 30000, 'busy replay');
  const udpBusy = diffUdp(udpBefore, await udpCounters(b.ns));
  const afterBusy = (await peerStatus(b, a.keys.publicKey))!;
  t.diagnostic(`busy replay: ${r2.sent} datagrams in ${r2.sendingMs} ms; B read ${udpBusy.inDatagrams}, kernel drops ${udpBusy.rcvbufErrors}; replies ${JSON.stringify(r2.replies)}; ping ${pings.received}/${pings.transmitted}; 2 MiB transfer ok ${xferOk}`);
  t.diagnostic(machineLine());
  assert.ok(pidAlive(b.pid), 'tswg survived');
  assert.equal(r2.replies['2'] ?? 0, 0, 'no handshake response to a replayed initiation (busy)');
  assert.equal(r2.replies['4'] ?? 0, 0, 'no transport packet sent to the replayer (busy)');
  assert.ok(pings.received > 0, 'ping passes during the replay');
  assert.ok(xferOk, 'a transfer completes intact during the replay');
  unchanged(afterBusy, 'busy replay');
});
