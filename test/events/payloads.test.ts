// Envelope and payload shapes: wg-portal's flat PeerStatus keys for
// connect/disconnect, public configuration only for create/update/delete,
// and no private or preshared key anywhere in what is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionTracker } from '../../src/events/connection-tracker.js';
import { EventIdGenerator } from '../../src/events/event-id.js';
import type { PortalEvent } from '../../src/events/portal-event.js';
import type { PeerSnapshot } from '../../src/core/config.js';
import type { InterfaceStatus } from '../../src/core/events.js';
import { toBase64 } from '../../src/util/bytes.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SeededRandom } from '../helpers/seeded-random.js';
import { FakeScheduler } from './fake-scheduler.js';
import { peer, peerId } from './fixtures.js';

const STATUS_KEYS = [
  'PeerId',
  'IsConnected',
  'IsPingable',
  'LastPing',
  'BytesReceived',
  'BytesTransmitted',
  'LastHandshake',
  'Endpoint',
  'LastSessionStart',
];

function run(feedAll: (t: ConnectionTracker, clock: FakeClock) => void, graceMs = 0): PortalEvent[] {
  const clock = new FakeClock();
  const out: PortalEvent[] = [];
  const t = new ConnectionTracker({
    ifname: 'wg7',
    clock,
    scheduler: new FakeScheduler(clock),
    ids: new EventIdGenerator(clock, new SeededRandom(3)),
    graceMs,
    peerName: () => 'laptop',
    onEvent: (e) => out.push(e),
  });
  feedAll(t, clock);
  return out;
}

test('connect/disconnect payload has exactly the wg-portal PeerStatus keys, RFC 3339 times, ip:port and [v6]:port', () => {
  const out = run((t, clock) => {
    const at = clock.wallNow();
    t.handle({
      type: 'session.confirmed',
      at,
      peer: peer(1, { lastHandshakeWallMs: at, sessionStartWallMs: at, rxBytes: 1234, txBytes: 5678 }),
      isInitiator: false,
      isFirst: true,
    });
    clock.advance(90_500);
    t.handle({
      type: 'session.expired',
      at: clock.wallNow(),
      peer: peer(1, { endpoint: { address: '2001:db8::1', port: 443 }, lastHandshakeWallMs: at, rxBytes: 2000, txBytes: 6000 }),
    });
  });
  assert.equal(out.length, 2);
  const [c, d] = out.map((e) => JSON.parse(JSON.stringify(e.envelope)) as Record<string, Record<string, unknown>>);
  for (const env of [c!, d!]) {
    assert.deepEqual(Object.keys(env), ['event', 'entity', 'identifier', 'payload', 'tswg']);
    assert.equal(env.entity, 'peer');
    assert.equal(env.identifier, peerId(1));
    assert.deepEqual(Object.keys(env.payload!), STATUS_KEYS);
    assert.equal(env.payload!.PeerId, peerId(1));
    assert.equal(env.payload!.IsPingable, false);
    assert.equal(env.payload!.LastPing, null);
  }
  const start = new Date(Date.UTC(2026, 0, 1)).toISOString();
  assert.equal(c!.event, 'connect');
  assert.deepEqual(c!.payload, {
    PeerId: peerId(1),
    IsConnected: true,
    IsPingable: false,
    LastPing: null,
    BytesReceived: 1234,
    BytesTransmitted: 5678,
    LastHandshake: start,
    Endpoint: '198.18.0.2:51821',
    LastSessionStart: start,
  });
  assert.equal(d!.event, 'disconnect');
  assert.equal(d!.payload!.IsConnected, false);
  assert.equal(d!.payload!.Endpoint, '[2001:db8::1]:443');
  assert.equal(d!.payload!.LastSessionStart, start);
  assert.equal(d!.payload!.BytesReceived, 2000);
  assert.match(String(d!.payload!.LastHandshake), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const x = d!.tswg!;
  assert.equal(x.interface, 'wg7');
  assert.equal(x.peerName, 'laptop');
  assert.deepEqual(x.allowedIps, ['10.0.0.1/32']);
  assert.equal(x.reason, 'expired');
  assert.equal(x.sessionDurationSeconds, 90.5);
  assert.equal(x.sequence, 2);
  assert.match(String(x.eventId), /^[0-9A-HJKMNP-TV-Z]{26}$/);
});

test('probe results fill IsPingable and LastPing', () => {
  const out = run((t, clock) => {
    t.handle({ type: 'peer.created', at: clock.wallNow(), peer: peer(1) });
    t.recordProbe(peerId(1), true, clock.wallNow() + 5);
    t.handle({ type: 'session.confirmed', at: clock.wallNow(), peer: peer(1), isInitiator: true, isFirst: true });
  });
  const p = out[1]!.envelope.payload as unknown as Record<string, unknown>;
  assert.equal(p.IsPingable, true);
  assert.equal(p.LastPing, new Date(Date.UTC(2026, 0, 1) + 5).toISOString());
});

test('create/update/delete carry public configuration only — never a private or preshared key', () => {
  const psk = new Uint8Array(32).fill(0xa5);
  const priv = new Uint8Array(32).fill(0x5a);
  // Objects that (wrongly) carry secrets beyond their declared type: the builders must copy named fields only.
  const snap: PeerSnapshot = { ...peer(2, { hasPresharedKey: true }), presharedKey: psk };
  const iface = { publicKey: new Uint8Array(32).fill(3), listenPort: 51000, fwmark: 7, peerCount: 1, privateKey: priv } as InterfaceStatus;
  const out = run((t, clock) => {
    t.interfaceCreated(iface);
    t.handle({ type: 'peer.created', at: clock.wallNow(), peer: snap });
    t.handle({ type: 'peer.updated', at: clock.wallNow(), peer: snap, changes: ['presharedKey', 'allowedIps'] });
    t.handle({ type: 'interface.updated', at: clock.wallNow(), iface, changes: ['privateKey'] });
    t.handle({ type: 'session.confirmed', at: clock.wallNow(), peer: snap, isInitiator: true, isFirst: true });
    t.handle({ type: 'peer.removed', at: clock.wallNow(), peer: snap, wasConnected: true });
    t.interfaceDeleted(iface);
  });
  assert.deepEqual(
    out.map((e) => `${e.envelope.event}:${e.envelope.entity}`),
    ['create:interface', 'create:peer', 'update:peer', 'update:interface', 'connect:peer', 'disconnect:peer', 'delete:peer', 'delete:interface'],
  );
  const all = out.map((e) => JSON.stringify(e.envelope)).join('\n');
  for (const secret of [psk, priv]) {
    assert.ok(!all.includes(toBase64(secret)), 'no base64 secret');
    assert.ok(!all.toLowerCase().includes(Buffer.from(secret).toString('hex')), 'no hex secret');
  }
  assert.ok(!/"(PrivateKey|PresharedKey)"/.test(all), 'no PrivateKey/PresharedKey fields');
  const create = out[1]!.envelope;
  assert.deepEqual(create.payload, {
    Identifier: peerId(2),
    PublicKey: peerId(2),
    InterfaceIdentifier: 'wg7',
    DisplayName: 'laptop',
    Endpoint: '198.18.0.2:51822',
    AllowedIPs: ['10.0.0.2/32'],
    PersistentKeepalive: 25,
    HasPresharedKey: true,
  });
  assert.deepEqual(out[2]!.envelope.tswg.changes, ['presharedKey', 'allowedIps']);
  assert.deepEqual(out[0]!.envelope.payload, {
    Identifier: 'wg7',
    PublicKey: toBase64(new Uint8Array(32).fill(3)),
    ListenPort: 51000,
    FirewallMark: 7,
    PeerCount: 1,
  });
  assert.equal(out[0]!.envelope.identifier, 'wg7');
});
