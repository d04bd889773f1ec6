/**
 * `npm run bench [-- --quick] [--no-e2e] [--out f] [--only g,..]`: runs every
 * benchmark group of issue 5, prints a table (median and min–max over
 * repeated runs) and writes JSON with the machine it ran on. Exits non-zero
 * only when the harness itself is broken: bad usage, a crash, or an
 * in-process figure that could not be measured. Missing end-to-end rows
 * (no root, a daemon that passes no traffic yet) are reported, not fatal.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleProvider } from '../src/crypto/noble.js';
import { nodeProvider } from '../src/crypto/node.js';
import { rootUnavailable } from '../test/helpers/root.js';
import { BenchUsageError, GROUPS, USAGE, parseBenchArgs, type BenchArgs, type Group } from './args.js';
import { runCryptoBench } from './crypto-bench.js';
import { runDatapathBench } from './datapath-bench.js';
import { IN_PROCESS_GROUPS, figureIds } from './figures.js';
import { ONE_CORE_GROUPS, pickOneCore } from './one-core.js';
import { DAEMON_NODE_FLAGS } from '../src/cli/node-flags.js';
import { runHandshakeBench } from './handshake-bench.js';
import { runIoBench } from './io-bench.js';
import { machineInfo } from './machine.js';
import { runScaleBench } from './scale-bench.js';
import { runFloodBench } from './flood-bench.js';
import { settingsFor, type BenchSettings } from './settings.js';
import { Results, missing, nowSeconds, type Figure } from './stats.js';
import { textTable } from './table.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROVIDERS = [nobleProvider, nodeProvider];
const ROOT_TOOLS = ['ip', 'wg', 'wireguard-go', 'iperf3', 'ping'];

function localDate(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Marks every figure of `group` that was not produced as skipped/unavailable with `reason`. */
function fillMissing(results: Results, group: Group, s: BenchSettings, status: 'skipped' | 'unavailable', reason: string): void {
  for (const id of figureIds(group, s.lookupSizes)) {
    if (!(id in results.figures)) results.set(id, missing(status, unitOf(id), reason));
  }
}

function unitOf(id: string): string {
  if (id.endsWith('.mbps')) return 'Mbit/s';
  if (id.endsWith('.ratio')) return '× wggo-wggo';
  if (id.endsWith('Ms')) return 'ms';
  if (id.endsWith('.cpuSecPerGB')) return 'CPU s/GB';
  if (id.endsWith('.seconds')) return 's';
  if (id.endsWith('.rssMiB')) return 'MiB';
  if (id.endsWith('.retransmits')) return 'TCP segments/run';
  if (id.endsWith('.receiverDrops')) return 'datagrams/run';
  return '';
}

/**
 * The in-process groups each run in a fresh Node process. In one process a
 * group measured what the groups before it had left behind: handshakes
 * after the crypto group came out 20–35 % slower than alone (responder
 * 3,928 and 4,451 against 5,533 and 5,482 per CPU-second, alternating runs
 * of `--only crypto,handshake` and `--only handshake`), which is the heap
 * and JIT state of a microbenchmark, not of a daemon.
 */
const CHILD_GROUP_ENV = 'TSWG_BENCH_CHILD_GROUP';
const CHILD_OUT_ENV = 'TSWG_BENCH_CHILD_OUT';
const CHILD_PROVIDER_ENV = 'TSWG_BENCH_CHILD_PROVIDER';

/**
 * Groups whose providers each get a fresh process of their own. Within one
 * process the second provider measured the first one's leftovers: with
 * noble's flood first, node:crypto's flood ran at 0.62–0.64 of the X25519
 * bound; first in its process, at 0.65–0.69 (alternating `--only scale`
 * runs with the provider order swapped, eighth session).
 */
const PER_PROVIDER_GROUPS: readonly Group[] = ['handshake', 'flood'];

/** Where each pinned child ran: its CPU and every CPU's probe rate (written to the report). */
interface PinRecord {
  group: string;
  cpu: number | null;
  x25519PerSecondByCpu: (number | null)[];
}

function runGroupInChild(group: Group, results: Results, argv: readonly string[], s: BenchSettings, pins: PinRecord[], provider?: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'tswg-bench-'));
  const file = join(dir, 'figures.json');
  try {
    // --expose-gc: the handshake and flood samples start from a collected heap (collect-garbage.ts).
    // The daemon's own V8 flags (src/cli/node-flags.ts), so each group measures the heap the daemon runs with.
    const node = [process.execPath, '--expose-gc', ...DAEMON_NODE_FLAGS, fileURLToPath(import.meta.url), ...argv];
    const pinned = ONE_CORE_GROUPS.includes(group);
    let pin: string[] | null = null;
    if (pinned) {
      const pick = pickOneCore(s.quick ? 0.05 : 0.3);
      pin = pick.prefix;
      const probes = pick.rates.map((r, cpu) => `CPU ${cpu} ${r === null ? 'failed' : `${(r / 1000).toFixed(1)} k`}`).join(', ');
      log(pin === null ? `${group}: not pinned (no taskset or one CPU)` : `${group}: pinned to CPU ${pick.cpu} (X25519/s: ${probes})`);
      pins.push({ group: provider === undefined ? group : `${group}.${provider}`, cpu: pick.cpu, x25519PerSecondByCpu: pick.rates.map((r) => (r === null ? null : Math.round(r))) });
    }
    const cmd = pin === null ? node : [...pin, ...node];
    const r = spawnSync(cmd[0]!, cmd.slice(1), {
      env: { ...process.env, [CHILD_GROUP_ENV]: group, [CHILD_OUT_ENV]: file, [CHILD_PROVIDER_ENV]: provider },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    let figures: Record<string, Figure>;
    try {
      figures = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Figure>;
    } catch {
      const how = r.error?.message ?? (r.signal !== null ? `signal ${r.signal}` : `exit ${r.status}`);
      throw new Error(`the ${group} group's process wrote no figures (${how})`);
    }
    for (const [id, f] of Object.entries(figures)) {
      // A per-provider child that measured another provider did not run alone.
      if (provider !== undefined && !id.includes(`.${provider}.`)) throw new Error(`the ${group} process for ${provider} measured ${id}`);
      results.set(id, f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runGroup(group: Group, results: Results, args: BenchArgs, s: BenchSettings, providers = PROVIDERS): Promise<void> {
  switch (group) {
    case 'crypto':
      return runCryptoBench(results, providers, s);
    case 'handshake':
      return runHandshakeBench(results, providers, s);
    case 'datapath':
      return runDatapathBench(results, providers, s);
    case 'io':
      return runIoBench(results, s);
    case 'scale':
      return runScaleBench(results, s);
    case 'flood':
      return runFloodBench(results, providers, s);
    case 'setconf':
    case 'e2e': {
      if (!args.e2e) return fillMissing(results, group, s, 'skipped', '--no-e2e');
      const why = rootUnavailable(ROOT_TOOLS);
      if (why !== null) return fillMissing(results, group, s, 'skipped', why);
      // Loaded lazily: only these groups touch namespaces and daemons.
      if (group === 'setconf') {
        const { runSetconfBench } = await import('./setconf-bench.js');
        return runSetconfBench(results, s, log, args.profileDir);
      }
      const { runE2eBench } = await import('./e2e-bench.js');
      return runE2eBench(results, s, log, args.profileDir, args.pairs);
    }
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    if (err instanceof BenchUsageError) {
      process.stderr.write(`${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const s = settingsFor(args.quick);
  const childGroup = process.env[CHILD_GROUP_ENV];
  const childOut = process.env[CHILD_OUT_ENV];
  if (childGroup !== undefined && childOut !== undefined) {
    // One in-process group for a parent run (runGroupInChild): figures only.
    const results = new Results();
    const only = process.env[CHILD_PROVIDER_ENV];
    await runGroup(childGroup as Group, results, args, s, only === undefined ? PROVIDERS : PROVIDERS.filter((p) => p.name === only));
    writeFileSync(childOut, JSON.stringify(results.figures));
    return 0;
  }
  const started = new Date();
  const machine = machineInfo();
  log(`${args.quick ? 'quick' : 'full'} run on ${machine.cpuModel} ×${machine.cores}, load ${machine.loadAverage.join(' ')}`);
  const results = new Results();
  const durations: Record<string, number> = {};
  const pins: PinRecord[] = [];
  const out = args.out ?? join(REPO_ROOT, 'bench', 'results', `${localDate(started)}.json`);
  const write = (final: boolean): void => {
    const report = {
      schema: 1,
      date: localDate(started),
      startedAt: started.toISOString(),
      mode: args.quick ? 'quick' : 'full',
      complete: final,
      command: `node dist/bench/run.js ${argv.join(' ')}`.trim(),
      machine,
      settings: s,
      groupSeconds: durations,
      pinnedCores: pins,
      figures: results.figures,
      loadAverageAtEnd: machineInfo().loadAverage,
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  };
  for (const group of GROUPS) {
    if (!args.groups.has(group)) continue;
    const t0 = nowSeconds();
    log(`${group} …`);
    try {
      if (PER_PROVIDER_GROUPS.includes(group)) for (const p of PROVIDERS) runGroupInChild(group, results, argv, s, pins, p.name);
      else if (IN_PROCESS_GROUPS.includes(group)) runGroupInChild(group, results, argv, s, pins);
      else await runGroup(group, results, args, s);
    } catch (err) {
      // A crash inside a group is reported on its rows; in-process groups then fail the run below.
      const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      log(`${group} failed: ${msg}`);
      fillMissing(results, group, s, 'unavailable', `harness error: ${msg}`);
    }
    fillMissing(results, group, s, 'unavailable', 'not produced by the harness');
    durations[group] = Math.round((nowSeconds() - t0) * 10) / 10;
    write(false); // a later hang or crash keeps what was measured so far
  }
  write(true);
  process.stdout.write(`${textTable(results.figures)}\n\nwrote ${out}\n`);
  const broken = Object.entries(results.figures).filter(
    ([id, f]) => f.status !== 'ok' && IN_PROCESS_GROUPS.some((g) => args.groups.has(g) && figureIds(g, s.lookupSizes).includes(id)),
  );
  if (broken.length > 0) {
    log(`in-process figures missing (harness or core broken): ${broken.map(([id]) => id).join(', ')}`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
