/**
 * CPU profiling for daemons the benchmark starts. Node 20 refuses
 * `--cpu-prof` in NODE_OPTIONS, but allows `--import`, so e2e runs with
 * `--profile-dir` preload this module: it starts the V8 profiler through
 * node:inspector and writes <dir>/tswg-<pid>.cpuprofile when the process
 * exits (same-thread inspector sessions answer synchronously, so this works
 * inside an 'exit' handler). Set TSWG_BENCH_PROFILE_DIR to the directory.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TSWG_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (err, res) => {
      if (!err && res?.profile) writeFileSync(join(dir, `tswg-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  });
}
