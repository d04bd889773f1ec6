/**
 * "≥ 5,000 responder handshakes/s on one core" (issue 5), taken literally:
 * the handshake, scale and flood groups run in a child confined to one CPU
 * (sched_setaffinity through util-linux's taskset, Essential in Debian), so
 * V8's helper threads — parallel scavenges, concurrent marking and
 * sweeping — share that core with the responder instead of adding a second
 * core's time beside it. Unpinned on the 2-vCPU box, the responder's
 * process used ≈ 11–13 % more CPU time than wall time. The figures per
 * CPU-second are still reported; pinned they match the wall-clock ones.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Group } from './figures.js';

export const ONE_CORE_GROUPS: readonly Group[] = ['handshake', 'scale', 'flood'];

const TASKSET = '/usr/bin/taskset';

/**
 * The command prefix that confines a child to one CPU (the last one; CPU 0
 * takes most interrupts), or null if there is no taskset or only one CPU.
 */
export function oneCorePrefix(): string[] | null {
  const n = availableParallelism();
  if (n < 2 || !existsSync(TASKSET)) return null;
  return [TASKSET, '--cpu-list', String(n - 1)];
}
