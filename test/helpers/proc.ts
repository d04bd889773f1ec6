// Child-process helpers for root/interop tests: run a command to completion
// with a hard timeout, or start a long-running one and keep its pid so that
// only processes we started are ever signalled (team rule: end processes by
// pid, never by name). Output is buffered (bounded) for assertions/diagnosis.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { waitFor, withTimeout } from './wait.js';

export interface RunOptions {
  /** Kill the command (SIGKILL) and fail after this long (default 15000 ms). */
  timeoutMs?: number;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed. */
  input?: string | Buffer;
  /** Throw on a non-zero exit status (default true). */
  check?: boolean;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MAX_BUFFER = 1 << 20; // keep the last 1 MiB of each stream

function append(buf: string, chunk: Buffer): string {
  const s = buf + chunk.toString('utf8');
  return s.length > MAX_BUFFER ? s.slice(s.length - MAX_BUFFER) : s;
}

function mergedEnv(env?: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A process we started; `pid` is the only handle ever used to signal it. */
export class TrackedProcess {
  readonly pid: number;
  stdout = '';
  stderr = '';
  status: ExitStatus | null = null;
  readonly exited: Promise<ExitStatus>;
  /** Resolves when all our pipes from the child are closed. */
  readonly closed: Promise<void>;
  private readonly child: ChildProcess;

  constructor(readonly argv: readonly string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdio?: StdioOptions } = {}) {
    this.child = spawn(argv[0]!, argv.slice(1), {
      env: mergedEnv(opts.env),
      cwd: opts.cwd,
      stdio: opts.stdio ?? ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise<ExitStatus>((resolve) => {
      this.child.once('error', (err) => {
        this.stderr += `spawn error: ${err.message}\n`;
        this.status ??= { code: 127, signal: null };
        resolve(this.status);
      });
      // 'exit' (not 'close'): a daemonizing child may pass our pipes on to a
      // grandchild that keeps them open long after this process is gone.
      this.child.once('exit', (code, signal) => {
        this.status = { code, signal };
        resolve(this.status);
      });
    });
    this.closed = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    if (this.child.pid === undefined) {
      this.pid = -1;
    } else {
      this.pid = this.child.pid;
    }
    this.child.stdout?.on('data', (c: Buffer) => (this.stdout = append(this.stdout, c)));
    this.child.stderr?.on('data', (c: Buffer) => (this.stderr = append(this.stderr, c)));
  }

  get running(): boolean {
    return this.status === null && this.pid > 0;
  }

  write(data: string | Buffer): void {
    this.child.stdin?.write(data);
  }

  closeStdin(): void {
    this.child.stdin?.end();
  }

  /** Detach our pipes so a daemonized grandchild holding them cannot keep us alive. */
  detachPipes(): void {
    this.child.stdin?.destroy();
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Waits (bounded) for the process to exit. */
  wait(timeoutMs: number): Promise<ExitStatus> {
    return withTimeout(this.exited, timeoutMs, `exit of ${this.argv.join(' ')}`);
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    try {
      await this.wait(graceMs);
    } catch {
      this.kill('SIGKILL');
      await this.wait(2000).catch(() => undefined);
    }
  }

  /** Waits (bounded) until stdout matches `re`; returns the match. */
  waitForOutput(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
    return waitFor(
      () => {
        const m = this.stdout.match(re);
        if (m) return m;
        if (this.status !== null) throw new Error(`process exited (${JSON.stringify(this.status)}): ${this.stderr.trim()}`);
        return undefined;
      },
      { timeoutMs, intervalMs: 20, what: `output ${re} from ${this.argv.join(' ')}` },
    );
  }
}

/** Runs a command to completion (bounded); throws on failure unless check=false. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 15000;
  const p = new TrackedProcess(argv, { env: opts.env, cwd: opts.cwd });
  if (opts.input !== undefined) p.write(opts.input);
  p.closeStdin();
  let status: ExitStatus;
  try {
    status = await p.wait(timeoutMs);
  } catch (err) {
    p.kill('SIGKILL');
    await p.wait(2000).catch(() => undefined);
    throw new Error(`${(err as Error).message}; stderr: ${p.stderr.trim()}`);
  }
  // Let buffered pipe data arrive; the pipes close right after exit unless a
  // daemonized grandchild inherited them, which is why this wait is short.
  await withTimeout(p.closed, 1000, 'pipes').catch(() => p.detachPipes());
  const res: RunResult = { ...status, stdout: p.stdout, stderr: p.stderr };
  if ((opts.check ?? true) && status.code !== 0) {
    throw new Error(`command failed (${status.code ?? status.signal}): ${argv.join(' ')}\n${p.stderr.trim()}`);
  }
  return res;
}

/** True while a process with this pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces/parens.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of a live process, or '' if it is gone. */
export function pidCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
