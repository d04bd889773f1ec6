/**
 * Command line of the benchmark harness (`npm run bench -- [options]`).
 *   --quick            short version of everything (CI; asserts nothing about speed)
 *   --no-e2e           skip the parts that need root and network namespaces
 *   --out <file>       write the JSON here instead of bench/results/<YYYY-MM-DD>.json
 *   --only <groups>    comma list of crypto,handshake,datapath,io,scale,flood,setconf,e2e
 *   --profile-dir <d>  run tswg daemons under `node --cpu-prof` and keep the profiles in <d>
 *   --pairs <names>    e2e pairs to run (default all; e.g. tswg-tswg,wggo-wggo for profiling)
 */
import { E2E_PAIRS, GROUPS, type E2ePair, type Group } from './figures.js';

export { GROUPS, type Group };

export interface BenchArgs {
  readonly quick: boolean;
  readonly e2e: boolean;
  readonly out: string | null;
  readonly groups: ReadonlySet<Group>;
  readonly profileDir: string | null;
  readonly pairs: readonly E2ePair[];
}

export class BenchUsageError extends Error {}

export const USAGE = 'usage: node dist/bench/run.js [--quick] [--no-e2e] [--out <file>] [--only <group,...>] [--profile-dir <dir>] [--pairs <pair,...>]';

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let quick = false;
  let e2e = true;
  let out: string | null = null;
  let profileDir: string | null = null;
  let groups = new Set<Group>(GROUPS);
  let pairs: E2ePair[] = [...E2E_PAIRS];
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new BenchUsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--no-e2e') e2e = false;
    else if (a === '--out') out = value(i++, a);
    else if (a === '--profile-dir') profileDir = value(i++, a);
    else if (a === '--only') {
      const names = value(i++, a).split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(GROUPS as readonly string[]).includes(n)) throw new BenchUsageError(`unknown group '${n}' (known: ${GROUPS.join(', ')})`);
      groups = new Set(names as Group[]);
    } else if (a === '--pairs') {
      const names = value(i++, a).split(',').map((s) => s.trim()).filter(Boolean);
      for (const n of names) if (!(E2E_PAIRS as readonly string[]).includes(n)) throw new BenchUsageError(`unknown pair '${n}' (known: ${E2E_PAIRS.join(', ')})`);
      pairs = E2E_PAIRS.filter((p) => names.includes(p));
    } else throw new BenchUsageError(`unknown option '${a}'`);
  }
  return { quick, e2e, out, groups, profileDir, pairs };
}
