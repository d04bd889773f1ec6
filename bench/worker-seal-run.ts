/**
 * `node dist/bench/worker-seal-run.js [seconds] [noble|node]`: the issue's
 * lever "worker_threads for crypto while keeping per-peer order", measured
 * at its best case. One sender seals 1420-byte packets (transport data,
 * whitepaper §5.4.6) in batches of 64, either inline on the main thread or
 * on one worker thread fed through a ring of shared batches (order kept: one
 * worker, slots consumed in turn). Both paths copy each packet in (as a TUN
 * read would) and touch each sealed datagram (as a send would). The worker
 * path gets every advantage a daemon would not have: the main thread has
 * nothing else to do and waits with a blocking Atomics.wait instead of an
 * event-loop wake-up. Prints packets per wall-clock second and per
 * CPU-second of the whole process (all threads), unpinned and pinned to one
 * CPU. The per-CPU-second figure is what matters on a box whose cores are
 * already busy, as both tunnel ends and iperf3 keep this 2-vCPU host.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import { nobleProvider } from '../src/crypto/noble.js';
import { nodeProvider } from '../src/crypto/node.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { transportNonce } from '../src/crypto/aead-nonce.js';
import { pickOneCore } from './one-core.js';
import { nowSeconds } from './stats.js';

const PACKET = 1420;
const SEALED = PACKET + 16;
const BATCH = 64;
const SLOTS = 4;
/** Control words: [0] batches filled by the main thread, [1] batches sealed by the worker, [2] stop. */
const FILLED = 0;
const SEALED_COUNT = 1;
const STOP = 2;

export interface SealRate {
  mode: 'inline' | 'worker';
  packetsPerSecond: number;
  packetsPerCpuSecond: number;
}

interface Shared {
  control: Int32Array;
  input: Uint8Array;
  output: Uint8Array;
  key: Uint8Array;
}

function providerNamed(name: string): CryptoProvider {
  if (name === 'noble') return nobleProvider;
  if (name === 'node') return nodeProvider;
  throw new Error(`unknown provider ${name}`);
}

function sealSlot(p: CryptoProvider, s: Shared, slot: number, firstCounter: number, nonce: Uint8Array): void {
  for (let k = 0; k < BATCH; k++) {
    const i = slot * BATCH + k;
    p.chacha20Poly1305Seal(s.key, transportNonce(BigInt(firstCounter + k), nonce), s.input.subarray(i * PACKET, (i + 1) * PACKET), undefined, s.output.subarray(i * SEALED, (i + 1) * SEALED));
  }
}

function sharedArea(): Shared {
  const key = new Uint8Array(new SharedArrayBuffer(32)).fill(7);
  return {
    control: new Int32Array(new SharedArrayBuffer(12)),
    input: new Uint8Array(new SharedArrayBuffer(SLOTS * BATCH * PACKET)),
    output: new Uint8Array(new SharedArrayBuffer(SLOTS * BATCH * SEALED)),
    key,
  };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The worker's loop: seal each filled slot in turn, then count it sealed. */
function workerMain(): void {
  const { shared, provider } = workerData as { shared: Shared; provider: string };
  const p = providerNamed(provider);
  const nonce = new Uint8Array(12);
  let done = 0;
  for (;;) {
    while (Atomics.load(shared.control, FILLED) === done) {
      if (Atomics.load(shared.control, STOP) === 1) return;
      Atomics.wait(shared.control, FILLED, done, 100);
    }
    sealSlot(p, shared, done % SLOTS, done * BATCH, nonce);
    done++;
    Atomics.store(shared.control, SEALED_COUNT, done);
    Atomics.notify(shared.control, SEALED_COUNT);
  }
}

function fill(s: Shared, slot: number, source: Uint8Array): void {
  for (let k = 0; k < BATCH; k++) s.input.set(source, (slot * BATCH + k) * PACKET);
}

/** What a send would read of each sealed datagram: its first and last bytes. */
function touch(s: Shared, slot: number): number {
  let x = 0;
  for (let k = 0; k < BATCH; k++) {
    const o = (slot * BATCH + k) * SEALED;
    x ^= s.output[o]! ^ s.output[o + SEALED - 1]!;
  }
  return x;
}

function source(): Uint8Array {
  const b = new Uint8Array(PACKET);
  for (let i = 0; i < PACKET; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

export function inlineRate(p: CryptoProvider, seconds: number): SealRate {
  const s = sharedArea();
  const src = source();
  const nonce = new Uint8Array(12);
  let batches = 0;
  let sink = 0;
  const run = (until: number): void => {
    while (nowSeconds() < until) {
      const slot = batches % SLOTS;
      fill(s, slot, src);
      sealSlot(p, s, slot, batches * BATCH, nonce);
      sink ^= touch(s, slot);
      batches++;
    }
  };
  run(nowSeconds() + Math.min(0.5, seconds / 4)); // warm-up
  batches = 0;
  const c0 = cpuSeconds();
  const t0 = nowSeconds();
  run(t0 + seconds);
  const wall = nowSeconds() - t0;
  const cpu = cpuSeconds() - c0;
  if (sink === -1) throw new Error('unreachable'); // keeps touch() from being dropped
  return { mode: 'inline', packetsPerSecond: (batches * BATCH) / wall, packetsPerCpuSecond: (batches * BATCH) / cpu };
}

/** A sealing worker on `s`; stop() asks it to finish and waits until it has exited. */
function startWorker(s: Shared, p: CryptoProvider): { stop: () => Promise<void> } {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { shared: s, provider: p.name } });
  const exited = new Promise<void>((resolve, reject) => {
    worker.once('exit', () => resolve());
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      Atomics.store(s.control, STOP, 1);
      Atomics.notify(s.control, FILLED);
      await exited;
    },
  };
}

export async function workerRate(p: CryptoProvider, seconds: number): Promise<SealRate> {
  const s = sharedArea();
  const src = source();
  const worker = startWorker(s, p);
  try {
    let filled = 0;
    let consumed = 0;
    let sink = 0;
    const run = (until: number): void => {
      while (nowSeconds() < until) {
        // Keep the ring full; wait (blocking: the best case) only when it is.
        while (filled - Atomics.load(s.control, SEALED_COUNT) >= SLOTS) {
          Atomics.wait(s.control, SEALED_COUNT, Atomics.load(s.control, SEALED_COUNT), 100);
        }
        fill(s, filled % SLOTS, src);
        filled++;
        Atomics.store(s.control, FILLED, filled);
        Atomics.notify(s.control, FILLED);
        const sealed = Atomics.load(s.control, SEALED_COUNT);
        while (consumed < sealed) sink ^= touch(s, consumed++ % SLOTS);
      }
    };
    run(nowSeconds() + Math.min(0.5, seconds / 4)); // warm-up, the worker's too
    const sealed0 = Atomics.load(s.control, SEALED_COUNT);
    const c0 = cpuSeconds();
    const t0 = nowSeconds();
    run(t0 + seconds);
    const sealed = Atomics.load(s.control, SEALED_COUNT) - sealed0;
    const wall = nowSeconds() - t0;
    const cpu = cpuSeconds() - c0;
    if (sink === -1) throw new Error('unreachable');
    return { mode: 'worker', packetsPerSecond: (sealed * BATCH) / wall, packetsPerCpuSecond: (sealed * BATCH) / cpu };
  } finally {
    await worker.stop();
  }
}

/** Checks that the worker path seals exactly what the inline path seals (same key, nonces, input). */
export async function workerMatchesInline(p: CryptoProvider): Promise<boolean> {
  const inline = sharedArea();
  const src = source();
  fill(inline, 0, src);
  sealSlot(p, inline, 0, 0, new Uint8Array(12));
  const s = sharedArea();
  const worker = startWorker(s, p);
  try {
    fill(s, 0, src);
    Atomics.store(s.control, FILLED, 1);
    Atomics.notify(s.control, FILLED);
    while (Atomics.load(s.control, SEALED_COUNT) < 1) Atomics.wait(s.control, SEALED_COUNT, 0, 100);
    return Buffer.compare(Buffer.from(s.output.subarray(0, BATCH * SEALED)), Buffer.from(inline.output.subarray(0, BATCH * SEALED))) === 0;
  } finally {
    await worker.stop();
  }
}

function format(r: SealRate): string {
  return `${r.mode.padEnd(6)}  ${(r.packetsPerSecond / 1000).toFixed(1).padStart(6)} k packets/s  ${(r.packetsPerCpuSecond / 1000).toFixed(1).padStart(6)} k packets/CPU-s`;
}

async function measureHere(p: CryptoProvider, seconds: number, rounds: number): Promise<void> {
  if (!(await workerMatchesInline(p))) throw new Error('the worker sealed different bytes than the inline path');
  for (let r = 0; r < rounds; r++) {
    process.stdout.write(`${format(inlineRate(p, seconds))}\n`);
    process.stdout.write(`${format(await workerRate(p, seconds))}\n`);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const seconds = Number(argv[0] ?? '2');
  const providerName = argv[1] ?? 'node';
  if (!(seconds > 0 && seconds <= 60) || !['node', 'noble'].includes(providerName)) {
    process.stderr.write('usage: worker-seal-run.js [seconds ≤ 60] [node|noble]\n');
    return 2;
  }
  const p = providerNamed(providerName);
  if (process.env.TSWG_WORKER_SEAL_CHILD === '1') {
    await measureHere(p, seconds, 3);
    return 0;
  }
  process.stdout.write(`${providerName}: ${BATCH} × ${PACKET}-byte packets per batch, ${SLOTS} batches in the ring, ${seconds} s per sample\n`);
  process.stdout.write(`-- unpinned (${availableParallelism()} CPUs)\n`);
  await measureHere(p, seconds, 3);
  const pick = pickOneCore(0.3);
  if (pick.prefix === null) {
    process.stdout.write('-- one CPU: no taskset or a single CPU, skipped\n');
    return 0;
  }
  process.stdout.write(`-- pinned to CPU ${pick.cpu}\n`);
  const r = spawnSync(pick.prefix[0]!, [...pick.prefix.slice(1), process.execPath, fileURLToPath(import.meta.url), ...argv], {
    env: { ...process.env, TSWG_WORKER_SEAL_CHILD: '1' },
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

if (!isMainThread && parentPort !== null) {
  workerMain();
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
