// The implementation under test, abstracted for interop tests: start a
// WireGuard userspace daemon inside a namespace exactly as wg-quick does
// (protocol-checklist §10.4/§10.5: `<impl> <ifname>`, daemonize, UAPI socket
// exists on return), configure it with `wg`, and stop it with `ip link del`
// (the daemon must exit and remove its socket).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';
import { TrackedProcess, pidAlive, pidCmdline, type RunResult } from './proc.js';
import { waitFor } from './wait.js';

export type Impl = 'wireguard-go' | 'tswg';
export const IMPLS: readonly Impl[] = ['wireguard-go', 'tswg'];

/** Repository root (this file runs from dist/test/helpers/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Implementations selected for interop runs: TSWG_INTEROP_IMPLS is a comma
 * list (e.g. "wireguard-go" while tswg is unfinished); default: all.
 */
export function selectedImpls(env: NodeJS.ProcessEnv = process.env): Impl[] {
  const raw = env.TSWG_INTEROP_IMPLS?.trim();
  if (!raw) return [...IMPLS];
  const out: Impl[] = [];
  for (const name of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(IMPLS as readonly string[]).includes(name)) throw new Error(`TSWG_INTEROP_IMPLS: unknown implementation "${name}"`);
    if (!out.includes(name as Impl)) out.push(name as Impl);
  }
  return out;
}

/**
 * Ordered (A, B) pairs for the interop matrix; A initiates. With both
 * implementations: go↔go (harness self-check), tswg→go, go→tswg, tswg↔tswg.
 */
export function implPairs(env: NodeJS.ProcessEnv = process.env): Array<[Impl, Impl]> {
  const sel = selectedImpls(env);
  const order: Array<[Impl, Impl]> = [
    ['wireguard-go', 'wireguard-go'],
    ['tswg', 'wireguard-go'],
    ['wireguard-go', 'tswg'],
    ['tswg', 'tswg'],
  ];
  return order.filter(([a, b]) => sel.includes(a) && sel.includes(b));
}

/** argv prefix that launches an implementation (the interface name follows). */
export function implCommand(impl: Impl): string[] {
  return impl === 'tswg' ? [process.execPath, join(REPO_ROOT, 'bin', 'tswg.js')] : ['wireguard-go'];
}

/** Environment for launching an implementation (wireguard-go refuses to start without the opt-in). */
export function implEnv(logLevel = process.env.TSWG_INTEROP_LOG_LEVEL ?? 'error'): Record<string, string> {
  return { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: logLevel };
}

export interface KeyPair {
  privateKey: string; // base64, as `wg genkey` prints it
  publicKey: string;
}

/** A fresh Curve25519 key pair in wg's base64 format. */
export function genKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const d = privateKey.export({ format: 'jwk' }).d;
  const x = publicKey.export({ format: 'jwk' }).x;
  if (!d || !x) throw new Error('x25519 JWK export failed');
  return { privateKey: Buffer.from(d, 'base64url').toString('base64'), publicKey: Buffer.from(x, 'base64url').toString('base64') };
}

/** A random preshared key (base64), like `wg genpsk`. */
export function genPsk(): string {
  return randomBytes(32).toString('base64');
}

export interface StartOptions {
  ifname?: string;
  keys?: KeyPair;
  /** Default 51820 (namespaces are separate, so ports never collide). */
  listenPort?: number;
  /** Inner addresses in CIDR form, e.g. 198.19.1.1/24 and 2001:db8:1::1/64. */
  address4?: string;
  address6?: string;
  /** Default 1420, like wireguard-go and wg-quick over an IPv4 underlay. */
  mtu?: number;
  logLevel?: string;
}

export interface WgInterface {
  ns: Netns;
  impl: Impl;
  ifname: string;
  keys: KeyPair;
  listenPort: number;
  address4?: string;
  address6?: string;
  /** Pid of the daemonized process serving this interface. */
  pid: number;
  socketPath: string;
  /** The daemon's stdout/stderr (LOG_LEVEL decides how much). */
  logFile: string;
}

/** Writes a secret (key) to a 0600 file in the lab's tmp dir and returns its path. */
export function secretFile(ns: Netns, label: string, value: string): string {
  const path = join(ns.lab.tmpDir, `${label}-${randomBytes(4).toString('hex')}.key`);
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return path;
}

/** Runs `wg <args>` inside the interface's namespace. */
export function wg(ns: Netns, args: readonly string[], check = true): Promise<RunResult> {
  return ns.run(['wg', ...args], { timeoutMs: 10000, check });
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

function holdsTun(pid: number): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === '/dev/net/tun';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Finds the daemon serving `ifname` in `ns`: the process whose command line
 * names the interface, else the one process holding /dev/net/tun that is not
 * in `exclude`. Bounded.
 */
export async function findDaemonPid(ns: Netns, ifname: string, exclude: readonly number[] = []): Promise<number> {
  return waitFor(
    async () => {
      const pids = (await ns.pids()).filter((p) => !exclude.includes(p));
      const byName = pids.filter((p) => pidCmdline(p).split(' ').includes(ifname));
      if (byName.length >= 1) return byName[byName.length - 1];
      const byTun = pids.filter(holdsTun);
      return byTun.length === 1 ? byTun[0] : undefined;
    },
    { timeoutMs: 5000, what: `the daemon process for ${ifname} in ${ns.name}` },
  );
}

function tail(path: string, max = 2000): string {
  try {
    const s = readFileSync(path, 'utf8');
    return s.length > max ? s.slice(-max) : s;
  } catch {
    return '';
  }
}

/**
 * Launches `impl` for a new interface in `ns` the way wg-quick does, waits for
 * its UAPI socket, then sets key and port, addresses, MTU and link up.
 */
export async function startInterface(ns: Netns, impl: Impl, opts: StartOptions = {}): Promise<WgInterface> {
  const lab = ns.lab;
  const ifname = opts.ifname ?? lab.ifname();
  lab.claimIfname(ifname);
  const socketPath = lab.socketPath(ifname);
  const logFile = join(lab.tmpDir, `${ifname}.log`);
  const before = await ns.pids();
  const fd = openSync(logFile, 'a');
  let launcher: TrackedProcess;
  try {
    launcher = lab.track(
      new TrackedProcess(['ip', 'netns', 'exec', ns.name, ...implCommand(impl), ifname], {
        env: implEnv(opts.logLevel),
        cwd: REPO_ROOT,
        stdio: ['ignore', fd, fd],
      }),
    );
  } finally {
    closeSync(fd);
  }
  const status = await launcher.wait(20000).catch((err: Error) => {
    throw new Error(`${impl} ${ifname} did not daemonize: ${err.message}\n${tail(logFile)}`);
  });
  if (status.code !== 0) throw new Error(`${impl} ${ifname} exited with ${status.code ?? status.signal}\n${tail(logFile)}`);
  // wg-quick runs `wg addconf` right after the launcher returns, so the socket
  // must already exist; a short wait only absorbs filesystem latency.
  await waitFor(() => isSocket(socketPath), { timeoutMs: 2000, what: `UAPI socket ${socketPath}` });
  const pid = await findDaemonPid(ns, ifname, before);
  const keys = opts.keys ?? genKeyPair();
  const listenPort = opts.listenPort ?? 51820;
  const iface: WgInterface = {
    ns,
    impl,
    ifname,
    keys,
    listenPort,
    address4: opts.address4,
    address6: opts.address6,
    pid,
    socketPath,
    logFile,
  };
  await wg(ns, ['set', ifname, 'listen-port', String(listenPort), 'private-key', secretFile(ns, `${ifname}-priv`, keys.privateKey)]);
  if (opts.address4) await ns.ip(['addr', 'add', opts.address4, 'dev', ifname]);
  if (opts.address6) await ns.ip(['-6', 'addr', 'add', opts.address6, 'dev', ifname, 'nodad']);
  await ns.ip(['link', 'set', 'dev', ifname, 'mtu', String(opts.mtu ?? 1420), 'up']);
  return iface;
}

/** Deletes the link; the daemon must exit and remove its socket (bounded). */
export async function stopInterface(iface: WgInterface, timeoutMs = 5000): Promise<void> {
  await iface.ns.ip(['link', 'del', 'dev', iface.ifname]);
  await waitFor(() => !pidAlive(iface.pid), { timeoutMs, what: `${iface.impl} (pid ${iface.pid}) to exit after ip link del` });
  await waitFor(() => !isSocket(iface.socketPath), { timeoutMs, what: `${iface.socketPath} to be removed` });
}

export { isSocket, tail };
