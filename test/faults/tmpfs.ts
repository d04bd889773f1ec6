// A small tmpfs as a state directory that can be filled up (root only):
// mounted on a fresh directory, unmounted (lazily if still busy) and removed
// after the test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounts a tmpfs of `size` on a fresh directory; unmounted and removed after the test. */
export function smallTmpfs(t: { after(fn: () => void): void }, size = '256k'): string {
  const dir = mkdtempSync(join(tmpdir(), 'tswg-faults-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tswg-faults', dir]);
  t.after(() => {
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' }); // still busy: detach now, freed when closed
    }
    rmdirSync(dir);
  });
  return dir;
}

/** Writes zeros into `path` until the filesystem refuses (ENOSPC); returns the bytes written. */
export function fill(path: string): number {
  const chunk = Buffer.alloc(4096);
  let n = 0;
  try {
    for (;;) {
      writeFileSync(path, chunk, { flag: 'a' });
      n += chunk.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  return n;
}
