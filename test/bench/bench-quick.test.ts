// The benchmark harness must not rot (issue 5): CI runs `--quick --no-e2e`
// and checks that the JSON holds every figure of the catalogue, that every
// in-process figure was really measured, and that usage errors exit non-zero.
// Nothing here asserts anything about speed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS } from '../../bench/args.js';
import { IN_PROCESS_GROUPS, figureIds } from '../../bench/figures.js';
import { settingsFor } from '../../bench/settings.js';
import type { Figure } from '../../bench/stats.js';
import { requireRoot } from '../helpers/root.js';
import { fastestCpu, oneCorePrefix } from '../../bench/one-core.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RUN = join(REPO_ROOT, 'dist', 'bench', 'run.js');

interface Report {
  mode: string;
  machine: { cpuModel: string; cores: number; kernel: string; node: string; wireguardGo: string | null };
  figures: Record<string, Figure>;
  pinnedCores: { group: string; cpu: number | null; x25519PerSecondByCpu: (number | null)[] }[];
}

function runBench(args: string[], timeoutMs: number): { code: number | null; stderr: string; report: Report | null } {
  const dir = mkdtempSync(join(tmpdir(), 'tswg-bench-test-'));
  try {
    const out = join(dir, 'out.json');
    const r = spawnSync(process.execPath, [RUN, ...args, '--out', out], { encoding: 'utf8', timeout: timeoutMs });
    let report: Report | null = null;
    try {
      report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    } catch {
      report = null;
    }
    return { code: r.status, stderr: r.stderr, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertMeasured(id: string, f: Figure | undefined): void {
  assert.ok(f, `figure ${id} is missing`);
  assert.equal(f.status, 'ok', `${id} was not measured: ${f.status !== 'ok' ? f.reason : ''}`);
  if (f.status !== 'ok') return;
  assert.ok(f.runs.length >= 1, `${id} has no runs`);
  for (const v of f.runs) assert.ok(Number.isFinite(v) && v > 0, `${id} run value ${v} is not a positive number`);
  assert.ok(f.min <= f.median && f.median <= f.max, `${id}: min ≤ median ≤ max`);
  assert.ok(f.unit.length > 0, `${id} has no unit`);
}

test('bench --quick --no-e2e measures every in-process figure and lists the rest as skipped', { timeout: 180_000 }, () => {
  const { code, stderr, report } = runBench(['--quick', '--no-e2e'], 170_000);
  assert.equal(code, 0, `bench exited ${code}: ${stderr.slice(-2000)}`);
  assert.ok(report, 'no JSON written');
  assert.equal(report.mode, 'quick');
  assert.ok(report.machine.cpuModel.length > 0 && report.machine.cores >= 1);
  assert.match(report.machine.node, /^v\d+\./);
  assert.ok(report.machine.kernel.length > 0);
  assert.ok('wireguardGo' in report.machine);
  const sizes = settingsFor(true).lookupSizes;
  const expected = GROUPS.flatMap((g) => figureIds(g, sizes));
  assert.deepEqual(Object.keys(report.figures).sort(), [...expected].sort());
  // A few ids spelled out independently of the catalogue, so renaming one is a visible change.
  for (const id of ['crypto.noble.seal1420', 'crypto.node.open1420', 'handshake.node.responder', 'datapath.noble.roundtrip', 'allowedips.v4.10000', 'flood.node.responder']) {
    assertMeasured(id, report.figures[id]);
  }
  for (const g of IN_PROCESS_GROUPS) for (const id of figureIds(g, sizes)) assertMeasured(id, report.figures[id]);
  // Every one-core child (handshake and flood per provider, scale) says where it ran and why.
  assert.deepEqual(report.pinnedCores.map((p) => p.group), ['handshake.noble', 'handshake.node', 'scale', 'flood.noble', 'flood.node']);
  for (const p of report.pinnedCores) {
    if (oneCorePrefix() === null) {
      assert.equal(p.cpu, null, `${p.group}: nothing to pin to on this machine`);
      continue;
    }
    assert.equal(p.x25519PerSecondByCpu.length, availableParallelism(), `${p.group}: one probe per CPU`);
    assert.ok(p.x25519PerSecondByCpu.every((r) => r !== null && r > 0), `${p.group}: every probe ran`);
    assert.equal(p.cpu, fastestCpu(p.x25519PerSecondByCpu), `${p.group} ran on the fastest probe's CPU`);
  }
  for (const id of [...figureIds('e2e', sizes), ...figureIds('setconf', sizes)]) {
    const f: Figure = report.figures[id]!;
    assert.ok(f.status === 'skipped' && /no-e2e/.test(f.reason), `${id} should be skipped because of --no-e2e: ${JSON.stringify(f)}`);
  }
});

test('bench rejects an unknown option and an unknown group with a usage error', () => {
  for (const args of [['--bogus'], ['--only', 'crypto,warp'], ['--out']]) {
    const r = spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, `${args.join(' ')} → exit ${r.status}`);
    assert.match(r.stderr, /usage:/);
  }
});

test('bench --quick --only e2e,setconf in namespaces: wireguard-go rows measured, tswg rows measured or explained', { timeout: 240_000 }, (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go', 'iperf3', 'ping'])) return;
  const { code, stderr, report } = runBench(['--quick', '--only', 'e2e,setconf'], 230_000);
  assert.equal(code, 0, `bench exited ${code}: ${stderr.slice(-2000)}`);
  assert.ok(report, 'no JSON written');
  const sizes = settingsFor(true).lookupSizes;
  assert.deepEqual(Object.keys(report.figures).sort(), [...figureIds('e2e', sizes), ...figureIds('setconf', sizes)].sort());
  for (const id of ['e2e.wggo-wggo.mbps', 'e2e.wggo-wggo.rttAddedMs', 'e2e.wggo-wggo.cpuSecPerGB', 'e2e.bare.rttMs', 'setconf.wggo.seconds', 'setconf.wggo.rssMiB']) {
    assertMeasured(id, report.figures[id]);
  }
  for (const [id, f] of Object.entries(report.figures)) {
    if (f.status === 'ok') continue;
    assert.equal(f.status, 'unavailable', id);
    assert.ok(f.reason.length > 0, `${id} says why it has no number`);
  }
});
