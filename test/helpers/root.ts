// Gate for tests that need root, network namespaces and system tools.
// Without them the test is skipped, unless TSWG_REQUIRE_ROOT_TESTS=1 (CI),
// where a missing prerequisite is a failure instead of a silent skip.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Returns why root tests cannot run here, or null if they can. */
export function rootUnavailable(tools: readonly string[] = ['ip']): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not running as root';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  for (const t of tools) if (!have(t)) return `${t} is not installed`;
  return null;
}

/**
 * Call at the top of a root-only test. Returns true if the test should go on;
 * otherwise it has been skipped (or, with TSWG_REQUIRE_ROOT_TESTS=1, fails).
 */
export function requireRoot(t: TestContext, tools?: readonly string[]): boolean {
  const why = rootUnavailable(tools);
  if (why === null) return true;
  if (process.env.TSWG_REQUIRE_ROOT_TESTS === '1') {
    throw new Error(`root test cannot run (${why}) but TSWG_REQUIRE_ROOT_TESTS=1`);
  }
  t.skip(why);
  return false;
}
