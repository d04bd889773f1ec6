/**
 * The machine a benchmark ran on (issue 5: numbers are only comparable on
 * the same machine in the same run): CPU model, cores, kernel, Node.js,
 * wireguard-go and iperf3 versions, memory and the load average at start
 * (a loaded box explains noisy figures).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly kernel: string;
  readonly node: string;
  readonly wireguardGo: string | null;
  readonly iperf3: string | null;
  readonly memoryMiB: number;
  readonly loadAverage: readonly number[];
}

function firstLine(cmd: string, args: readonly string[]): string | null {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    const line = out.split('\n').find((l) => l.trim().length > 0);
    return line?.trim() ?? null;
  } catch {
    return null;
  }
}

/** `wireguard-go --version` prints "wireguard-go v0.0.20220316"; the Debian package adds its revision. */
function wireguardGoVersion(): string | null {
  const v = firstLine('wireguard-go', ['--version']);
  if (v === null) return null;
  const deb = firstLine('dpkg-query', ['-W', '-f', '${Version}', 'wireguard-go']);
  return deb ? `${v} (Debian ${deb})` : v;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    kernel: release(),
    node: process.version,
    wireguardGo: wireguardGoVersion(),
    iperf3: firstLine('iperf3', ['--version']),
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
