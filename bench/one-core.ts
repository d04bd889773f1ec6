/**
 * "≥ 5,000 responder handshakes/s on one core" (issue 5), taken literally:
 * the handshake, scale and flood groups run in a child confined to one CPU
 * (sched_setaffinity through util-linux's taskset, Essential in Debian), so
 * V8's helper threads — parallel scavenges, concurrent marking and
 * sweeping — share that core with the responder instead of adding a second
 * core's time beside it. Unpinned on the 2-vCPU box, the responder's
 * process used ≈ 11–13 % more CPU time than wall time. The figures per
 * CPU-second are still reported; pinned they match the wall-clock ones.
 *
 * Which core: the one that runs X25519 fastest in a short probe just
 * before the child starts. The vCPUs of this guest are not alike, and not
 * for long: on 2026-11-27 vCPU 1 ran `openssl speed ecdhx25519` at 23.5 k
 * ops/s against vCPU 0's 33.5 k in every probe for ten minutes, and twenty
 * minutes later the other way round (vCPU 0 at 22.6 k, vCPU 1 at 32.6 k).
 * Always taking the last CPU put the handshake figures on the slow one in
 * such stretches. The `…responderOfBound` shares measure the bound on the
 * same core, so they do not depend on this choice.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Group } from './figures.js';

export const ONE_CORE_GROUPS: readonly Group[] = ['handshake', 'scale', 'flood'];

const TASKSET = '/usr/bin/taskset';

/**
 * The command prefix that confines a child to CPU `cpu` (default the last
 * one), or null if there is no taskset or only one CPU.
 */
export function oneCorePrefix(cpu = availableParallelism() - 1): string[] | null {
  const n = availableParallelism();
  if (n < 2 || !existsSync(TASKSET)) return null;
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= n) throw new RangeError(`no CPU ${cpu} (this machine has ${n})`);
  return [TASKSET, '--cpu-list', String(cpu)];
}

/**
 * The CPU with the highest probe rate; the last CPU when no probe gave a
 * rate (null = that probe failed), and among equal rates the later CPU,
 * so a machine whose cores are alike keeps the last one (CPU 0 takes most
 * interrupts).
 */
export function fastestCpu(rates: readonly (number | null)[]): number {
  let best = rates.length - 1;
  let bestRate = -1;
  rates.forEach((r, cpu) => {
    if (r !== null && Number.isFinite(r) && r >= bestRate) {
      best = cpu;
      bestRate = r;
    }
  });
  return best;
}

/** X25519 per wall-clock second on CPU `cpu` (cpu-probe.ts in a pinned child), or null if the probe failed. */
export function probeCpu(cpu: number, seconds: number): number | null {
  const prefix = oneCorePrefix(cpu);
  if (prefix === null) return null;
  const probe = fileURLToPath(new URL('./cpu-probe.js', import.meta.url));
  const r = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, probe, String(seconds)], { encoding: 'utf8', timeout: 30_000 });
  const rate = Number(r.stdout.trim());
  return r.status === 0 && Number.isFinite(rate) && rate > 0 ? rate : null;
}

export interface CorePick {
  /** The taskset prefix, or null when the child cannot be pinned. */
  prefix: string[] | null;
  cpu: number | null;
  /** Each CPU's probe rate (X25519 per wall-clock second), null where it failed. */
  rates: (number | null)[];
}

/** Probes every CPU for `seconds` each and returns the prefix that pins a child to the fastest. */
export function pickOneCore(seconds: number): CorePick {
  if (oneCorePrefix() === null) return { prefix: null, cpu: null, rates: [] };
  const rates = Array.from({ length: availableParallelism() }, (_, cpu) => probeCpu(cpu, seconds));
  const cpu = fastestCpu(rates);
  return { prefix: oneCorePrefix(cpu), cpu, rates };
}
