/**
 * The second half of the start-up warm-up: the daemon's own I/O glue.
 *
 * jit-warmup.ts drives the sans-IO core (Device, keypairs, routing) in
 * memory, but the code between the core and the OS — the TUN and UDP reader
 * callbacks, the daemon's batch handlers and effects flush, the UDP
 * endpoint cache, the TUN offload decoder and write encoder — only ran once
 * real packets came. A tunnel carrying a ping every 10 ms ran that glue in
 * V8's lower tiers for 10–15 s (--trace-opt: `endpointAt`, `flush`,
 * `rearm`, `decode`, `receiveDatagram` optimised 11–15 s after start), and
 * the first pings paid for it: added RTT 0.76–0.90 ms in the first 20 s
 * against 0.60–0.64 ms after.
 *
 * So here complete Daemons run over an in-memory addon (io/memory-addon.ts):
 * two that talk — configured through UAPI like a real one, a handshake
 * through the handshake queue, then pings both ways (each request is
 * answered by the far TUN, as a kernel would) and TCP bursts, every packet
 * through the same functions real traffic takes — plus one closed before
 * any traffic and one left unconfigured, for the states a real daemon is
 * in (the steps below say why each is there). The in-memory addon has the
 * real addon's hidden class, so the optimised code stays valid for it.
 * Nothing leaves the process; the throw-away daemons' keys are fresh and
 * dropped, their events unheard.
 *
 * With this warm-up, --trace-opt --trace-deopt on both daemons of a pair
 * under a 100/s ping showed nothing optimised and nothing thrown away in
 * the 25 s after start: the real daemon runs the warm-up's optimised code
 * from its first packet. Added RTT, four alternating samples of 100 pings
 * right after start, medians of two runs: 0.72 and 0.57 ms, against 0.74
 * and 0.76 ms for wireguard-go and 0.81 and 0.69 ms for this warm-up's
 * first version (which lost its optimised code when its daemons closed).
 */
import type { Clock, Random } from '../util/ports.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { generatePrivateKey, publicKeyOf } from '../crypto/keys.js';
import { toHex } from '../util/bytes.js';
import { Tun } from '../io/tun.js';
import { NativeUdpBind } from '../io/udp-native.js';
import { loadNative, type NativeAddon } from '../io/native.js';
import { addonShaped, HOST_ADDRESS, MemoryAddon } from '../io/memory-addon.js';
import { createLogger } from './logger.js';
import type { Daemon, DaemonOptions } from './daemon.js';

export interface GlueWarmupResult {
  /** Echo replies that came back through both daemons (one per round and direction). */
  echoes: number;
  /** Wall time spent (ms). */
  ms: number;
}

export interface GlueWarmupOptions {
  crypto: CryptoProvider;
  clock: Clock;
  random: Random;
  /** Whether the real TUN carries virtio_net_hdr (offloads): the same TUN code paths are then warmed. */
  vnet: boolean;
  /** Whether the real daemon has a deliverFilter (the CLI's always does: the liveness probe's). */
  filter?: boolean;
  /** Ping rounds (each: one echo A→B, one B→A; every 4th also a TCP burst). */
  rounds?: number;
  /** Rounds per event-loop turn. */
  roundsPerTurn?: number;
  cancelled?: () => boolean;
}

export const DEFAULT_GLUE_ROUNDS = 1500;

const IP_A = [198, 19, 254, 1];
const IP_B = [198, 19, 254, 2];
const IP6_A = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const IP6_B = [0x20, 0x01, 0x0d, 0xb8, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/** Source ports of the strangers' datagrams (nothing is bound there). */
const STRAY_PORT = 30000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An ICMP echo request as ping sends it (56 bytes of data), IPv4 or IPv6. */
function echoRequest(src: readonly number[], dst: readonly number[], seq: number): Uint8Array {
  if (src.length === 4) {
    const p = new Uint8Array(84);
    p[0] = 0x45;
    p[3] = 84;
    p[8] = 64;
    p[9] = 1;
    p.set(src, 12);
    p.set(dst, 16);
    p[20] = 8;
    p[26] = seq >> 8;
    p[27] = seq & 0xff;
    return p;
  }
  const p = new Uint8Array(104);
  p[0] = 0x60;
  p[5] = 64;
  p[6] = 58;
  p[7] = 64;
  p.set(src, 8);
  p.set(dst, 24);
  p[40] = 128;
  p[46] = seq >> 8;
  p[47] = seq & 0xff;
  return p;
}

/** An IPv4 TCP segment of one flow (ACK, `len` payload bytes at `seq`): what a bulk transfer reads from a TUN. */
function tcpSegment(seq: number, len: number): Uint8Array {
  const p = new Uint8Array(40 + len);
  p[0] = 0x45;
  p[2] = p.length >> 8;
  p[3] = p.length & 0xff;
  p[8] = 64;
  p[9] = 6;
  p.set(IP_A, 12);
  p.set(IP_B, 16);
  p[20] = 0xc0;
  p[21] = 0x02;
  p[23] = 0x50;
  new DataView(p.buffer).setUint32(24, seq >>> 0);
  p[32] = 0x50;
  p[33] = 0x10;
  return p;
}

interface Side {
  daemon: Daemon;
  tun: Tun;
  key: Uint8Array;
  pub: Uint8Array;
}

async function configure(d: Daemon, key: Uint8Array, peer: Uint8Array, ips: readonly (readonly number[])[], endpointPort: number | null): Promise<void> {
  const lines = [`private_key=${toHex(key)}`, 'replace_peers=true', `public_key=${toHex(peer)}`];
  if (endpointPort !== null) lines.push(`endpoint=${HOST_ADDRESS.join('.')}:${endpointPort}`);
  for (const ip of ips) lines.push(ip.length === 4 ? `allowed_ip=${ip.join('.')}/32` : `allowed_ip=2001:db8:fffe::${ip[15]}/128`);
  await uapiSet(d, lines);
}

/** Two deliverFilters that pass every packet (no IP packet starts with a zero byte, none is empty). */
const passFilterA = (packet: Uint8Array): boolean => packet.length === 0;
const passFilterB = (packet: Uint8Array): boolean => packet[0] === 0;

function keepalive(d: Daemon, peer: Uint8Array, seconds: number): Promise<void> {
  return uapiSet(d, [`public_key=${toHex(peer)}`, `persistent_keepalive_interval=${seconds}`]);
}

/** One UAPI set, as `wg set` sends it; throws unless the daemon answers errno=0. */
async function uapiSet(d: Daemon, body: readonly string[]): Promise<void> {
  const reply = await d.uapi(['set=1', ...body, '']);
  if (reply !== 'errno=0\n\n') throw new Error('warm-up configuration refused');
}

/**
 * Runs the glue warm-up. `start` is Daemon.start (passed in, so this module
 * does not import the daemon it warms). Resolves with what got through;
 * rejects when the pair never exchanges a packet (then the daemon starts
 * anyway, unwarmed).
 */
export async function warmDaemonGlue(start: (o: DaemonOptions) => Promise<Daemon>, o: GlueWarmupOptions): Promise<GlueWarmupResult> {
  const started = performance.now();
  const cancelled = o.cancelled ?? (() => false);
  const rounds = o.rounds ?? DEFAULT_GLUE_ROUNDS;
  const perTurn = Math.max(1, o.roundsPerTurn ?? 50);
  const mem = new MemoryAddon();
  let real: object | null = null;
  try {
    real = loadNative();
  } catch {
    // no addon: the daemon will use node:dgram, and this warms what it can
  }
  // Two views of the one in-memory addon, one per talking daemon: each has
  // its own function objects, so a call like `this.native.udpSendMany(…)`
  // sees two targets and V8 compiles a plain call, which the real addon's
  // functions then take too (with one view, the optimised flush and TUN
  // write checked for that view's function and were thrown away at the
  // real daemon's first send and write: "wrong call target").
  const natives = [addonShaped(mem, real), addonShaped(mem, real)] as const;
  const native = natives[0];
  const silent = createLogger('silent', '');
  const sides: Side[] = [];
  /** Every daemon started here, closed at the end. */
  const running: Daemon[] = [];
  const startOne = async (name: string, native: NativeAddon, filter?: (packet: Uint8Array) => boolean): Promise<{ daemon: Daemon; tun: Tun }> => {
    const tun = Tun.create(name, { native, offload: o.vnet });
    const daemon = await start({
      tun,
      crypto: o.crypto,
      clock: o.clock,
      random: o.random,
      logger: silent,
      warmup: false,
      udp: () => new NativeUdpBind({ native }),
      ...(filter !== undefined ? { deliverFilter: filter } : {}),
    });
    running.push(daemon);
    return { daemon, tun };
  };
  try {
    // One daemon is closed before any traffic. V8 compiles a field that has
    // not changed since construction in as a constant; `closed` (daemon and
    // TUN) changes only at close, so when the warm-up's daemons closed, the
    // code it had optimised — the reader callbacks, the batch handlers,
    // flush, rearm — was thrown away ("code dependencies" in --trace-deopt),
    // and the real daemon optimised it all again after ~20 s of a sparse
    // ping. Closing one first makes those fields variables from the start.
    await (await startOne('warm-z', natives[0])).daemon.close('warm-up');
    // One that stays unconfigured: a real daemon's first packets come before
    // `wg setconf` (router solicitations from the kernel, strangers'
    // datagrams), with no peer and no timer, a state the optimised code must
    // have seen (else: the timer's cancel path, "insufficient type feedback").
    const idle = await startOne('warm-0', natives[1]);
    // With a deliverFilter, the two daemons get two different ones (both pass
    // every packet): the flush's call to the filter then sees two targets and
    // is compiled as a plain call, which the real daemon's filter — a third
    // function — takes without throwing the optimised flush away.
    const filters = o.filter === true ? [passFilterA, passFilterB] : [undefined, undefined];
    for (const [k, name] of ['warm-a', 'warm-b'].entries()) {
      const { daemon, tun } = await startOne(name, natives[k]!, filters[k]);
      const key = generatePrivateKey(o.random);
      sides.push({ daemon, tun, key, pub: publicKeyOf(o.crypto, key) });
    }
    const [a, b] = sides as [Side, Side];
    // B learns A's endpoint from A's initiation (roaming, whitepaper §2.1), as a server does.
    await configure(a.daemon, a.key, b.pub, [IP_B, IP6_B], b.daemon.port);
    await configure(b.daemon, b.key, a.pub, [IP_A, IP6_A], null);

    // The first echo is staged, starts the handshake (through B's handshake
    // queue, a later turn) and flies once it completes.
    const fdA = a.tun.fd;
    const fdB = b.tun.fd;
    mem.readFromTun(fdA, [echoRequest(IP_A, IP_B, 0)]);
    for (let i = 0; i < 200 && mem.echoReplies === 0; i++) {
      mem.deliver();
      await turn();
    }
    if (mem.echoReplies === 0) throw new Error('no packet got through the in-memory daemons');
    mem.deliver();

    const ping4 = echoRequest(IP_A, IP_B, 1);
    const ping6 = echoRequest(IP6_A, IP6_B, 1);
    const back4 = echoRequest(IP_B, IP_A, 1);
    const burst: Uint8Array[] = [];
    let seq = 1;
    // A stranger's datagram (a transport message for no session: dropped
    // and counted) between real ones: a server hears many endpoints, and the
    // UDP reader's endpoint cache must have seen a source change before V8
    // optimises it — the real daemon's first datagram is one.
    const stray = new Uint8Array(32);
    stray[0] = 4;
    // And a stranger's handshake initiation (bad mac1: dropped by the core
    // after the handshake queue): the daemon's handshake branch, which real
    // traffic takes at its first datagram, runs with feedback too.
    const strayInit = new Uint8Array(148);
    strayInit[0] = 1;
    // An IPv6 router solicitation (ICMPv6 133 to ff02::2), as the kernel sends when a link comes up.
    const solicit = new Uint8Array(48);
    solicit.set([0x60, 0, 0, 0, 0, 8, 58, 255, 0xfe, 0x80], 0);
    solicit[23] = 1;
    solicit.set([0xff, 0x02], 24);
    solicit[39] = 2;
    solicit[40] = 133;
    const firstUses = async (): Promise<void> => {
      const t = Tun.create('warm-c', { native, offload: o.vnet });
      t.writeMany([ping4]);
      t.close();
      const u = new NativeUdpBind({ native });
      await u.open(0);
      u.send({ address: HOST_ADDRESS.join('.'), port: b.daemon.port }, stray);
      await u.close();
      mem.deliver();
    };
    const before = mem.writtenTo(fdA) + mem.writtenTo(fdB);
    let r = 0;
    for (; r < rounds && !cancelled(); r++) {
      if (r % perTurn === perTurn - 1) await turn();
      // A ping is a batch of one, as a sparse flow reads it.
      mem.readFromTun(fdA, [r % 2 === 0 ? ping4 : ping6]);
      mem.deliver();
      mem.readFromTun(fdB, [back4]);
      mem.deliver();
      mem.sendFrom(STRAY_PORT + (r & 7), 4, r % 2 === 0 ? b.daemon.port : a.daemon.port, r % 16 === 5 ? strayInit : stray);
      mem.deliver();
      // The daemon's timer re-armed to an earlier deadline (a new setTimeout),
      // as real traffic does from its first handshake on: persistent
      // keepalive switched on (a keepalive timer earlier than any pending one)
      // and off again.
      // Both daemons, so that calls on this path see two closures of one
      // site (what V8 then accepts from the real daemon's) rather than one.
      if (r % 100 === 50) {
        await keepalive(a.daemon, b.pub, 1);
        await keepalive(b.daemon, a.pub, 1);
        mem.deliver();
        await keepalive(a.daemon, b.pub, 0);
        await keepalive(b.daemon, a.pub, 0);
      }
      // The unconfigured daemon: a router solicitation from its TUN and a
      // stranger's datagram, with no peer and no timer pending.
      if (r % 2 === 1) {
        mem.readFromTun(idle.tun.fd, [solicit]);
        mem.sendFrom(STRAY_PORT, 4, idle.daemon.port, stray);
        mem.deliver();
      }
      // First uses, while V8 is still collecting feedback (it gives a
      // function a feedback vector only after its first few calls, so the
      // daemons' own first TUN write, which sets up the write coalescer, and
      // first send, which parses the destination address, left none, and the
      // optimised flush gave up at the real daemon's first write and send:
      // "insufficient type feedback for construct / call"). A fresh TUN's
      // and socket's first use, a few times during the run, records them.
      if (r % 200 === 20) await firstUses();
      if (r % 4 === 3) {
        // A bulk flow's read: several segments of one TCP flow, coalesced on B's TUN write.
        burst.length = 0;
        for (let k = 0; k < 8; k++, seq += 1240) burst.push(tcpSegment(seq, 1240));
        mem.readFromTun(fdA, burst);
        mem.deliver();
      }
    }
    const echoes = mem.echoReplies;
    // Each round: two requests and two replies reach a TUN, plus the bursts.
    if (r > 0 && mem.writtenTo(fdA) + mem.writtenTo(fdB) - before < 4 * r) throw new Error('the in-memory daemons lost packets');
    return { echoes, ms: performance.now() - started };
  } finally {
    for (const d of running) await d.close('warm-up done');
    // Kept for the process's life, like the in-memory warm-up's (jit-warmup.ts, warmedObjects).
    warmedGlue.splice(0, warmedGlue.length, running, mem);
  }
}

/** The latest glue warm-up's daemons and addon (closed), kept alive so V8 keeps their layouts. */
export const warmedGlue: unknown[] = [];
