// `npm run fuzz -- [--seconds N] [--target name[,name…]] [--seed S] [--json]`
// Runs each selected target for N seconds (default 10) with fast-check and
// prints executions per target; exit 1 if any property failed (the report
// names the counterexample and the seed/path to replay it), 2 on bad usage.
import { TARGETS } from './targets.js';

interface Args {
  seconds: number;
  targets: string[] | null;
  seed: number;
  json: boolean;
}

const USAGE = 'usage: npm run fuzz -- [--seconds N] [--target name[,name...]] [--seed S] [--json]';

function parseArgs(argv: readonly string[]): Args | string {
  const a: Args = { seconds: 10, targets: null, seed: Date.now() % 0x7fffffff, json: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (k === '--json') a.json = true;
    else if (k === '--seconds' && v !== undefined && Number(v) > 0) {
      a.seconds = Number(v);
      i++;
    } else if (k === '--seed' && v !== undefined && Number.isInteger(Number(v))) {
      a.seed = Number(v);
      i++;
    } else if (k === '--target' && v !== undefined) {
      a.targets = v.split(',');
      i++;
    } else return `unknown or incomplete argument: ${k}`;
  }
  const unknown = (a.targets ?? []).filter((t) => !TARGETS.some((x) => x.name === t));
  if (unknown.length > 0) return `unknown target(s): ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`;
  return a;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}\n`);
    return 2;
  }
  const selected = TARGETS.filter((t) => args.targets === null || args.targets.includes(t.name));
  const rows: { target: string; kind: string; executions: number; seconds: number; perSecond: number; failed: boolean; reached?: Readonly<Record<string, number>> }[] = [];
  let failed = false;
  if (!args.json) process.stdout.write(`seed ${args.seed}, ${args.seconds} s per target\n`);
  for (const t of selected) {
    const start = process.hrtime.bigint();
    const r = t.run({ seed: args.seed, timeLimitMs: args.seconds * 1000 });
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    rows.push({ target: t.name, kind: t.kind, executions: r.runs, seconds: +secs.toFixed(1), perSecond: Math.round(r.runs / secs), failed: r.failure !== null, ...(r.reached ? { reached: r.reached } : {}) });
    if (!args.json) process.stdout.write(`${t.name.padEnd(20)} ${String(r.runs).padStart(10)} executions  ${secs.toFixed(1).padStart(7)} s  ${String(Math.round(r.runs / secs)).padStart(7)}/s  ${r.failure ? 'FAILED' : 'ok'}\n`);
    if (r.reached && !args.json) {
      const parts = Object.entries(r.reached).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`);
      process.stdout.write(`${''.padEnd(21)}drops: ${parts.join(', ')}\n`);
    }
    if (r.failure) {
      failed = true;
      process.stderr.write(`\n== ${t.name} failed\n${r.failure}\n\n`);
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ seed: args.seed, secondsPerTarget: args.seconds, targets: rows }, null, 2)}\n`);
  else process.stdout.write(`total ${rows.reduce((n, r) => n + r.executions, 0)} executions\n`);
  return failed ? 1 : 0;
}

process.exitCode = main();
