/**
 * The two warm-ups a daemon runs before it builds its own objects
 * (jit-warmup.ts: the core's data path in memory; glue-warmup.ts: the
 * daemon's I/O glue with throw-away daemons over an in-memory addon), and
 * the log lines that report them. On by default; `warmup: false` or
 * TSWG_WARMUP=0 turns it off.
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { systemClock, systemRandom } from '../io/system-ports.js';
import { warmDataPath } from './jit-warmup.js';
import { warmDaemonGlue } from './glue-warmup.js';
import type { Daemon, DaemonOptions } from './daemon.js';

export interface WarmupReport {
  /** What ran (for LOG_LEVEL=verbose), or null when nothing did. */
  warmed: string | null;
  /** Why it stopped early, or null. The daemon starts either way. */
  error: string | null;
}

/** Runs both warm-ups for a daemon about to start with `opts`; `start` is Daemon.start (for the glue's throw-away daemons). */
export async function warmBeforeStart(
  start: (o: DaemonOptions) => Promise<Daemon>,
  crypto: CryptoProvider,
  opts: DaemonOptions,
): Promise<WarmupReport> {
  const report: WarmupReport = { warmed: null, error: null };
  if (!(opts.warmup ?? process.env.TSWG_WARMUP !== '0')) return report;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? systemRandom;
  try {
    const w = await warmDataPath(crypto, clock, random);
    report.warmed = `data path warmed up in memory: ${w.delivered} packets in ${w.ms.toFixed(0)} ms`;
    const g = await warmDaemonGlue(start, {
      crypto,
      clock,
      random,
      vnet: opts.tun.offload !== null,
      filter: opts.deliverFilter !== undefined,
    });
    report.warmed += `; I/O glue: ${g.echoes} echoes in ${g.ms.toFixed(0)} ms`;
  } catch (e) {
    report.error = `data path warm-up failed: ${(e as Error).message}`;
  }
  return report;
}
