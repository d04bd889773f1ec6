/**
 * The command-line shell every flood child process shares: read the JSON
 * spec named by argv[2], give up after spec.timeoutMs, print the result as
 * one `result {json}` line, exit 0 on success and 2 on any failure.
 */
import { readFileSync } from 'node:fs';

export function runFloodChild<S extends { timeoutMs: number }, R>(name: string, main: (spec: S) => Promise<R>): void {
  const specPath = process.argv[2];
  if (!specPath) {
    process.stderr.write(`usage: ${name} <spec.json>\n`);
    process.exit(2);
  }
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as S;
  setTimeout(() => {
    process.stderr.write(`${name}: timed out after ${spec.timeoutMs} ms\n`);
    process.exit(2);
  }, spec.timeoutMs).unref();
  main(spec).then(
    (r) => {
      process.stdout.write(`result ${JSON.stringify(r)}\n`);
      process.exit(0);
    },
    (err: Error) => {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(2);
    },
  );
}
