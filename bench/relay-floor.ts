/**
 * The latency floor of a Node.js tunnel on this host (docs/performance.md,
 * tenth session): a relay with no protocol at all. IP packets read from a
 * TUN leave as UDP datagrams to one fixed peer; datagrams from that peer go
 * into the TUN. It uses tswg's own addon (the same readiness-driven TUN
 * reader, recvmmsg reader, sendmmsg and TUN writes on the event loop), but
 * has no crypto, no handshake, no timers and no per-packet allocation: what
 * a ping through it costs is what one Node event loop per end costs here.
 * `latency-floor-run.ts` pings it beside a real tunnel in the same minutes.
 *
 *   node dist/bench/relay-floor.js <tun> <bind-v4> <port> <peer-v4> <peer-port> [--split] [--vnet]
 *
 * --split: the receive direction (UDP → TUN) runs on a worker thread with an
 *   event loop of its own, the send direction on the main thread — the
 *   "second thread" lever of the ninth session, tried on the bare relay.
 * --vnet: the TUN is opened as tswg opens it (IFF_VNET_HDR, checksum and
 *   TSO offloads); every read starts with a 10-byte virtio header, every
 *   write gets a zero one.
 *
 * A measuring tool only: it authenticates nothing and must run inside the
 * namespaces the runner builds (198.18.0.0/15 addresses). Prints
 * `ready <tun>` once both directions run; ends on SIGTERM/SIGINT.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { loadNative, type NativeAddon } from '../src/io/native.js';
import { TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, VNET_HDR_LEN } from '../src/wire/virtio-net-hdr.js';

export interface RelayArgs {
  tun: string;
  bind: Uint8Array;
  port: number;
  peer: Uint8Array;
  peerPort: number;
  split: boolean;
  vnet: boolean;
}

const USAGE = 'usage: relay-floor.js <tun> <bind-v4> <port> <peer-v4> <peer-port> [--split] [--vnet]';
const MAX_BATCH = 64;
const MAX_PACKET = 65536 + VNET_HDR_LEN;

function ipv4(text: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? Uint8Array.from(b) : null;
}

function port(text: string): number | null {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535 ? Number(text) : null;
}

/** The relay's arguments, or an error message naming the bad one. */
export function parseRelayArgs(argv: readonly string[]): RelayArgs | string {
  const flags = argv.filter((a) => a.startsWith('--'));
  const pos = argv.filter((a) => !a.startsWith('--'));
  const unknown = flags.find((f) => f !== '--split' && f !== '--vnet');
  if (unknown !== undefined) return `unknown option ${unknown}; ${USAGE}`;
  if (pos.length !== 5) return USAGE;
  const [tun, bindText, portText, peerText, peerPortText] = pos as [string, string, string, string, string];
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(tun)) return `bad interface name ${JSON.stringify(tun)}`;
  const bind = ipv4(bindText);
  const peer = ipv4(peerText);
  const p = port(portText);
  const pp = port(peerPortText);
  if (bind === null) return `bad bind address ${JSON.stringify(bindText)}`;
  if (p === null) return `bad port ${JSON.stringify(portText)}`;
  if (peer === null) return `bad peer address ${JSON.stringify(peerText)}`;
  if (pp === null) return `bad peer port ${JSON.stringify(peerPortText)}`;
  return { tun, bind, port: p, peer, peerPort: pp, split: flags.includes('--split'), vnet: flags.includes('--vnet') };
}

interface Fds {
  tunFd: number;
  udpFd: number;
  vnet: boolean;
}

/** UDP → TUN, on whichever thread calls it. Views only: the batch buffer lives for the call. */
function receiveDirection(native: NativeAddon, { tunFd, udpFd, vnet }: Fds): void {
  const lengths = new Uint32Array(MAX_BATCH * 64);
  const addrs = new Uint8Array(MAX_BATCH * 64 * 20);
  const packets: Uint8Array[] = [];
  let hdrs = new Uint8Array(VNET_HDR_LEN * MAX_BATCH);
  let counts = new Uint32Array(MAX_BATCH).fill(1);
  native.startUdpReader(udpFd, MAX_BATCH, lengths, addrs, (code, buf, count) => {
    if (code !== 0 || buf === undefined) return;
    packets.length = 0;
    let off = buf.byteOffset;
    for (let i = 0; i < count; i++) {
      packets.push(new Uint8Array(buf.buffer, off, lengths[i]!));
      off += lengths[i]!;
    }
    if (!vnet) {
      native.writeTunMany(tunFd, packets, count);
      return;
    }
    if (counts.length < count) {
      hdrs = new Uint8Array(VNET_HDR_LEN * count);
      counts = new Uint32Array(count).fill(1);
    }
    native.writeTunVnet(tunFd, hdrs, counts, packets, 0, count, 0);
  });
}

/** TUN → UDP on the main thread. */
function sendDirection(native: NativeAddon, a: RelayArgs, { tunFd, udpFd, vnet }: Fds): void {
  const lengths = new Uint32Array(MAX_BATCH);
  const datagrams: Uint8Array[] = [];
  const skip = vnet ? VNET_HDR_LEN : 0;
  native.startReader(tunFd, MAX_BATCH, MAX_PACKET, lengths, (code, buf, count) => {
    if (code !== 0 || buf === undefined) return;
    datagrams.length = 0;
    let off = buf.byteOffset;
    for (let i = 0; i < count; i++) {
      if (lengths[i]! > skip) datagrams.push(new Uint8Array(buf.buffer, off + skip, lengths[i]! - skip));
      off += lengths[i]!;
    }
    for (let sent = 0; sent < datagrams.length; ) {
      const r = native.udpSendMany(udpFd, datagrams, sent, datagrams.length - sent, 4, a.peer, a.peerPort, false);
      if (r <= 0) break; // a refused send is a drop, as on any UDP path
      sent += r;
    }
  });
}

function main(argv: readonly string[]): number {
  const a = parseRelayArgs(argv);
  if (typeof a === 'string') {
    process.stderr.write(`relay-floor: ${a}\n`);
    return 2;
  }
  const native = loadNative();
  const { fd: tunFd } = native.openTun(a.tun, a.vnet);
  if (a.vnet) native.setTunOffload(tunFd, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
  const { fd: udpFd } = native.udpSocket(4, a.bind, a.port);
  const fds: Fds = { tunFd, udpFd, vnet: a.vnet };
  sendDirection(native, a, fds);
  const ready = (): void => {
    process.stdout.write(`ready ${a.tun}\n`);
  };
  if (a.split) {
    const worker = new Worker(new URL(import.meta.url), { workerData: fds });
    worker.once('message', ready);
    worker.once('error', (err) => {
      process.stderr.write(`relay-floor: receive thread failed: ${err.message}\n`);
      process.exit(1);
    });
  } else {
    receiveDirection(native, fds);
    ready();
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => process.exit(0));
  return 0;
}

if (!isMainThread && parentPort !== null) {
  receiveDirection(loadNative(), workerData as Fds);
  parentPort.postMessage('ready');
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = main(process.argv.slice(2));
  if (code !== 0) process.exitCode = code;
}
