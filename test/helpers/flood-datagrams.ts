// Datagram flood generator for test/floods, run inside an attacker namespace
// (`ip netns exec <ns> node dist/test/helpers/flood-datagrams.js <spec.json>`):
//  - replay: resends captured WireGuard datagrams (base64 list) verbatim,
//    cycling through them — the whitepaper §5.1/§5.4.6 replay case;
//  - garbage: shaped-but-bogus messages of every type (right type byte and
//    size, random content, protocol-checklist §2) and raw random junk.
// Sends at `rate` datagrams/s (0 = as fast as it can, in batches) from one
// socket per source address, until `count` or `durationMs`, whichever comes
// first; a line "stop" on stdin ends it early; `timeoutMs` is a hard exit.
// Counts what comes back by message type. Prints "result <json>".
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSocket, type Socket } from 'node:dgram';
import { runFloodChild } from './flood-child.js';

export interface DatagramFloodSpec {
  mode: 'replay' | 'garbage';
  target: string;
  port: number;
  sources: string[];
  /** replay: file holding a JSON array of base64 datagrams. */
  payloadFile?: string;
  /** Datagrams per second over all sources; 0 = unpaced. */
  rate: number;
  count: number;
  durationMs: number;
  timeoutMs: number;
}

export interface DatagramFloodResult {
  sent: number;
  sentBytes: number;
  sendErrors: number;
  sendingMs: number;
  /** Datagrams received back, by first byte (WireGuard message type) — "0" for anything else. */
  replies: Record<string, number>;
}

const TICK_MS = 2;
const UNPACED_BATCH = 256;
const MAX_PER_TICK = 2000;
const SETTLE_MS = 500;

/** Garbage datagram number i: each message type with a bogus body, or raw junk. */
export function garbage(i: number): Buffer {
  const shaped = (type: number, size: number): Buffer => {
    const b = randomBytes(size);
    b.writeUInt32LE(type, 0); // type byte and three zero reserved bytes
    return b;
  };
  switch (i % 5) {
    case 0:
      return shaped(1, 148); // initiation, bad mac1
    case 1:
      return shaped(2, 92); // response, unknown index / bad mac1
    case 2:
      return shaped(3, 64); // cookie reply, unknown index
    case 3:
      return shaped(4, 32 + 16 * randomInt(0, 80)); // transport, unknown index / bad tag
    default:
      return randomBytes(randomInt(0, 1400)); // anything, empty included
  }
}

function bind(address: string): Promise<Socket> {
  const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ address, port: 0 }, () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });
}

async function main(spec: DatagramFloodSpec): Promise<DatagramFloodResult> {
  let payloads: Buffer[] = [];
  if (spec.mode === 'replay') {
    if (!spec.payloadFile) throw new Error('replay needs payloadFile');
    payloads = (JSON.parse(readFileSync(spec.payloadFile, 'utf8')) as string[]).map((s) => Buffer.from(s, 'base64'));
    if (payloads.length === 0) throw new Error('nothing to replay');
  }
  const res: DatagramFloodResult = { sent: 0, sentBytes: 0, sendErrors: 0, sendingMs: 0, replies: {} };
  const socks: Socket[] = [];
  for (const a of spec.sources) {
    const s = await bind(a);
    s.on('error', () => res.sendErrors++);
    s.on('message', (m: Buffer) => {
      const k = m.length > 0 && m[0]! >= 1 && m[0]! <= 4 ? String(m[0]) : '0';
      res.replies[k] = (res.replies[k] ?? 0) + 1;
    });
    socks.push(s);
  }
  let stopped = false;
  process.stdin.on('data', (d: Buffer) => {
    if (d.toString().includes('stop')) stopped = true;
  });
  process.stdin.on('error', () => undefined);
  const start = Date.now();
  let inFlight = 0;
  const onSent = (err: Error | null): void => {
    inFlight--;
    if (err) res.sendErrors++;
  };
  await new Promise<void>((resolve) => {
    let credit = 0;
    let last = start;
    const tick = (): void => {
      const now = Date.now();
      if (stopped || res.sent >= spec.count || now - start >= spec.durationMs) {
        res.sendingMs = now - start;
        resolve();
        return;
      }
      let due: number;
      if (spec.rate > 0) {
        credit = Math.min(MAX_PER_TICK, credit + (spec.rate * (now - last)) / 1000);
        due = Math.floor(credit);
        credit -= due;
      } else {
        // Unpaced: keep a bounded number of sends in flight (no unbounded queueing in libuv).
        due = Math.max(0, UNPACED_BATCH - inFlight);
      }
      last = now;
      due = Math.min(due, spec.count - res.sent);
      for (let i = 0; i < due; i++) {
        const n = res.sent;
        const msg = spec.mode === 'replay' ? payloads[n % payloads.length]! : garbage(n);
        inFlight++;
        socks[n % socks.length]!.send(msg, spec.port, spec.target, onSent);
        res.sent++;
        res.sentBytes += msg.length;
      }
      if (spec.rate > 0) setTimeout(tick, TICK_MS);
      else setImmediate(tick);
    };
    tick();
  });
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  process.stdin.destroy();
  for (const s of socks) s.close();
  return res;
}

runFloodChild<DatagramFloodSpec, Awaited<ReturnType<typeof main>>>('flood-datagrams', main);
