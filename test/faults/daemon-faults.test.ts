// Daemon faults (issue 6 "Faults"), root only: a real `node bin/tswg.js -f
// --config --state-dir` in one namespace, wireguard-go in another, a webhook
// receiver process beside tswg. One daemon lives through, in order:
// - its UDP port wanted by `wg set listen-port` while another socket holds
//   it: errno EADDRINUSE (-98), the old port keeps carrying the tunnel, the
//   configuration is unchanged;
// - 200 UAPI clients hanging up mid-request (half a set, a set without its
//   blank line, a get closed before its reply): nothing is applied, no fd
//   leaks, the next request works;
// - SIGHUP with a YAML syntax error: the old configuration is kept, the error
//   is logged as file:line:col, events still reach the old endpoint;
// - its TUN deleted (`ip link del`): exit 0, socket removed, and the events
//   of the teardown (disconnect, peer deletes, interface delete) delivered
//   before it exits, every key's sequence gap-free.
// A second test puts the state dir on a full 256 KiB tmpfs while ping runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Lab, type Netns } from '../helpers/netns.js';
import { genKeyPair, isSocket, startInterface, wg } from '../helpers/impl.js';
import { setPeer, showConf, showStatus } from '../helpers/wgctl.js';
import { ping, waitForPing } from '../helpers/transfer.js';
import { uapiRequest } from '../helpers/uapi-client.js';
import { waitFor } from '../helpers/wait.js';
import { requireRoot } from '../helpers/root.js';
import { NsReceiver, is, startTswg, waitForLog, writeConfig, type Delivery } from '../e2e/tswg-events.js';
import { parseJournal } from '../../src/io/event-journal.js';
import { fill, smallTmpfs } from './tmpfs.js';

type T = Parameters<typeof requireRoot>[0];

async function topology(t: T, rxPort: number, stateDir?: (lab: Lab) => string) {
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const link = await lab.connect(nsA!, nsB!);
  const go = await startInterface(nsB!, 'wireguard-go', { address4: '198.19.1.2/24', listenPort: 51820 });
  const rx = await NsReceiver.start(nsA!, rxPort);
  const configPath = writeConfig(
    nsA!,
    'events.yaml',
    `webhooks:\n  - name: main\n    url: ${rx.url()}\n    retry: { initial_interval: 100ms, max_interval: 500ms }\n`,
  );
  const ifname = lab.ifname();
  const d = await startTswg(nsA!, { ifname, configPath, stateDir: stateDir?.(lab) ?? join(lab.tmpDir, 'state'), address4: '198.19.1.1/24' });
  await setPeer(go, { publicKey: d.iface.keys.publicKey, allowedIps: ['198.19.1.1/32'] });
  await setPeer(d.iface, { publicKey: go.keys.publicKey, allowedIps: ['198.19.1.2/32'], endpoint: `${link.b4}:51820` });
  await waitForPing(nsA!, '198.19.1.2', 15_000);
  await rx.waitFor(is('connect', 'peer', go.keys.publicKey), 'connect');
  return { lab, nsA: nsA!, nsB: nsB!, go, rx, d, ifname, configPath };
}

/** Both directions through the tunnel: tswg → wireguard-go and back (wireguard-go sends to tswg's port). */
async function tunnelWorks(nsA: Netns, nsB: Netns, count = 3): Promise<void> {
  const out = await ping(nsA, '198.19.1.2', { count, deadlineS: 10 });
  assert.ok(out.received >= 1, `tswg → wireguard-go: ${out.output}`);
  const back = await ping(nsB, '198.19.1.1', { count, deadlineS: 10 });
  assert.ok(back.received >= 1, `wireguard-go → tswg: ${back.output}`);
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Connects to the UAPI socket, writes `data`, and hangs up at once (never reads). */
function hangUp(socketPath: string, data: string): Promise<void> {
  return new Promise((resolve) => {
    const s = createConnection(socketPath);
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    s.on('connect', () => s.end(data, () => s.destroy()));
  });
}

/** Every key's delivered sequence numbers are 1..n: nothing lost in between. */
function assertGapFree(got: Delivery[]): void {
  const byKey = new Map<string, number[]>();
  for (const e of got) byKey.set(e.json.identifier, [...(byKey.get(e.json.identifier) ?? []), e.json.tswg.sequence]);
  for (const [k, seqs] of byKey) assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `sequences of ${k}`);
}

test('daemon faults: UDP port taken, UAPI clients hanging up mid-request, SIGHUP with broken YAML, TUN deleted', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping'])) return;
  const { nsA, nsB, go, rx, d, ifname, configPath } = await topology(t, 18090);
  const sock = d.iface.socketPath;

  // --- UDP port taken --------------------------------------------------------
  const taken = 40_001;
  const holder = nsA.spawn([
    process.execPath,
    '-e',
    `const s=require('node:dgram').createSocket('udp4');s.bind(${taken},()=>console.log('BOUND'));const t=require('node:dgram').createSocket({type:'udp6',ipv6Only:true});t.bind(${taken},()=>console.log('BOUND6'));`,
  ]);
  await holder.waitForOutput(/BOUND6/, 10_000);
  const confBefore = await showConf(d.iface);
  const r = await wg(nsA, ['set', ifname, 'listen-port', String(taken)], false);
  assert.notEqual(r.code, 0, 'wg set must fail');
  assert.match(r.stderr, /Address already in use/);
  const raw = await uapiRequest(sock, `set=1\nlisten_port=${taken}\n\n`);
  assert.equal(raw.errno, -98, 'EADDRINUSE on the wire');
  assert.equal((await showStatus(d.iface)).listenPort, 51820, 'the old port is kept');
  assert.equal(await showConf(d.iface), confBefore, 'the configuration is unchanged');
  await tunnelWorks(nsA, nsB);
  await waitForLog(d, /cannot bind UDP port 40001/, 'the bind error');
  // Control: once the port is free the same command works (the failure was the taken port).
  await holder.stop(2000);
  await wg(nsA, ['set', ifname, 'listen-port', String(taken)]);
  assert.equal((await showStatus(d.iface)).listenPort, taken);
  await wg(nsA, ['set', ifname, 'listen-port', '51820']);
  await tunnelWorks(nsA, nsB);

  // --- UAPI clients disconnecting mid-request -------------------------------
  const fds0 = openFds(d.proc.pid);
  const conf0 = await showConf(d.iface);
  const other = genKeyPair().publicKey;
  const otherHex = Buffer.from(other, 'base64').toString('hex');
  for (let i = 0; i < 50; i++) {
    await Promise.all([
      hangUp(sock, 'set=1\nlisten_po'), // half a line
      hangUp(sock, 'set=1\nlisten_port=4444\n'), // whole lines, no terminating blank line
      hangUp(sock, `set=1\npublic_key=${otherHex}\nallowed_ip=198.19.1.99/32\n`), // half a peer
      hangUp(sock, 'get=1\n\n'), // a get whose reply nobody reads
    ]);
  }
  assert.equal(await showConf(d.iface), conf0, 'no partial request was applied');
  const get = await uapiRequest(sock, 'get=1\n\n');
  assert.equal(get.errno, 0, 'the next request works');
  assert.ok(get.lines.some((l) => l === 'listen_port=51820'));
  await waitFor(() => openFds(d.proc.pid) <= fds0 + 2, { timeoutMs: 5000, what: `fds back to ${fds0} (now ${openFds(d.proc.pid)})` });
  assert.ok(d.proc.running);
  await tunnelWorks(nsA, nsB);

  // --- SIGHUP with an invalid YAML file -------------------------------------
  const good = readFileSync(configPath, 'utf8');
  writeFileSync(configPath, `${good}  - name: second\n    url: [http://127.0.0.1:1/\n`);
  d.proc.kill('SIGHUP');
  const line = await waitForLog(d, /reload failed, keeping the old configuration/, 'the reload error');
  const esc = configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(d.proc.stderr, new RegExp(`${esc}:\\d+:\\d+: `), `file:line:col in:\n${line}`);
  assert.ok(d.proc.running, 'still running');
  await setPeer(d.iface, { publicKey: other, allowedIps: ['198.19.1.40/32'] });
  const created = await rx.waitFor(is('create', 'peer', other), 'an event at the old endpoint after the broken reload');
  assert.equal(created.status, 200);

  // --- TUN deleted -------------------------------------------------------------
  await nsA.ip(['link', 'del', 'dev', ifname]);
  const st = await d.proc.wait(15_000);
  assert.equal(st.code, 0, d.proc.stderr.slice(-2000));
  assert.ok(!isSocket(sock), 'the UAPI socket is removed');
  // Flushed before exit: the receiver already has the teardown, no waiting needed beyond the exit.
  const got = rx.events();
  for (const k of [go.keys.publicKey, other]) assert.ok(got.some(is('delete', 'peer', k)), `peer delete for ${k}`);
  assert.ok(got.some(is('disconnect', 'peer', go.keys.publicKey)), 'the connected peer is reported disconnected');
  assert.ok(got.some(is('delete', 'interface', ifname)), 'interface delete');
  assertGapFree(got);
  const goStream = got.filter((e) => e.json.identifier === go.keys.publicKey).map((e) => e.json.event);
  assert.deepEqual(goStream.slice(0, 2), ['create', 'connect']);
  assert.deepEqual(goStream.slice(-2), ['disconnect', 'delete']);
});

test('daemon with its state dir on a full 256 KiB tmpfs: clear error, tunnel and deliveries keep working, the journal resumes when space returns', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'ping', 'mount', 'umount'])) return;
  const state = smallTmpfs(t);
  const { nsA, nsB, rx, d, ifname } = await topology(t, 18091, () => state);
  const sock = d.iface.socketPath;
  const filler = join(state, 'filler');
  fill(filler);

  // 100 peers in one UAPI request: 100 create events with no room for them on disk.
  const keys = Array.from({ length: 100 }, () => randomBytes(32));
  const req = ['set=1', ...keys.flatMap((k, i) => [`public_key=${k.toString('hex')}`, `allowed_ip=198.19.${2 + (i >> 6)}.${(i & 63) + 1}/32`]), '', ''].join('\n');
  const pinging = ping(nsA, '198.19.1.2', { count: 20, intervalS: 0.1, deadlineS: 15 });
  assert.equal((await uapiRequest(sock, req)).errno, 0);
  await waitForLog(d, /event journal: disk error \(.*ENOSPC.*\); continuing without persistence/, 'the disk error');
  const b64 = keys.map((k) => k.toString('base64'));
  await waitFor(() => b64.every((k) => rx.events().some(is('create', 'peer', k))), { timeoutMs: 20_000, what: '100 creates delivered from memory' });
  const during = await pinging;
  assert.ok(during.received >= 18, `the tunnel keeps working while the disk is full: ${during.output}`);
  await tunnelWorks(nsA, nsB);
  assert.equal(d.proc.stderr.split('\n').filter((l) => /disk error/.test(l)).length, 1, 'one error line for the outage');

  // Receiver refusing, disk still full: events wait in memory. Then space returns.
  await rx.setStatus(503);
  const late = Array.from({ length: 10 }, () => randomBytes(32));
  const req2 = ['set=1', ...late.flatMap((k, i) => [`public_key=${k.toString('hex')}`, `allowed_ip=198.19.9.${i + 1}/32`]), '', ''].join('\n');
  assert.equal((await uapiRequest(sock, req2)).errno, 0);
  unlinkSync(filler);
  await waitForLog(d, /event journal: disk writable again; \d+ pending event\(s\) saved/, 'the journal resuming', 15_000);
  const onDisk = parseJournal(readFileSync(join(state, 'events.journal'), 'utf8'));
  const lateB64 = late.map((k) => k.toString('base64'));
  for (const k of lateB64) assert.ok(onDisk.events.some((e) => e.key === k), 'a pending create is in the journal again (it would survive a crash)');
  await rx.setStatus(200);
  await waitFor(() => lateB64.every((k) => rx.events().some(is('create', 'peer', k))), { timeoutMs: 20_000, what: 'the pending creates delivered' });
  assertGapFree(rx.events());
  await tunnelWorks(nsA, nsB);
  await nsA.ip(['link', 'del', 'dev', ifname]);
  assert.equal((await d.proc.wait(15_000)).code, 0);
});
