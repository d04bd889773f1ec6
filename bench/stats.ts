/**
 * Repetition and summary for every benchmark figure (issue 5: "each figure
 * with median and min–max over repeated runs"). A figure is either measured
 * (the raw per-run values plus their median/min/max) or explicitly not
 * available with a reason, so a broken part of the system shows up as a row
 * that says why instead of a crash or a missing key.
 */

export interface MeasuredFigure {
  readonly status: 'ok';
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
  readonly note?: string;
}

export interface MissingFigure {
  readonly status: 'skipped' | 'unavailable';
  readonly unit: string;
  /** Why there is no number (e.g. "--no-e2e", "tswg passed no traffic"). */
  readonly reason: string;
}

export type Figure = MeasuredFigure | MissingFigure;

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(unit: string, runs: readonly number[], note?: string): MeasuredFigure {
  if (runs.length === 0 || runs.some((v) => !Number.isFinite(v))) {
    throw new RangeError(`cannot summarize runs ${JSON.stringify(runs)}`);
  }
  const f: MeasuredFigure = {
    status: 'ok',
    unit,
    median: median(runs),
    min: Math.min(...runs),
    max: Math.max(...runs),
    runs: [...runs],
  };
  return note === undefined ? f : { ...f, note };
}

export function missing(status: MissingFigure['status'], unit: string, reason: string): MissingFigure {
  return { status, unit, reason };
}

/** Monotonic seconds (high resolution). */
export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/**
 * The timed loop behind `rate` (and cpu-rate.ts's `rateBoth`): a short
 * untimed warm-up so the JIT settles, `atStart` right before timing begins,
 * then `op` in batches (the clock is read only between batches) for about
 * `seconds`. Returns how many operations ran in the timed part and its wall
 * time. `op` gets the running iteration number.
 */
export function timedLoop(
  op: (i: number) => void,
  seconds: number,
  batch = 64,
  atStart: () => void = () => undefined,
): { n: number; wallSeconds: number } {
  let i = 0;
  const warmEnd = nowSeconds() + Math.min(0.2, seconds / 4);
  while (nowSeconds() < warmEnd) for (let k = 0; k < batch; k++) op(i++);
  atStart();
  const start = nowSeconds();
  const end = start + seconds;
  let n = 0;
  let t = start;
  do {
    for (let k = 0; k < batch; k++) op(i++);
    n += batch;
    t = nowSeconds();
  } while (t < end);
  return { n, wallSeconds: t - start };
}

/** Runs `op` repeatedly for about `seconds` (see timedLoop) and returns operations per second. */
export function rate(op: (i: number) => void, seconds: number, batch = 64): number {
  const r = timedLoop(op, seconds, batch);
  return r.n / r.wallSeconds;
}

/** Times a fixed amount of work: returns `count / seconds`. */
export function timedCount(count: number, work: () => void): number {
  const start = nowSeconds();
  work();
  const elapsed = nowSeconds() - start;
  return count / elapsed;
}

/** Collects figures in insertion order under stable dotted ids. */
export class Results {
  readonly figures: Record<string, Figure> = {};

  set(id: string, f: Figure): void {
    this.figures[id] = f;
  }

  /** Measures `reps` runs of `sample` and records the summary; a throw becomes an "unavailable" row. */
  measure(id: string, unit: string, reps: number, sample: () => number, note?: string): void {
    const runs: number[] = [];
    try {
      for (let r = 0; r < reps; r++) runs.push(sample());
      this.set(id, summarize(unit, runs, note));
    } catch (err) {
      this.set(id, missing('unavailable', unit, errorText(err)));
    }
  }
}

export function errorText(err: unknown): string {
  const s = err instanceof Error ? err.message : String(err);
  return s.split('\n')[0]!.slice(0, 300);
}
