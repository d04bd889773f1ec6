// Device entry points outside the two-peer protocol runs: configuration
// apply (validation, atomicity, wireguard-go semantics, events), link state,
// cryptokey routing drops, and garbage input of every kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryNet, pair, ipv4, ipv4Packet, seqPayload, hex, type NetNode } from '../helpers/memory-net.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import type { ConfigDelta } from '../../src/core/config.js';

function twoNodes(seed = 3): { net: MemoryNet; a: NetNode; b: NetNode } {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  return { net, a, b };
}

function key(net: MemoryNet): Uint8Array {
  return publicKeyOf(net.crypto, generatePrivateKey(net.random));
}

test('apply: invalid deltas return an error and change nothing', () => {
  const { net, a } = twoNodes();
  const pk = key(net);
  const good = { publicKey: pk, allowedIps: [{ ip: ipv4('10.1.0.0'), cidr: 16, add: true }] };
  const before = JSON.stringify(a.device.snapshot(), (_k, v) => (v instanceof Uint8Array ? hex(v) : v));
  const eventsBefore = a.events.length;
  const bad: ConfigDelta[] = [
    { privateKey: new Uint8Array(31), peers: [good] },
    { listenPort: 70000, peers: [good] },
    { fwmark: -1, peers: [good] },
    { peers: [good, { publicKey: new Uint8Array(3) }] },
    { peers: [good, { publicKey: key(net), presharedKey: new Uint8Array(5) }] },
    { peers: [good, { publicKey: key(net), endpoint: { address: '192.0.2.9', port: 0 } }] },
    { peers: [good, { publicKey: key(net), persistentKeepalive: 65536 }] },
    { peers: [good, { publicKey: key(net), allowedIps: [{ ip: ipv4('10.0.0.0'), cidr: 33, add: true }] }] },
    { peers: [good, { publicKey: key(net), allowedIps: [{ ip: new Uint8Array(5), cidr: 8, add: true }] }] },
    { replacePeers: true, peers: [{ publicKey: key(net), persistentKeepalive: 1.5 }] },
  ];
  for (const d of bad) assert.equal(typeof a.device.apply(d), 'string');
  const after = JSON.stringify(a.device.snapshot(), (_k, v) => (v instanceof Uint8Array ? hex(v) : v));
  assert.equal(after, before);
  assert.equal(a.events.length, eventsBefore, 'no events from rejected deltas');
  assert.equal(a.device.peerCount, 0);
});

test('apply: create, update, update_only, remove, replace_peers, and the events they emit', () => {
  const { net, a } = twoNodes();
  const p1 = key(net);
  const p2 = key(net);
  const psk = new Uint8Array(32).fill(7);
  assert.equal(
    a.device.apply({
      peers: [
        { publicKey: p1, endpoint: { address: '192.0.2.50', port: 1000 }, allowedIps: [{ ip: ipv4('10.1.0.0'), cidr: 16, add: true }] },
        { publicKey: p2, updateOnly: true },
        { publicKey: a.publicKey }, // our own key: silently skipped (wireguard-go)
      ],
    }),
    null,
  );
  assert.equal(a.device.peerCount, 1);
  assert.equal(a.eventsOf('peer.created').length, 1);
  assert.equal(hex(a.eventsOf('peer.created')[0]!.peer.publicKey), hex(p1));

  a.device.apply({
    peers: [
      {
        publicKey: p1,
        presharedKey: psk,
        persistentKeepalive: 25,
        replaceAllowedIps: true,
        allowedIps: [
          { ip: ipv4('10.2.0.0'), cidr: 16, add: true },
          { ip: ipv4('10.3.0.0'), cidr: 16, add: true },
          { ip: ipv4('10.3.0.0'), cidr: 16, add: false },
        ],
      },
    ],
  });
  const upd = a.eventsOf('peer.updated');
  assert.equal(upd.length, 1);
  assert.deepEqual([...upd[0]!.changes].sort(), ['allowedIps', 'persistentKeepalive', 'presharedKey']);
  assert.equal(JSON.stringify(upd[0]).includes(hex(psk)), false, 'no secret in events');
  const snap = a.device.snapshot().peers[0]!;
  assert.deepEqual(snap.presharedKey, psk);
  assert.equal(snap.persistentKeepalive, 25);
  assert.deepEqual(snap.allowedIps.map((x) => `${Array.from(x.ip).join('.')}/${x.cidr}`), ['10.2.0.0/16']);
  // The same values again: no event.
  a.device.apply({ peers: [{ publicKey: p1, presharedKey: psk, persistentKeepalive: 25 }] });
  assert.equal(a.eventsOf('peer.updated').length, 1);

  a.device.apply({ peers: [{ publicKey: p2 }] });
  assert.equal(a.device.peerCount, 2);
  a.device.apply({ peers: [{ publicKey: p1, remove: true }] });
  assert.equal(a.device.peerCount, 1);
  assert.equal(a.eventsOf('peer.removed').length, 1);
  assert.equal(a.device.peerStatus(p1), undefined);
  const p3 = key(net);
  a.device.apply({ replacePeers: true, peers: [{ publicKey: p3 }] });
  assert.deepEqual(a.device.snapshot().peers.map((p) => hex(p.publicKey)), [hex(p3)]);
  assert.equal(a.eventsOf('peer.removed').length, 2);
});

test('apply: private key change recomputes sessions and removes a peer equal to the new public key', () => {
  const { net, a, b } = twoNodes(4);
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(50);
  assert.equal(b.delivered.length, 1);
  // B takes a new key: A's configured peer (B's old key) cannot talk to it any more,
  // but a peer entry on B that equals B's new public key must vanish.
  const newPriv = generatePrivateKey(net.random);
  const newPub = publicKeyOf(net.crypto, newPriv);
  b.device.apply({ peers: [{ publicKey: newPub }] });
  assert.equal(b.device.peerCount, 2);
  assert.equal(b.device.apply({ privateKey: newPriv, peers: [] }), null);
  assert.equal(b.device.peerCount, 1);
  assert.equal(hex(b.device.publicKey!), hex(newPub));
  const ifu = b.eventsOf('interface.updated').at(-1)!;
  assert.deepEqual(ifu.changes, ['privateKey']);
  assert.equal(JSON.stringify(ifu).includes(hex(newPriv)), false);
  // B's current keypair is expired for sending: its next packet starts a handshake at once.
  const before = b.sentOfType(1).length;
  b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(2)));
  assert.equal(b.sentOfType(1).length, before + 1);
  // Removing the key (all zero) leaves the device without identity: input is refused.
  b.device.apply({ privateKey: new Uint8Array(32), peers: [] });
  assert.equal(b.device.publicKey, null);
  b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(3)));
  assert.equal(b.device.drops['interface-down'], 1);
});

test('setUp: down stops timers and erases sessions; up with persistent keepalive handshakes at once', () => {
  const { net, a, b } = twoNodes(5);
  pair(a, b, { pkaA: 15 });
  b.device.setUp(true);
  assert.equal(a.device.isUp, false);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  assert.equal(a.device.drops['interface-down'], 1);
  a.device.setUp(true);
  assert.equal(a.eventsOf('interface.up').length, 1);
  assert.equal(a.sentOfType(1).length, 1, 'PKA peer initiates on up');
  net.run(100);
  assert.equal(a.eventsOf('session.confirmed').length, 1);
  assert.notEqual(a.device.nextDeadline(), undefined);
  a.device.setUp(false);
  assert.equal(a.eventsOf('interface.down').length, 1);
  assert.equal(a.device.nextDeadline(), undefined, 'no timers while down');
  const peer = a.device.inspectPeer(b.publicKey)!;
  assert.equal(peer.keypairs.current, null);
  assert.equal(a.device.peerStatus(b.publicKey)!.sessionStartWallMs, 0);
  a.device.setUp(true);
  net.run(100);
  const c = a.eventsOf('session.confirmed');
  assert.equal(c.length, 2);
  assert.equal(c[1]!.isFirst, true, 'after down, the next session is a first one');
});

test('persistent keepalive turned on while up sends a keepalive (a handshake without keys) at once', () => {
  const { net, a, b } = twoNodes(6);
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  assert.equal(a.sent.length, 0);
  a.device.apply({ peers: [{ publicKey: b.publicKey, persistentKeepalive: 20 }] });
  assert.equal(a.sentOfType(1).length, 1);
  net.run(100);
  assert.equal(a.eventsOf('session.confirmed').length, 1);
});

test('cryptokey routing: no-route, no-endpoint and disallowed-source drops', () => {
  const { net, a, b } = twoNodes(7);
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.9.9.9', seqPayload(1)));
  assert.equal(a.device.drops['no-route'], 1);
  a.device.sendPacket(new Uint8Array([0x45, 0, 0]));
  assert.equal(a.device.drops['bad-inner-packet'], 1);
  const c = key(net);
  a.device.apply({ peers: [{ publicKey: c, allowedIps: [{ ip: ipv4('10.7.0.0'), cidr: 16, add: true }] }] });
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.7.0.1', seqPayload(2)));
  assert.equal(a.device.drops['no-endpoint'], 1);
  assert.equal(a.sent.length, 0, 'nothing transmitted for unroutable packets');
  // B sends a packet whose inner source is not one of B's allowed IPs at A.
  b.device.sendPacket(ipv4Packet('10.0.0.2', '10.0.0.1', seqPayload(3)));
  net.run(50);
  assert.equal(a.delivered.length, 1);
  b.device.sendPacket(ipv4Packet('10.66.0.2', '10.0.0.1', seqPayload(4)));
  net.run(50);
  assert.equal(a.delivered.length, 1);
  assert.equal(a.device.drops['disallowed-source'], 1);
});

test('garbage datagrams of every kind are counted and never answered', () => {
  const { net, a, b } = twoNodes(8);
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1)));
  net.run(50);
  const bSent = b.sent.length;
  const from = { address: '203.0.113.5', port: 9999 };
  const rnd = (n: number): Uint8Array => net.random.fill(new Uint8Array(n));
  const withType = (t: number, n: number): Uint8Array => {
    const x = rnd(n);
    x[0] = t;
    x[1] = x[2] = x[3] = 0;
    return x;
  };
  const realTransport = a.sentOfType(4).at(-1)!.data;
  const badTag = realTransport.slice();
  badTag[badTag.length - 1] ^= 0x80;
  const cases: [Uint8Array, string][] = [
    [new Uint8Array(0), 'unknown-type'],
    [new Uint8Array([1]), 'unknown-type'],
    [withType(9, 100), 'unknown-type'],
    [Uint8Array.from([1, 1, 0, 0, ...rnd(144)]), 'unknown-type'],
    [withType(1, 147), 'bad-length'],
    [withType(2, 93), 'bad-length'],
    [withType(3, 63), 'bad-length'],
    [withType(4, 31), 'bad-length'],
    [withType(1, 148), 'bad-mac1'],
    [withType(2, 92), 'bad-mac1'],
    [withType(3, 64), 'unknown-index'],
    [withType(4, 64), 'unknown-index'],
    [badTag, 'transport-decrypt'],
  ];
  const expected: Record<string, number> = {};
  for (const [d, reason] of cases) {
    b.device.receiveDatagram(d, from);
    expected[reason] = (expected[reason] ?? 0) + 1;
  }
  for (let i = 0; i < 500; i++) b.device.receiveDatagram(rnd(i % 200), from);
  for (const [reason, n] of Object.entries(expected)) {
    assert.ok(b.device.drops[reason as keyof typeof b.device.drops] >= n, `${reason}`);
  }
  assert.equal(b.device.drops['unknown-type'] >= 4, true);
  net.run(10);
  assert.equal(b.sent.length, bSent, 'nothing transmitted in reply to garbage');
  assert.equal(b.delivered.length, 1);
  assert.equal(b.eventsOf('endpoint.changed').length, 0);
});

test('a valid initiation from an unknown key is dropped as unknown-peer, without reply', () => {
  const { net, a, b } = twoNodes(9);
  pair(a, b);
  const stranger = net.addNode('c', { address: '192.0.2.3', port: 51822 });
  stranger.device.apply({
    peers: [{ publicKey: b.publicKey, endpoint: b.endpoint, allowedIps: [{ ip: ipv4('10.0.0.2'), cidr: 32, add: true }] }],
  });
  a.device.setUp(true);
  b.device.setUp(true);
  stranger.device.setUp(true);
  stranger.device.sendPacket(ipv4Packet('10.0.0.3', '10.0.0.2', seqPayload(1)));
  net.run(50);
  assert.equal(b.device.drops['unknown-peer'], 1);
  assert.equal(b.sent.length, 0);
});

test('rx/tx byte counters count whole UDP payloads, handshakes included', () => {
  const { net, a, b } = twoNodes(10);
  pair(a, b);
  a.device.setUp(true);
  b.device.setUp(true);
  a.device.sendPacket(ipv4Packet('10.0.0.1', '10.0.0.2', seqPayload(1, 100)));
  net.run(50);
  const sa = a.device.peerStatus(b.publicKey)!;
  const sb = b.device.peerStatus(a.publicKey)!;
  const sum = (n: NetNode): number => n.sent.reduce((s, d) => s + d.data.length, 0);
  assert.equal(sa.txBytes, sum(a));
  assert.equal(sb.txBytes, sum(b));
  assert.equal(sb.rxBytes, sa.txBytes);
  assert.equal(sa.rxBytes, sb.txBytes);
  assert.ok(sa.txBytes >= 148 + 32 + 128);
});

test('setListenPort reports a change once; snapshot lists peers in creation order', () => {
  const { net, a } = twoNodes(11);
  const keys = [key(net), key(net), key(net)];
  a.device.apply({ peers: keys.map((publicKey) => ({ publicKey })) });
  assert.deepEqual(a.device.snapshot().peers.map((p) => hex(p.publicKey)), keys.map(hex));
  const n = a.eventsOf('interface.updated').length;
  a.device.setListenPort(4242);
  a.device.setListenPort(4242);
  assert.equal(a.eventsOf('interface.updated').length, n + 1);
  assert.equal(a.device.snapshot().listenPort, 4242);
});

test('three nodes: a hub routes by allowed IPs to two spokes with independent sessions', () => {
  const net = new MemoryNet(58);
  const hub = net.addNode('hub', { address: '192.0.2.10', port: 51820 });
  const s1 = net.addNode('s1', { address: '192.0.2.11', port: 51821 });
  const s2 = net.addNode('s2', { address: '2001:db8::12', port: 51822 });
  pair(hub, s1, { aTunnel: '10.0.0.1', bTunnel: '10.0.0.11' });
  pair(hub, s2, { aTunnel: '10.0.0.1', bTunnel: '10.0.0.12' });
  for (const n of [hub, s1, s2]) n.device.setUp(true);
  const to1 = ipv4Packet('10.0.0.1', '10.0.0.11', seqPayload(1));
  const to2 = ipv4Packet('10.0.0.1', '10.0.0.12', seqPayload(2));
  hub.device.sendPacket(to1);
  hub.device.sendPacket(to2);
  net.run(100);
  assert.deepEqual(s1.delivered, [to1]);
  assert.deepEqual(s2.delivered, [to2]);
  const back = ipv4Packet('10.0.0.12', '10.0.0.1', seqPayload(3));
  s2.device.sendPacket(back);
  net.run(50);
  assert.deepEqual(hub.delivered, [back]);
  // s1 pretending to be s2's tunnel address is refused by the hub.
  s1.device.apply({ peers: [{ publicKey: hub.publicKey, allowedIps: [{ ip: Uint8Array.of(10, 0, 0, 0), cidr: 8, add: true }] }] });
  s1.device.sendPacket(ipv4Packet('10.0.0.12', '10.0.0.1', seqPayload(4)));
  net.run(50);
  assert.equal(hub.delivered.length, 1);
  assert.equal(hub.device.drops['disallowed-source'], 1);
});
