// Network-namespace lab for root-only interop tests (design.md "Tests";
// protocol-checklist §11.5 netns.sh idea). A Lab owns namespaces named
// `tswg-<pid>-<n>`, veth links on 198.18.0.0/15 + 2001:db8:ff::/48 underlay
// addresses, the processes it starts and a tmp dir. cleanup() always runs:
// from t.after, from the caller, or from a process exit/signal hook.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { run, TrackedProcess, pidAlive, type RunOptions, type RunResult } from './proc.js';
import { waitFor } from './wait.js';

export const WG_RUN_DIR = '/var/run/wireguard';

let nsCounter = 0;
let ifCounter = 0;
let labCounter = 0;
const liveLabs = new Set<Lab>();

/** One namespace of a lab; `run`/`spawn` execute inside it via `ip netns exec`. */
export class Netns {
  constructor(
    readonly lab: Lab,
    readonly name: string,
  ) {}

  /** Runs argv inside this namespace to completion (bounded). */
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run(['ip', 'netns', 'exec', this.name, ...argv], opts);
  }

  /** Runs an `ip` subcommand against this namespace (`ip -n <ns> ...`). */
  ip(args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run(['ip', '-n', this.name, ...args], opts);
  }

  /**
   * Starts a long-running process inside this namespace. `ip netns exec`
   * execs the command after setns, so the tracked pid is the command's own.
   */
  spawn(argv: readonly string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): TrackedProcess {
    return this.lab.track(new TrackedProcess(['ip', 'netns', 'exec', this.name, ...argv], opts));
  }

  /** Pids of every process living in this namespace (all started by us). */
  async pids(): Promise<number[]> {
    const r = await run(['ip', 'netns', 'pids', this.name], { check: false, timeoutMs: 5000 });
    return r.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p > 0 && pidAlive(p));
  }
}

/** A veth pair between two namespaces with IPv4 and IPv6 underlay addresses. */
export interface VethLink {
  index: number;
  a: Netns;
  b: Netns;
  /** Device names: `ul<index>` on both sides. */
  devA: string;
  devB: string;
  /** 198.18.<index>.1 / .2 (prefix length 24). */
  a4: string;
  b4: string;
  /** 2001:db8:ff:<index>::1 / ::2 (prefix length 64, no DAD). */
  a6: string;
  b6: string;
}

export class Lab {
  readonly id: number;
  readonly tmpDir: string;
  readonly namespaces: Netns[] = [];
  readonly links: VethLink[] = [];
  private readonly procs = new Set<TrackedProcess>();
  private readonly ifnames = new Set<string>();
  private cleaned = false;

  private constructor() {
    this.id = ++labCounter;
    this.tmpDir = mkdtempSync(join(tmpdir(), `tswg-${process.pid}-lab-`));
    liveLabs.add(this);
    installExitHook();
  }

  /** Creates a lab; with a test context, cleanup is registered on t.after. */
  static create(t?: TestContext): Lab {
    const lab = new Lab();
    t?.after(() => lab.cleanup());
    return lab;
  }

  track(p: TrackedProcess): TrackedProcess {
    this.procs.add(p);
    return p;
  }

  /**
   * A globally unique interface name (≤ 15 chars). /var/run/wireguard is
   * shared by all namespaces and users of this machine, so names carry our pid.
   */
  ifname(): string {
    const name = `wgt${process.pid.toString(36)}-${(++ifCounter).toString(36)}`;
    this.ifnames.add(name);
    return name;
  }

  /** Records an interface name whose UAPI socket cleanup() may remove. */
  claimIfname(name: string): void {
    this.ifnames.add(name);
  }

  socketPath(ifname: string): string {
    return join(WG_RUN_DIR, `${ifname}.sock`);
  }

  async addNamespace(): Promise<Netns> {
    const ns = new Netns(this, `tswg-${process.pid}-${++nsCounter}`);
    await run(['ip', 'netns', 'add', ns.name], { timeoutMs: 5000 });
    this.namespaces.push(ns);
    await ns.ip(['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Creates `count` namespaces. */
  async addNamespaces(count: number): Promise<Netns[]> {
    const out: Netns[] = [];
    for (let i = 0; i < count; i++) out.push(await this.addNamespace());
    return out;
  }

  /** Joins two namespaces with a veth pair and gives both ends v4+v6 addresses. */
  async connect(a: Netns, b: Netns): Promise<VethLink> {
    const index = this.links.length + 1;
    if (index > 250) throw new Error('too many links in one lab');
    const dev = `ul${index}`;
    const link: VethLink = {
      index,
      a,
      b,
      devA: dev,
      devB: dev,
      a4: `198.18.${index}.1`,
      b4: `198.18.${index}.2`,
      a6: `2001:db8:ff:${index.toString(16)}::1`,
      b6: `2001:db8:ff:${index.toString(16)}::2`,
    };
    await a.ip(['link', 'add', dev, 'type', 'veth', 'peer', 'name', dev, 'netns', b.name]);
    this.links.push(link);
    for (const [ns, v4, v6] of [
      [a, link.a4, link.a6],
      [b, link.b4, link.b6],
    ] as const) {
      await ns.ip(['addr', 'add', `${v4}/24`, 'dev', dev]);
      // nodad: usable at once instead of "tentative" for ~1-2 s.
      await ns.ip(['-6', 'addr', 'add', `${v6}/64`, 'dev', dev, 'nodad']);
      await ns.ip(['link', 'set', dev, 'up']);
    }
    return link;
  }

  /**
   * Moves one end of a link to a new IPv4 address in the same /24 (roaming):
   * adds the new one, then deletes the old one. promote_secondaries keeps the
   * new address (and the subnet route) when the old primary goes away.
   */
  async moveIPv4(ns: Netns, dev: string, oldAddr: string, newAddr: string): Promise<void> {
    await ns.run(['sysctl', '-q', '-w', `net.ipv4.conf.${dev}.promote_secondaries=1`]);
    await ns.ip(['addr', 'add', `${newAddr}/24`, 'dev', dev]);
    await ns.ip(['addr', 'del', `${oldAddr}/24`, 'dev', dev]);
  }

  /** Tears everything down; safe to call more than once. Throws if something leaked. */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    const problems: string[] = [];
    await Promise.all([...this.procs].map((p) => p.stop(2000)));
    for (const ns of this.namespaces) {
      // Everything inside our namespace was started by us (daemons included).
      let pids = await ns.pids();
      for (const pid of pids) signal(pid, 'SIGTERM');
      try {
        await waitFor(async () => (await ns.pids()).length === 0, { timeoutMs: 3000, what: `processes in ${ns.name} to exit` });
      } catch {
        pids = await ns.pids();
        for (const pid of pids) signal(pid, 'SIGKILL');
        await waitFor(async () => (await ns.pids()).length === 0, { timeoutMs: 2000 }).catch(() =>
          problems.push(`processes left in ${ns.name}`),
        );
      }
      const r = await run(['ip', 'netns', 'del', ns.name], { check: false, timeoutMs: 5000 });
      if (r.code !== 0 && !/No such file/.test(r.stderr)) problems.push(`ip netns del ${ns.name}: ${r.stderr.trim()}`);
    }
    for (const name of this.ifnames) removeIfExists(this.socketPath(name));
    // TSWG_INTEROP_KEEP_LOGS=1 keeps daemon logs and generated configs for diagnosis.
    if (process.env.TSWG_INTEROP_KEEP_LOGS === '1') process.stderr.write(`# interop lab files kept in ${this.tmpDir}\n`);
    else rmSync(this.tmpDir, { recursive: true, force: true });
    liveLabs.delete(this);
    if (problems.length > 0) throw new Error(`lab cleanup: ${problems.join('; ')}`);
  }

  /** Last-resort synchronous teardown (process exit or signal). */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const p of this.procs) p.kill('SIGKILL');
    for (const ns of this.namespaces) {
      try {
        const out = execFileSync('ip', ['netns', 'pids', ns.name], { encoding: 'utf8', timeout: 5000 });
        for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) signal(pid, 'SIGKILL');
      } catch {
        // namespace already gone
      }
      try {
        execFileSync('ip', ['netns', 'del', ns.name], { stdio: 'ignore', timeout: 5000 });
      } catch {
        // already gone
      }
    }
    for (const name of this.ifnames) removeIfExists(this.socketPath(name));
    rmSync(this.tmpDir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function removeIfExists(path: string): void {
  try {
    if (existsSync(path)) unlinkSync(path);
  } catch {
    // best effort: another cleanup got there first
  }
}

let hookInstalled = false;
function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  const cleanAll = (): void => {
    for (const lab of [...liveLabs]) lab.cleanupSync();
  };
  process.on('exit', cleanAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanAll();
      process.kill(process.pid, sig); // default action now that our handler is gone
    });
  }
}
