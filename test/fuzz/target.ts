// The shape every fuzz target has, and the one way to run a fast-check
// property for a number of runs or a time budget. The runner (run.ts) and
// the smoke test (fuzz-smoke.test.ts) both go through runProperty.
import fc from 'fast-check';

export interface FuzzRunOptions {
  /** fast-check seed: the same seed replays the same inputs. */
  readonly seed: number;
  /** Stop after this many runs (default: unbounded, then timeLimitMs must be set). */
  readonly numRuns?: number;
  /** Stop after this many ms (fast-check's interruptAfterTimeLimit; not a failure). */
  readonly timeLimitMs?: number;
}

export interface FuzzResult {
  /** Executions of the property (inputs checked). */
  readonly runs: number;
  /** fast-check's report (counterexample, seed, path) if a property failed, else null. */
  readonly failure: string | null;
  /** What the inputs reached, e.g. drop counters by reason (packet targets). */
  readonly reached?: Readonly<Record<string, number>>;
}

export interface FuzzTarget {
  readonly name: string;
  /** Packet targets drive Device.receiveDatagram; parser targets a parser. */
  readonly kind: 'packet' | 'parser';
  readonly description: string;
  run(opts: FuzzRunOptions): FuzzResult;
}

const UNBOUNDED_RUNS = 0x7fff_ffff;

export function runProperty<Ts>(prop: fc.IProperty<Ts>, opts: FuzzRunOptions): FuzzResult {
  if (opts.numRuns === undefined && opts.timeLimitMs === undefined) throw new RangeError('give numRuns or timeLimitMs');
  const d = fc.check(prop, {
    seed: opts.seed,
    numRuns: opts.numRuns ?? UNBOUNDED_RUNS,
    ...(opts.timeLimitMs !== undefined ? { interruptAfterTimeLimit: opts.timeLimitMs, markInterruptAsFailure: false } : {}),
  });
  if (!d.failed) return { runs: d.numRuns, failure: null };
  const err = d.errorInstance instanceof Error ? d.errorInstance.message : String(d.errorInstance);
  return { runs: d.numRuns, failure: `${fc.defaultReportMessage(d) ?? 'property failed'}\nError: ${err}` };
}
