/**
 * Summarises a V8 CPU profile (`node --cpu-prof` writes *.cpuprofile) for the
 * performance notes: self time by function and by file, and inclusive time
 * of functions, as percentages of all samples.
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  key: string;
  pct: number;
  ms: number;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const m = /(?:dist\/|node_modules\/)(.*)$/.exec(url);
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

function keyOf(n: ProfileNode): string {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
}

export function summarizeProfile(p: CpuProfile): { totalMs: number; self: Row[]; byFile: Row[]; inclusive: Row[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const add = (m: Map<string, number>, k: string, v: number): void => {
    m.set(k, (m.get(k) ?? 0) + v);
  };
  const self = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id)!;
    add(self, keyOf(n), us);
    add(file, shortUrl(n.callFrame.url) || n.callFrame.functionName, us);
  }
  // Inclusive time: a function counts once per sample even if it recurses.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(byId.get(cur)!);
      if (!seen.has(k)) {
        seen.add(k);
        add(incl, k, us);
      }
    }
  }
  const rows = (m: Map<string, number>): Row[] =>
    [...m.entries()].map(([key, us]) => ({ key, pct: (100 * us) / total, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, self: rows(self), byFile: rows(file), inclusive: rows(incl) };
}

function print(title: string, rows: Row[], top: number): void {
  process.stdout.write(`\n${title}\n`);
  for (const r of rows.slice(0, top)) process.stdout.write(`${r.pct.toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.key}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  process.stdout.write(`total sampled: ${s.totalMs.toFixed(0)} ms\n`);
  print('self time by function', s.self, top);
  print('self time by file', s.byFile, top);
  print('inclusive time by function', s.inclusive, top);
}
