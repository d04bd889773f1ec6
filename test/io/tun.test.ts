// Root-only: a real TUN interface in the root namespace with a unique name
// (tswgt<hex>) and a random 198.18.x.0/24. Covers batched reads, writes,
// MTU, link up/down/deletion, error texts and SO_MARK on UDP sockets.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { requireRoot } from '../helpers/root.js';
import { loadNative } from '../../src/io/native.js';
import { Tun, type LinkState } from '../../src/io/tun.js';
import { UdpBind } from '../../src/io/udp.js';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function linkExists(name: string): boolean {
  return spawnSync('ip', ['link', 'show', 'dev', name], { stdio: 'ignore' }).status === 0;
}

function makeTun(t: TestContext): Tun {
  const tun = Tun.create(`tswgt${randomBytes(3).toString('hex')}`);
  t.after(() => {
    tun.close();
    if (linkExists(tun.name)) spawnSync('ip', ['link', 'del', tun.name], { stdio: 'ignore' });
  });
  return tun;
}

/** Waits (bounded) until `cond` holds; the bound is a hang guard, not a timing assertion. */
async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** IPv4 + UDP (checksum 0 = none, allowed for IPv4, RFC 768). */
function udp4(src: number[], dst: number[], sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(28 + payload.length);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.length);
  p[8] = 64;
  p[9] = 17;
  p.set(src, 12);
  p.set(dst, 16);
  v.setUint16(10, checksum(p.subarray(0, 20)));
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, 8 + payload.length);
  p.set(payload, 28);
  return p;
}

const net3 = 18 + (randomBytes(1)[0]! & 1); // 198.18 or 198.19
const octet = 1 + (randomBytes(1)[0]! % 250);
const LOCAL = [198, net3, octet, 1];
const REMOTE = [198, net3, octet, 2];
const dotted = (a: number[]): string => a.join('.');

test('create: name, ifindex, MTU, flags, inherited-fd lookup, clear errors', (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const tun = makeTun(t);
  assert.match(tun.name, /^tswgt[0-9a-f]{6}$/);
  assert.ok(tun.ifindex > 0);
  assert.ok(linkExists(tun.name));
  tun.setMtu(1420);
  assert.equal(tun.mtu(), 1420);
  assert.equal(tun.isUp(), false);
  const native = loadNative();
  assert.equal(native.tunInfo(tun.fd).name, tun.name);

  const devnull = openSync('/dev/null', 'r');
  t.after(() => closeSync(devnull));
  assert.throws(() => Tun.fromFd(devnull), (err: NodeJS.ErrnoException) => {
    assert.match(err.message, /is not a TUN device \(TUNGETIFF\): .*\(E[A-Z]+\)$/);
    return true;
  });
  assert.throws(() => Tun.create('bad/name'), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'EINVAL');
    assert.equal(err.errno, 22);
    assert.match(err.message, /cannot create TUN interface "bad\/name" \(TUNSETIFF.*Invalid argument \(EINVAL\)/);
    return true;
  });
  assert.throws(() => Tun.create('x'.repeat(16)), /name must be at most 15 bytes long/);
  assert.throws(() => tun.setMtu(10), { code: 'EINVAL', syscall: 'ioctl' });

  // Without privileges the message says what is missing.
  const addon = new URL('../../../build/Release/tswg_native.node', import.meta.url).pathname;
  const child = spawnSync(process.execPath, ['-e', `try { require(${JSON.stringify(addon)}).openTun('tswgnp0', false) } catch (e) { console.log(e.code + ' ' + e.message) }`], {
    uid: 65534,
    gid: 65534,
    encoding: 'utf8',
  });
  assert.match(child.stdout, /^EPERM cannot create TUN interface "tswgnp0".*Operation not permitted \(EPERM\) — tswg needs root or CAP_NET_ADMIN/);
});

test('kernel-chosen name from a %d template; closing removes the interface', (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const tun = Tun.create('tswgk%d');
  t.after(() => tun.close());
  assert.match(tun.name, /^tswgk\d+$/);
  assert.ok(linkExists(tun.name));
  tun.close();
  assert.equal(linkExists(tun.name), false);
});

test('packets routed into the TUN arrive in batches; written packets reach sockets', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const tun = makeTun(t);
  ip('addr', 'add', `${dotted(LOCAL)}/24`, 'dev', tun.name);
  ip('link', 'set', tun.name, 'up');
  const seen: Uint8Array[] = [];
  let largestBatch = 0;
  tun.onPackets((packets) => {
    largestBatch = Math.max(largestBatch, packets.length);
    for (const p of packets) if (p[0]! >> 4 === 4 && p[9] === 17 && p.subarray(16, 20).join('.') === dotted(REMOTE)) seen.push(p);
  });
  const sender = dgram.createSocket('udp4');
  t.after(() => sender.close());
  await new Promise<void>((r) => sender.bind(0, dotted(LOCAL), () => r()));
  const N = 40;
  for (let i = 0; i < N; i++) sender.send(Uint8Array.of(0xab, i), 40000, dotted(REMOTE));
  await waitFor(`${N} packets`, () => seen.length >= N);
  const payloads = seen.map((p) => {
    assert.equal(new DataView(p.buffer, p.byteOffset).getUint16(2), p.length, 'one IP packet per view');
    return p[29]!;
  });
  assert.deepEqual(payloads.sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));
  assert.ok(largestBatch > 1, 'several packets per JS call');
  assert.ok(tun.stats.batches < tun.stats.packetsRead);

  const receiver = dgram.createSocket('udp4');
  t.after(() => receiver.close());
  const got: number[] = [];
  receiver.on('message', (m) => got.push(m[0]!));
  await new Promise<void>((r) => receiver.bind(0, dotted(LOCAL), () => r()));
  const port = receiver.address().port;
  tun.write(udp4(REMOTE, LOCAL, 5555, port, Uint8Array.of(1)));
  assert.equal(tun.writeMany([2, 3, 4].map((v) => udp4(REMOTE, LOCAL, 5555, port, Uint8Array.of(v)))), 3);
  await waitFor('4 datagrams', () => got.length >= 4);
  assert.deepEqual(got.sort(), [1, 2, 3, 4]);
  assert.equal(tun.stats.packetsWritten, 4);

  // A packet that is not IPv4/IPv6 (version nibble 0) is refused and counted; the ones behind it still go out.
  assert.equal(tun.writeMany([Uint8Array.of(0x00, 0), udp4(REMOTE, LOCAL, 5555, port, Uint8Array.of(5))]), 1);
  assert.equal(tun.stats.writeDrops, 1, JSON.stringify(tun.stats));
  assert.equal(tun.stats.lastWriteErrno, 22);
  await waitFor('5th datagram', () => got.length >= 5);
});

test('link monitor follows up/down and MTU, and deletion closes the TUN', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const tun = makeTun(t);
  const states: LinkState[] = [];
  let closedReason: string | null = null;
  tun.onLinkChange((s) => states.push(s));
  tun.onClosed((reason) => (closedReason = reason));
  tun.onPackets(() => {});
  ip('link', 'set', tun.name, 'up');
  await waitFor('up', () => states.some((s) => s.up));
  ip('link', 'set', tun.name, 'mtu', '1280');
  await waitFor('mtu 1280', () => states.at(-1)?.mtu === 1280);
  assert.equal(tun.mtu(), 1280);
  ip('link', 'set', tun.name, 'down');
  await waitFor('down', () => states.at(-1)?.up === false);
  assert.equal(tun.isUp(), false);
  ip('link', 'del', tun.name);
  await waitFor('closed', () => closedReason !== null);
  assert.match(closedReason!, /deleted|removed/);
  const drops = tun.stats.writeDrops;
  tun.write(new Uint8Array(20));
  assert.equal(tun.stats.writeDrops, drops + 1, 'writes after removal are dropped, not thrown');
});

test('SO_MARK round trip on both UDP sockets, kept across rebinds', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const bind = new UdpBind();
  t.after(() => bind.close());
  await bind.open(0);
  assert.deepEqual(bind.marks(), [0, 0]);
  bind.setMark(0x51820);
  assert.deepEqual(bind.marks(), [0x51820, 0x51820]);
  await bind.open(0);
  assert.deepEqual(bind.marks(), [0x51820, 0x51820]);
  bind.setMark(0);
  assert.deepEqual(bind.marks(), [0, 0]);
});

test('the native reader alone reports EBADFD once when the interface is deleted', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const native = loadNative();
  const name = `tswgr${randomBytes(3).toString('hex')}`;
  const { fd } = native.openTun(name, false);
  t.after(() => {
    native.closeFd(fd);
    if (linkExists(name)) spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  });
  const codes: number[] = [];
  const handle = native.startReader(fd, 8, 2048, new Uint32Array(8), (code) => codes.push(code));
  t.after(() => native.stopReader(handle)); // idempotent after the reader stopped itself
  ip('link', 'del', name);
  await waitFor('reader error', () => codes.length > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(codes, [77]);
  assert.throws(() => native.refHandle(handle, false), { code: 'ERR_TSWG_HANDLE_CLOSED' });
});
