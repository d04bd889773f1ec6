/**
 * The I/O floor under the data path, measured without the protocol: how many
 * 1452-byte datagrams (a 1420-byte packet as a transport message) node:dgram
 * moves per second over loopback, send → 'message' event, one datagram per
 * call as the daemon does today. Compared with datapath.* this shows whether
 * crypto or per-datagram socket overhead bounds a single-threaded daemon.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { nowSeconds, summarize, type Results } from './stats.js';
import type { BenchSettings } from './settings.js';

const DATAGRAM = 1452;
const BURST = 32;
/** Datagrams allowed in flight before the sender waits (well under the 4 MiB receive buffer). */
const WINDOW = 512;

async function bound(): Promise<Socket> {
  const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/**
 * Datagrams/s received over loopback, sending in bursts of BURST with at
 * most WINDOW in flight (so the socket buffer never overflows and the figure
 * is the per-datagram cost of both directions in one process, not the
 * latency of one burst).
 */
export async function dgramLoopbackRate(seconds: number): Promise<number> {
  const tx = await bound();
  const rx = await bound();
  const port = rx.address().port;
  const payload = new Uint8Array(DATAGRAM).fill(0x42);
  let received = 0;
  let waitFor = 0;
  let wake: (() => void) | null = null;
  rx.on('message', () => {
    received++;
    if (received >= waitFor && wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const waitArrivals = async (target: number, ms: number): Promise<void> => {
    if (received >= target) return;
    waitFor = target;
    // Bounded: a lost datagram must not hang the harness.
    await Promise.race([new Promise<void>((r) => (wake = r)), new Promise<void>((r) => setTimeout(r, ms))]);
    wake = null;
  };
  try {
    // Warm-up burst: the first datagrams also pay for lazy socket setup.
    for (let i = 0; i < BURST; i++) tx.send(payload, port, '127.0.0.1');
    await waitArrivals(BURST, 1000);
    let sent = 0;
    const base = received;
    const start = nowSeconds();
    const end = start + seconds;
    while (nowSeconds() < end) {
      for (let i = 0; i < BURST; i++) tx.send(payload, port, '127.0.0.1');
      sent += BURST;
      if (sent - (received - base) >= WINDOW) await waitArrivals(base + sent - WINDOW / 2, 50);
      else if ((sent / BURST) % 8 === 0) await new Promise<void>((r) => setImmediate(r)); // let 'message' events run
    }
    await waitArrivals(base + sent, 500);
    const elapsed = nowSeconds() - start;
    const got = received - base;
    if (got < sent * 0.9) throw new Error(`loopback delivered ${got} of ${sent} datagrams`);
    return got / elapsed;
  } finally {
    tx.close();
    rx.close();
  }
}

export async function runIoBench(results: Results, s: BenchSettings): Promise<void> {
  const runs: number[] = [];
  for (let r = 0; r < s.reps; r++) runs.push(await dgramLoopbackRate(s.rateSeconds));
  results.set('io.dgram.loopback1452', summarize('datagrams/s', runs, 'node:dgram send → message, one datagram per call, one process'));
}
