/**
 * A full garbage collection before a timed stretch, so the stretch pays for
 * the garbage it makes and not for what its untimed set-up left (building
 * thousands of initiations leaves native KeyObject handles whose finalisers
 * run in the next scavenge: ≈ 11 ms of a ≈ 18 ms scavenge in a flood
 * trace, landing in whichever 0.1 s sample it fell into). The in-process
 * groups run in a child started with --expose-gc (run.ts); elsewhere this
 * returns false and the caller's figure carries the set-up's garbage.
 */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  gc();
  return true;
}
