/**
 * Human-readable output: one row per figure with median and min–max, in the
 * unit the figure was measured in, plus a Markdown variant of the same table
 * for docs/performance.md. Missing figures show their reason instead.
 */
import type { Figure } from './stats.js';

export function formatNumber(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function cells(f: Figure): [string, string, string] {
  if (f.status !== 'ok') return [`${f.status}: ${f.reason}`, '', f.unit];
  const range = f.runs.length > 1 ? `${formatNumber(f.min)} – ${formatNumber(f.max)}` : '';
  return [formatNumber(f.median), range, f.unit];
}

/** Plain-text table for the terminal. */
export function textTable(figures: Record<string, Figure>): string {
  const rows = Object.entries(figures).map(([id, f]) => [id, ...cells(f)]);
  const head = ['figure', 'median', 'min – max', 'unit'];
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  // Long "unavailable" reasons would stretch the column; let them overflow instead.
  width[1] = Math.min(width[1]!, 14);
  const line = (r: readonly string[]): string => r.map((s, c) => (c === 1 || c === 2 ? s.padStart(width[c]!) : s.padEnd(width[c]!))).join('  ').trimEnd();
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Markdown table (docs/performance.md). */
export function markdownTable(figures: Record<string, Figure>): string {
  const out = ['| figure | median | min – max | unit |', '|---|---:|---:|---|'];
  for (const [id, f] of Object.entries(figures)) {
    const [m, r, u] = cells(f);
    out.push(`| \`${id}\` | ${m.replace(/\|/g, '\\|')} | ${r} | ${u} |`);
  }
  return out.join('\n');
}
