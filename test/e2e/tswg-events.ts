// Helpers for the end-to-end event tests: a webhook receiver process inside a
// namespace (fixtures/receiver-child.ts) and a tswg daemon started in the
// foreground with `--config`/`--state-dir` (so the test holds its pid, can
// signal it and reads its log), configured with `wg` like startInterface does.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../helpers/netns.js';
import { REPO_ROOT, genKeyPair, isSocket, secretFile, wg, type WgInterface } from '../helpers/impl.js';
import type { TrackedProcess } from '../helpers/proc.js';
import { waitFor } from '../helpers/wait.js';

const RECEIVER = fileURLToPath(new URL('./fixtures/receiver-child.js', import.meta.url));

export interface Delivery {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The status the receiver answered with. */
  status: number;
  json: {
    event: string;
    entity: string;
    identifier: string;
    payload: Record<string, unknown>;
    tswg: Record<string, unknown> & { eventId: string; sequence: number; reason?: string };
  };
}

/** A receiver process listening on 127.0.0.1:<port> inside `ns`. */
export class NsReceiver {
  private constructor(readonly proc: TrackedProcess, readonly port: number) {}

  static async start(ns: Netns, port: number): Promise<NsReceiver> {
    const proc = ns.spawn([process.execPath, RECEIVER, String(port)]);
    await proc.waitForOutput(/LISTENING \d+/, 10_000);
    return new NsReceiver(proc, port);
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Every request so far, in arrival order (retries included). */
  all(): Delivery[] {
    return this.proc.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        const d = JSON.parse(l) as Omit<Delivery, 'json'>;
        return { ...d, json: JSON.parse(d.body) as Delivery['json'] };
      });
  }

  /** Distinct events (by webhook-id) in first-arrival order, counting 2xx answers only. */
  events(): Delivery[] {
    const seen = new Set<string>();
    return this.all().filter((d) => {
      const id = String(d.headers['webhook-id']);
      if (d.status >= 300 || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  /** Waits (bounded) for a delivered event matching `pred`. */
  waitFor(pred: (d: Delivery) => boolean, what: string, timeoutMs = 15_000): Promise<Delivery> {
    return waitFor(() => this.events().find(pred), { timeoutMs, intervalMs: 50, what: `${what} at ${this.url()}` });
  }

  async setStatus(status: number): Promise<void> {
    const before = this.proc.stdout.split('\n').length;
    this.proc.write(`status ${status}\n`);
    await waitFor(() => this.proc.stdout.split('\n').slice(before - 1).some((l) => l === `STATUS ${status}`), {
      timeoutMs: 5000,
      what: 'the receiver to switch status',
    });
  }

  stop(): Promise<void> {
    return this.proc.stop(2000);
  }
}

export const is = (event: string, entity: string, identifier?: string) => (d: Delivery) =>
  d.json.event === event && d.json.entity === entity && (identifier === undefined || d.json.identifier === identifier);

export interface TswgDaemon {
  proc: TrackedProcess;
  iface: WgInterface;
  configPath: string;
  stateDir: string;
}

export interface TswgStart {
  ifname: string;
  configPath: string;
  stateDir: string;
  keys?: WgInterface['keys'];
  address4?: string;
  address6?: string;
  listenPort?: number;
}

/** Writes a YAML config file into the lab's tmp dir. */
export function writeConfig(ns: Netns, name: string, yaml: string): string {
  const path = join(ns.lab.tmpDir, name);
  writeFileSync(path, yaml);
  return path;
}

/** `tswg -f --config … --state-dir … <ifname>` in `ns` (LOG_LEVEL=verbose), then key, port, addresses, link up. */
export async function startTswg(ns: Netns, o: TswgStart): Promise<TswgDaemon> {
  ns.lab.claimIfname(o.ifname);
  const proc = ns.spawn(
    [process.execPath, join(REPO_ROOT, 'bin', 'tswg.js'), '-f', '--config', o.configPath, '--state-dir', o.stateDir, o.ifname],
    { env: { LOG_LEVEL: 'verbose', WG_TUN_FD: undefined, WG_UAPI_FD: undefined, TSWG_CONFIG: undefined }, cwd: REPO_ROOT },
  );
  const socketPath = ns.lab.socketPath(o.ifname);
  await waitFor(
    () => {
      if (!proc.running) throw new Error(`tswg exited: ${JSON.stringify(proc.status)}\n${proc.stderr}`);
      // A SIGKILLed predecessor leaves a stale socket file: wait for this daemon's own listener too.
      return isSocket(socketPath) && proc.stderr.includes('UAPI listener started');
    },
    { timeoutMs: 15_000, what: `tswg's UAPI socket ${socketPath}` },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${proc.stderr.slice(-2000)}`);
  });
  const keys = o.keys ?? genKeyPair();
  const listenPort = o.listenPort ?? 51820;
  const iface: WgInterface = {
    ns,
    impl: 'tswg',
    ifname: o.ifname,
    keys,
    listenPort,
    address4: o.address4,
    address6: o.address6,
    pid: proc.pid,
    socketPath,
    logFile: '',
  };
  await wg(ns, ['set', o.ifname, 'listen-port', String(listenPort), 'private-key', secretFile(ns, `${o.ifname}-priv`, keys.privateKey)]);
  if (o.address4) await ns.ip(['addr', 'add', o.address4, 'dev', o.ifname]);
  if (o.address6) await ns.ip(['-6', 'addr', 'add', o.address6, 'dev', o.ifname, 'nodad']);
  await ns.ip(['link', 'set', 'dev', o.ifname, 'mtu', '1420', 'up']);
  return { proc, iface, configPath: o.configPath, stateDir: o.stateDir };
}

/** Waits (bounded) until the daemon's log has a line matching `re`. */
export function waitForLog(d: TswgDaemon, re: RegExp, what: string, timeoutMs = 10_000): Promise<string> {
  return waitFor(() => d.proc.stderr.split('\n').find((l) => re.test(l)), { timeoutMs, intervalMs: 50, what: `${what} in tswg's log` });
}

export const CONNECT_KEYS = [
  'PeerId',
  'IsConnected',
  'IsPingable',
  'LastPing',
  'BytesReceived',
  'BytesTransmitted',
  'LastHandshake',
  'Endpoint',
  'LastSessionStart',
].sort();

/** RFC 3339 with a time zone, as the payload times must be. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
