/**
 * Environment for the daemons a benchmark starts: temporarily set variables
 * that children inherit (the interop helpers merge process.env into every
 * spawn), and the variables that make a tswg daemon write a CPU profile.
 */
import { fileURLToPath } from 'node:url';

/** Runs `fn` with extra environment variables visible to the children it spawns. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** Makes a Node daemon write <dir>/tswg-<pid>.cpuprofile on exit (see cpu-profile-preload.ts). */
export function profileEnv(dir: string): Record<string, string> {
  // --cpu-prof is not allowed in NODE_OPTIONS; a preloaded inspector session does the same job.
  return { NODE_OPTIONS: `--import=${fileURLToPath(new URL('./cpu-profile-preload.js', import.meta.url))}`, TSWG_BENCH_PROFILE_DIR: dir };
}
