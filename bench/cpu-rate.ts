/**
 * Rates per CPU-second beside the wall-clock rates (issue 5: "≥ 5,000
 * responder handshakes/s on one core"). On a shared 2-core box a wall-clock
 * rate also measures the neighbours; process CPU time (user + system,
 * process.cpuUsage) around the timed loop says what one core delivers. It
 * includes V8's helper threads (GC), so it never flatters the figure.
 */
import { missing, nowSeconds, summarize, timedLoop, type Results } from './stats.js';

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
