// Fixture for the packet fuzz targets: a real in-memory session between two
// core Devices (A initiates, B is the device under test) driven through every
// message kind — initiations, responses, cookie replies in both directions
// (each side put under load once, whitepaper §5.4.7), transport data over
// two rekeys — then frozen with B holding a current and a previous keypair
// and a pending initiation of its own. Every captured datagram has already
// been consumed (or was never valid for B), so none of them, however mutated,
// may authenticate at B again.
import { MemoryNet, pair, ipv4Packet, seqPayload, type NetNode, type Datagram } from '../helpers/memory-net.js';
import type { Endpoint } from '../../src/core/endpoint.js';
import type { Peer } from '../../src/core/peer.js';
import { sendHandshakeInitiation } from '../../src/core/send.js';
import { generatePrivateKey, publicKeyOf } from '../../src/crypto/keys.js';
import { hash } from '../../src/crypto/kdf.js';
import { LABEL_MAC1, REKEY_AFTER_TIME_MS } from '../../src/wire/constants.js';

export interface SeedSet {
  readonly initiation: readonly Uint8Array[];
  readonly response: readonly Uint8Array[];
  readonly cookie: readonly Uint8Array[];
  readonly transport: readonly Uint8Array[];
}

export interface LiveSession {
  readonly net: MemoryNet;
  readonly a: NetNode;
  /** The device under test. */
  readonly b: NetNode;
  /** B's view of A. */
  readonly peerA: Peer;
  /** A second peer of B that never connected (no endpoint, no session). */
  readonly idlePeer: Peer;
  readonly seeds: SeedSet;
  /** Every seed, all kinds together (splicing, the under-load target). */
  readonly allSeeds: readonly Uint8Array[];
  /** B's live receiver indices: pending handshake, current and previous keypair. */
  readonly liveIndices: readonly number[];
  /** HASH(LABEL_MAC1 ‖ B_pub): what any attacker can compute to forge mac1 for B. */
  readonly mac1Key: Uint8Array;
  /** Source endpoints the fuzzer sends from (A's real one first). */
  readonly sources: readonly Endpoint[];
  /** The preshared key A and B share. */
  readonly psk: Uint8Array;
}

const A_TUN = '10.0.0.1';
const B_TUN = '10.0.0.2';

function dataAtoB(s: { a: NetNode }, n: number): void {
  s.a.device.sendPacket(ipv4Packet(A_TUN, B_TUN, seqPayload(n, 48 + (n % 5) * 17)));
}
function dataBtoA(s: { b: NetNode }, n: number): void {
  s.b.device.sendPacket(ipv4Packet(B_TUN, A_TUN, seqPayload(n, 40 + (n % 3) * 29)));
}

/** Up to `max` datagrams spread evenly over `list` (first and last included). */
function spread(list: readonly Datagram[], max: number): Uint8Array[] {
  if (list.length <= max) return list.map((d) => d.data.slice());
  const out: Uint8Array[] = [];
  for (let i = 0; i < max; i++) out.push(list[Math.round((i * (list.length - 1)) / (max - 1))]!.data.slice());
  return out;
}

export function buildLiveSession(seed = 7): LiveSession {
  const net = new MemoryNet(seed);
  const a = net.addNode('a', { address: '192.0.2.1', port: 51820 });
  const b = net.addNode('b', { address: '192.0.2.2', port: 51821 });
  const psk = net.random.fill(new Uint8Array(32));
  pair(a, b, { aTunnel: A_TUN, bTunnel: B_TUN, psk });
  const idleKey = publicKeyOf(net.crypto, generatePrivateKey(net.random));
  const err = b.device.apply({ peers: [{ publicKey: idleKey, allowedIps: [{ ip: Uint8Array.of(10, 0, 0, 3), cidr: 32, add: true }] }] });
  if (err) throw new Error(err);
  a.device.setUp(true);
  b.device.setUp(true);
  const peerA = b.device.inspectPeer(a.publicKey)!;
  const idlePeer = b.device.inspectPeer(idleKey)!;
  let n = 0;

  // 1. First handshake (A initiates) and data both ways.
  dataAtoB({ a }, n++);
  net.run(200);
  for (let i = 0; i < 6; i++) {
    dataAtoB({ a }, n++);
    dataBtoA({ b }, n++);
    net.run(50);
  }
  if (!peerA.isConnected) throw new Error('live session: first handshake did not complete');

  // 2. B under load: A's rekey initiation draws a cookie reply (B→A); A retries with mac2.
  b.device.setHandshakeBacklog(1_000_000);
  net.every(1000, net.now + REKEY_AFTER_TIME_MS + 15_000, () => {
    dataAtoB({ a }, n++);
    dataBtoA({ b }, n++);
  });
  net.run(REKEY_AFTER_TIME_MS + 16_000);
  b.device.setHandshakeBacklog(0);
  net.run(1500);

  // 3. A under load: B initiates, A answers with a cookie reply (A→B); B retries with mac2.
  a.device.setHandshakeBacklog(1_000_000);
  sendHandshakeInitiation(peerA, net.now, false);
  net.every(500, net.now + 12_000, () => {
    dataAtoB({ a }, n++);
    dataBtoA({ b }, n++);
  });
  net.run(12_500);
  a.device.setHandshakeBacklog(0);
  net.run(1500);

  // 4. Freeze: B sends one more initiation that never arrives, so B holds a pending handshake.
  net.filter = (d) => (d.from.port === b.endpoint.port && d.data[0] === 1 ? { drop: true } : undefined);
  net.run(6000);
  sendHandshakeInitiation(peerA, net.now, false);
  net.filter = () => ({ drop: true });
  net.capture = false;

  const seeds: SeedSet = {
    initiation: spread(net.captured.filter((d) => d.data[0] === 1), 12),
    response: spread(net.captured.filter((d) => d.data[0] === 2), 12),
    cookie: spread(net.captured.filter((d) => d.data[0] === 3), 8),
    transport: spread(net.captured.filter((d) => d.data[0] === 4), 40),
  };
  for (const [k, v] of Object.entries(seeds)) if (v.length === 0) throw new Error(`live session: no ${k} captured`);
  const kps = peerA.keypairs;
  if (peerA.handshake.state !== 'initiation-created' || kps.current === null || kps.previous === null) {
    throw new Error('live session: B is not frozen with a pending handshake and two keypairs');
  }
  const liveIndices = [peerA.handshakeIndex, kps.current.localIndex, kps.previous.localIndex];
  b.sent.length = 0;
  b.delivered.length = 0;
  b.events.length = 0;
  return {
    net,
    a,
    b,
    peerA,
    idlePeer,
    seeds,
    allSeeds: [...seeds.initiation, ...seeds.response, ...seeds.cookie, ...seeds.transport],
    liveIndices,
    mac1Key: hash(net.crypto, LABEL_MAC1, b.publicKey),
    sources: [a.endpoint, { address: '198.51.100.7', port: 4444 }, { address: '2001:db8::7', port: 5555 }, b.endpoint],
    psk,
  };
}
