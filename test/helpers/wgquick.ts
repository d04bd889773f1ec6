// wg-quick(8) with a userspace implementation inside a namespace
// (protocol-checklist §10.5): wg-quick finds no kernel module, runs
// `$WG_QUICK_USERSPACE_IMPLEMENTATION <ifname>`, then `wg addconf`, addresses,
// MTU/up, routes (fwmark policy routing for /0). `down` deletes the link; the
// daemon must then exit and remove its socket.
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netns } from './netns.js';
import { findDaemonPid, implCommand, implEnv, isSocket, tail, type Impl, type KeyPair, type WgInterface } from './impl.js';
import { pidAlive, TrackedProcess } from './proc.js';
import { waitFor } from './wait.js';

export interface WgQuickPeer {
  publicKey: string;
  allowedIps: readonly string[];
  endpoint?: string;
  presharedKey?: string;
}

export interface WgQuickConf {
  keys: KeyPair;
  addresses: readonly string[];
  listenPort?: number;
  peers: readonly WgQuickPeer[];
}

/** Renders a wg-quick config (no DNS= line: that would need resolvconf). */
export function renderConf(c: WgQuickConf): string {
  const lines = ['[Interface]', `PrivateKey = ${c.keys.privateKey}`, `Address = ${c.addresses.join(', ')}`];
  if (c.listenPort !== undefined) lines.push(`ListenPort = ${c.listenPort}`);
  for (const p of c.peers) {
    lines.push('', '[Peer]', `PublicKey = ${p.publicKey}`, `AllowedIPs = ${p.allowedIps.join(', ')}`);
    if (p.endpoint) lines.push(`Endpoint = ${p.endpoint}`);
    if (p.presharedKey) lines.push(`PresharedKey = ${p.presharedKey}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A PATH directory where `tswg` runs this checkout, so that
 * WG_QUICK_USERSPACE_IMPLEMENTATION=tswg works as it will for users.
 */
function implBinDir(ns: Netns): string {
  const dir = join(ns.lab.tmpDir, 'bin');
  mkdirSync(dir, { recursive: true });
  const [node, script] = implCommand('tswg');
  const wrapper = join(dir, 'tswg');
  writeFileSync(wrapper, `#!/bin/sh\nexec '${node}' '${script}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  return dir;
}

async function wgQuick(ns: Netns, impl: Impl, action: 'up' | 'down', confPath: string, logFile: string): Promise<void> {
  const fd = openSync(logFile, 'a');
  let p: TrackedProcess;
  try {
    p = ns.lab.track(
      new TrackedProcess(['ip', 'netns', 'exec', ns.name, 'wg-quick', action, confPath], {
        env: {
          ...implEnv(),
          WG_QUICK_USERSPACE_IMPLEMENTATION: impl,
          PATH: `${implBinDir(ns)}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`,
        },
        stdio: ['ignore', fd, fd],
      }),
    );
  } finally {
    closeSync(fd);
  }
  const st = await p.wait(30000).catch((err: Error) => {
    p.kill('SIGKILL');
    throw new Error(`wg-quick ${action} timed out: ${err.message}\n${tail(logFile)}`);
  });
  if (st.code !== 0) throw new Error(`wg-quick ${action} failed (${st.code ?? st.signal}):\n${tail(logFile)}`);
}

/** `wg-quick up` with `impl`; returns the interface for wgctl helpers. */
export async function wgQuickUp(ns: Netns, impl: Impl, conf: WgQuickConf, ifname = ns.lab.ifname()): Promise<WgInterface & { confPath: string }> {
  ns.lab.claimIfname(ifname);
  const dir = join(ns.lab.tmpDir, `conf-${ifname}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const confPath = join(dir, `${ifname}.conf`); // wg-quick derives the interface name from the file name
  writeFileSync(confPath, renderConf(conf), { mode: 0o600 });
  const logFile = join(ns.lab.tmpDir, `${ifname}.wg-quick.log`);
  const before = await ns.pids();
  await wgQuick(ns, impl, 'up', confPath, logFile);
  const socketPath = ns.lab.socketPath(ifname);
  if (!isSocket(socketPath)) throw new Error(`wg-quick up returned but ${socketPath} is missing`);
  const pid = await findDaemonPid(ns, ifname, before);
  return { ns, impl, ifname, keys: conf.keys, listenPort: conf.listenPort ?? 0, pid, socketPath, logFile, confPath };
}

/** `wg-quick down`; then the daemon must exit and its socket disappear (bounded). */
export async function wgQuickDown(iface: WgInterface & { confPath: string }, timeoutMs = 5000): Promise<void> {
  await wgQuick(iface.ns, iface.impl, 'down', iface.confPath, iface.logFile);
  await waitFor(() => !pidAlive(iface.pid), { timeoutMs, what: `${iface.impl} (pid ${iface.pid}) to exit after wg-quick down` });
  await waitFor(() => !isSocket(iface.socketPath), { timeoutMs, what: `${iface.socketPath} to be removed after wg-quick down` });
}
