/**
 * Rates per CPU-second beside the wall-clock rates (issue 5: "≥ 5,000
 * responder handshakes/s on one core"). On a shared 2-core box a wall-clock
 * rate also measures the neighbours; process CPU time (user + system,
 * process.cpuUsage) around the timed loop says what one core delivers. It
 * includes V8's helper threads (GC), so it never flatters the figure.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { nobleProvider } from '../src/crypto/noble.js';
import { nodeProvider } from '../src/crypto/node.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import type { BenchSettings } from './settings.js';
import { Results, missing, nowSeconds, summarize, timedLoop, type Figure } from './stats.js';

export interface DualRate {
  /** Operations per wall-clock second. */
  readonly wall: number;
  /** Operations per CPU-second of this process. */
  readonly cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Times `work` (which performs `count` operations) by the wall clock and by process CPU time. */
export function timedCountBoth(count: number, work: () => void): DualRate {
  const c0 = cpuSeconds();
  const t0 = nowSeconds();
  work();
  const wall = nowSeconds() - t0;
  const cpu = cpuSeconds() - c0;
  return { wall: count / wall, cpu: count / Math.max(cpu, 1e-6) };
}

/**
 * Like stats.rate (a short untimed warm-up, then batches for about
 * `seconds`), returning both rates of the same timed loop.
 */
export function rateBoth(op: (i: number) => void, seconds: number, batch = 64): DualRate {
  let c0 = 0;
  const r = timedLoop(op, seconds, batch, () => {
    c0 = cpuSeconds();
  });
  const cpu = cpuSeconds() - c0;
  return { wall: r.n / r.wallSeconds, cpu: r.n / Math.max(cpu, 1e-6) };
}

/**
 * Measures `reps` samples of `sample` and records two figures: `id` (per
 * wall-clock second, `unit`) and `cpuId` (per CPU-second). A throw makes
 * both rows "unavailable", as Results.measure does.
 */
export function measureBoth(
  results: Results,
  id: string,
  cpuId: string,
  unit: string,
  cpuUnit: string,
  reps: number,
  sample: () => DualRate,
  note?: string,
): void {
  const cpuRuns: number[] = [];
  results.measure(id, unit, reps, () => {
    const r = sample();
    cpuRuns.push(r.cpu);
    return r.wall;
  }, note);
  if (cpuRuns.length === reps) results.set(cpuId, summarize(cpuUnit, cpuRuns, 'process.cpuUsage (user+sys) around the timed loop'));
  else results.set(cpuId, missing('unavailable', cpuUnit, `same samples as ${id}, which failed`));
}

/** A group's figures for the given providers, recorded into `results` (sync or async). */
export type FigureTask = (results: Results, providers: readonly CryptoProvider[], s: BenchSettings) => void | Promise<void>;

interface IsolatedJob {
  readonly tswgIsolatedBench: true;
  readonly module: string;
  readonly task: string;
  readonly provider: string;
  readonly settings: BenchSettings;
}

/**
 * Runs the exported FigureTask `task` of `module` for one provider in a
 * fresh worker isolate and copies its figures into `results`. A daemon runs
 * one provider; measured in the bench's shared process, the node responder
 * after the noble one was bimodal from one process to the next (≈ 4,200 or
 * ≈ 5,600 handshakes/CPU-s, same build, three samples each, stable within a
 * process): shared protocol code compiled on noble's feedback first. Process
 * CPU time still counts every thread; the main thread only waits meanwhile.
 */
export async function inFreshIsolate(results: Results, module: URL, task: string, p: CryptoProvider, s: BenchSettings): Promise<void> {
  const job: IsolatedJob = { tswgIsolatedBench: true, module: module.href, task, provider: p.name, settings: s };
  const figures = await new Promise<Record<string, Figure>>((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: job });
    w.once('message', (m: Record<string, Figure>) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`bench worker for ${task}/${p.name} exited with ${code} before reporting`)));
  });
  for (const [id, f] of Object.entries(figures)) results.set(id, f);
}

// Worker side of inFreshIsolate: run the task for the named provider and post
// its figures. Not a top-level await: the task's module imports this one, and
// this module must finish evaluating before that import can complete.
async function runIsolatedJob(j: IsolatedJob, port: NonNullable<typeof parentPort>): Promise<void> {
  const provider = [nobleProvider, nodeProvider].find((p) => p.name === j.provider);
  if (provider === undefined) throw new Error(`unknown provider ${j.provider}`);
  const mod = (await import(j.module)) as Record<string, FigureTask>;
  const r = new Results();
  await mod[j.task]!(r, [provider], j.settings);
  port.postMessage(r.figures);
}

const job = isMainThread ? undefined : (workerData as IsolatedJob | undefined);
if (job?.tswgIsolatedBench === true && parentPort !== null) {
  runIsolatedJob(job, parentPort).catch((err: unknown) => {
    throw err; // an uncaught error in the worker reaches the parent's 'error' listener
  });
}
