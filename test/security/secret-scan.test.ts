// "No key in any output" (preamble; issue 6 "Security"), in memory: a full
// scenario — handshake with a PSK, data, rekeys, roaming, PSK change, private
// key change, peer removal and re-add, session expiry and key zeroing —
// with the connection tracker turning core events into webhook events, plus
// the error paths of parseSet / handleRequest (UAPI error replies),
// parseConf and Device.apply fed with every key in every encoding. Every
// DeviceEvent, portal event, peer status, error message and UAPI error
// reply is scanned for every private and preshared key, in hex and base64.
// The scanner is first shown to find a planted key (the UAPI get reply,
// which carries the private key by design), so the scan can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNet, ipv4Packet, pair, seqPayload, type NetNode } from '../helpers/memory-net.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { SecretScanner } from './secret-scanner.js';
import { ConnectionTracker } from '../../src/events/connection-tracker.js';
import { EventIdGenerator } from '../../src/events/event-id.js';
import type { PortalEvent } from '../../src/events/portal-event.js';
import type { DeviceEvent } from '../../src/core/events.js';
import { handleRequest } from '../../src/uapi/request.js';
import { parseSet } from '../../src/uapi/parse.js';
import { ConfFileError, parseConf } from '../../src/uapi/conf-file.js';
import { UapiError } from '../../src/uapi/errors.js';
import { generatePrivateKey } from '../../src/crypto/keys.js';
import { toBase64, toHex } from '../../src/util/bytes.js';
import { REJECT_AFTER_TIME_MS, REKEY_AFTER_TIME_MS } from '../../src/wire/constants.js';

/** JSON with every byte array shown in both hex and base64, so a key anywhere in an object is visible. */
export function exposeJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `${toHex(x)} ${toBase64(x)}` : x));
}

function track(net: MemoryNet, node: NetNode, sink: string[], seed: number): void {
  const tracker = new ConnectionTracker({
    ifname: node.name,
    clock: net.clock,
    scheduler: {
      setTimer(delayMs, fn) {
        let live = true;
        net.at(net.now + delayMs, () => live && fn());
        return () => void (live = false);
      },
    },
    ids: new EventIdGenerator(net.clock, new SeededRandom(seed)),
    graceMs: 5000,
    onEvent: (e: PortalEvent) => sink.push(exposeJson(e)),
  });
  const orig = node.emit.bind(node);
  node.emit = (ev: DeviceEvent) => {
    orig(ev);
    sink.push(exposeJson(ev));
    tracker.handle(ev);
  };
}

test('the scanner finds a planted key in every encoding and in fragments (so the scan below can fail)', () => {
  const key = new SeededRandom(3).fill(new Uint8Array(32));
  const s = new SecretScanner().addKey('k', key);
  assert.equal(s.scan('nothing here').length, 0);
  for (const text of [toHex(key), toHex(key).toUpperCase(), toBase64(key), `x=${toHex(key).slice(10, 30)}…`, exposeJson({ k: key })]) {
    assert.ok(s.scan(text).length > 0, text);
  }
  assert.throws(() => s.assertClean(`private_key=${toHex(key)}`, 'planted'), /secret leaked: k as hex/);
});

test('full in-memory scenario: no private or preshared key in any event, webhook event, status, error message or UAPI error reply', async () => {
  const net = new MemoryNet(77);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  const psk = net.random.fill(new Uint8Array(32));
  const psk2 = net.random.fill(new Uint8Array(32));
  const newKeyA = generatePrivateKey(net.random);
  const scanner = new SecretScanner()
    .addKey('A private', a.privateKey)
    .addKey('B private', b.privateKey)
    .addKey('PSK', psk)
    .addKey('PSK 2', psk2)
    .addKey('A new private', newKeyA);
  const out: string[] = [];
  track(net, a, out, 1);
  track(net, b, out, 2);
  pair(a, b, { psk, pkaA: 25 });
  a.device.setUp(true);
  b.device.setUp(true);

  // Positive control: the UAPI get reply carries the private key and PSK (root-only by design), and the scanner sees them.
  const get = await handleRequest(['get=1', ''], { get: () => a.device.snapshot(), set: () => undefined });
  assert.ok(get.reply !== null);
  assert.deepEqual(new Set(scanner.scan(get.reply).map((h) => h.label)), new Set(['A private', 'PSK']));

  // Traffic, two rekeys, roaming.
  let n = 0;
  net.every(1000, net.now + 2 * REKEY_AFTER_TIME_MS + 10_000, () => {
    a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(n++)));
    b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(n++)));
  });
  net.run(2 * REKEY_AFTER_TIME_MS + 12_000);
  assert.ok(a.eventsOf('session.confirmed').length >= 3);
  // Config changes that touch secrets: PSK change (both sides), A's private key change, removal and re-add.
  assert.equal(a.device.apply({ peers: [{ publicKey: b.publicKey, presharedKey: psk2 }] }), null);
  assert.equal(b.device.apply({ peers: [{ publicKey: a.publicKey, presharedKey: psk2 }] }), null);
  net.run(30_000);
  assert.equal(a.device.apply({ privateKey: newKeyA, peers: [] }), null);
  assert.equal(b.device.apply({ peers: [{ publicKey: a.publicKey, remove: true }] }), null);
  net.run(10_000);
  // Long silence: expiry, disconnect, keys zeroed.
  a.device.setUp(false);
  net.run(3 * REJECT_AFTER_TIME_MS + 10_000);
  out.push(exposeJson(a.device.peerStatus(b.publicKey)));
  const eventTypes = new Set([...a.events, ...b.events].map((e) => e.type));
  for (const t of ['session.confirmed', 'peer.updated', 'interface.updated', 'peer.removed', 'interface.down']) assert.ok(eventTypes.has(t as DeviceEvent['type']), t);
  assert.ok(out.some((s) => s.includes('"disconnect"')), 'webhook disconnect events were produced');

  // Error paths fed with the keys themselves.
  const hexKeys = [a.privateKey, b.privateKey, psk, psk2].map(toHex);
  const b64Keys = [a.privateKey, b.privateKey, psk, psk2].map(toBase64);
  const setRequests: string[][] = [];
  for (const [i, hx] of hexKeys.entries()) {
    const b64 = b64Keys[i]!;
    setRequests.push(
      [`private_key=${hx}`, 'listen_port=70000'],
      [`private_key=${b64}`],
      [`private_key=${hx.slice(0, 63)}`],
      [`private_key=${hx}0`],
      [`public_key=${toHex(b.publicKey)}`, `preshared_key=${hx}`, `endpoint=${hx}`],
      [`public_key=${toHex(b.publicKey)}`, `preshared_key=${b64}`],
      [`public_key=${toHex(b.publicKey)}`, `allowed_ip=${hx}/32`],
      [`${hx}=1`],
      [`listen_port=${b64}`],
      [`fwmark=${hx}`],
      [hx],
    );
  }
  for (const lines of setRequests) {
    assert.throws(() => parseSet(lines), UapiError, lines.join('\\n').slice(0, 20));
    const r = await handleRequest(['set=1', ...lines, ''], { get: () => a.device.snapshot(), set: (d) => void a.device.apply(d) });
    assert.ok(r.error, 'rejected');
    out.push(r.reply ?? '', r.error.message, String(r.error));
  }
  const confs: string[] = [];
  for (const [i, hx] of hexKeys.entries()) {
    const b64 = b64Keys[i]!;
    confs.push(
      `[Interface]\nPrivateKey = ${hx}\n`,
      `[Interface]\nPrivateKey = ${b64.slice(0, 43)}\n`,
      `[Interface]\nPrivateKey = ${b64}x\n`,
      `[Interface]\nListenPort = ${b64}\n`,
      `[Peer]\nPublicKey = ${toBase64(b.publicKey)}\nPresharedKey = ${hx}\n`,
      `[Peer]\nPublicKey = ${toBase64(b.publicKey)}\nEndpoint = ${b64}\n`,
      `[Peer]\nPublicKey = ${toBase64(b.publicKey)}\nAllowedIPs = ${b64}\n`,
      `[Interface]\n${b64}\n`,
      `[${b64}]\n`,
      `${b64} = 1\n`,
    );
  }
  for (const c of confs) {
    assert.throws(() => parseConf(c), ConfFileError, c);
    try {
      parseConf(c);
    } catch (e) {
      out.push((e as Error).message, String(e));
    }
  }
  const badDeltas = [
    { privateKey: a.privateKey.subarray(0, 31), peers: [] },
    { peers: [{ publicKey: b.publicKey, presharedKey: psk.subarray(0, 31) }] },
    { peers: [{ publicKey: psk, presharedKey: psk2, persistentKeepalive: -1 }] },
  ];
  for (const d of badDeltas) {
    const err = a.device.apply(d);
    assert.equal(typeof err, 'string');
    out.push(err!);
  }

  assert.ok(out.length > 100, `scanned ${out.length} outputs`);
  for (const [i, text] of out.entries()) scanner.assertClean(text, `output ${i}`);
});
