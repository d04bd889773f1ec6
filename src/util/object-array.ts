/**
 * Empty arrays that V8 already treats as arrays of objects. A `[]` starts
 * with small-integer elements and changes its hidden class at the first
 * object pushed; optimised code that saw only the later class rejects an
 * array still in the first one ("wrong map" / "not a Smi" deoptimisations
 * at a daemon's first real packet, seen with --trace-deopt). Queues that
 * live across the data-path warm-up and the first real traffic are made
 * with this so both see one hidden class.
 */
export function objectArray<T extends object>(): T[] {
  // [null] is born with object elements; emptying it keeps that elements kind.
  const a = [null] as unknown as T[];
  a.length = 0;
  return a;
}
