/**
 * Prints the Markdown table and machine line of a results JSON, for
 * docs/performance.md and the README's Performance section:
 *   node dist/bench/report-md.js bench/results/<date>.json
 */
import { readFileSync } from 'node:fs';
import type { MachineInfo } from './machine.js';
import type { Figure } from './stats.js';
import { markdownTable } from './table.js';

interface Report {
  date: string;
  mode: string;
  command: string;
  machine: MachineInfo;
  figures: Record<string, Figure>;
  loadAverageAtEnd?: number[];
  groupSeconds?: Record<string, number>;
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node dist/bench/report-md.js <results.json>\n');
  process.exit(2);
}
const r = JSON.parse(readFileSync(file, 'utf8')) as Report;
const m = r.machine;
const total = Object.values(r.groupSeconds ?? {}).reduce((a, b) => a + b, 0);
process.stdout.write(
  [
    `Run ${r.date} (${r.mode}, ${Math.round(total)} s): ${m.cpuModel} × ${m.cores} cores, ${m.memoryMiB} MiB, Linux ${m.kernel}, ` +
      `Node.js ${m.node}, ${m.wireguardGo ?? 'wireguard-go not found'}, ${m.iperf3 ?? 'iperf3 not found'}; ` +
      `load average ${m.loadAverage.join(' / ')} at start${r.loadAverageAtEnd ? `, ${r.loadAverageAtEnd.join(' / ')} at end` : ''}.`,
    '',
    markdownTable(r.figures),
    '',
  ].join('\n'),
);
