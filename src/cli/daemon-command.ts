/**
 * `tswg [-f] <ifname>`: the wireguard-go process contract
 * (protocol-checklist §10.4). Without -f the parent creates the TUN and the
 * UAPI socket, re-executes itself with them as fds 3 and 4
 * (WG_TUN_FD/WG_UAPI_FD/WG_PROCESS_FOREGROUND=1) and exits, so the socket
 * exists when the command returns — wg-quick runs `wg addconf` right after.
 * The foreground process serves until SIGINT/SIGTERM, TUN deletion or
 * socket-file deletion, then removes its socket and exits 0.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tun } from '../io/tun.js';
import { UapiServer } from '../io/uapi-server.js';
import { Daemon } from '../runtime/daemon.js';
import { createLogger, parseLogLevel, type Logger } from '../runtime/logger.js';
import {
  createEventPipeline,
  defaultStateDir,
  eventsLogger,
  loadEventsConfig,
  type EventPipeline,
} from '../runtime/webhooks.js';
import { defaultEventsConfig, type EventsConfig } from '../events/config.js';
import { ProbeControl } from '../runtime/probe.js';
import type { DaemonArgs } from './args.js';
import { DAEMON_NODE_FLAGS } from './node-flags.js';

/** Exit statuses like wireguard-go: 0 ok, 1 setup failure. */
const EXIT_SETUP_FAILED = 1;

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function runDaemon(args: DaemonArgs): Promise<number> {
  const log = createLogger(parseLogLevel(process.env.LOG_LEVEL), `(${args.ifname}) `);
  // Validate the events configuration before creating anything, so a bad file
  // fails fast with its positions and leaves no interface behind.
  let config: EventsConfig;
  try {
    config = args.configPath ? await loadEventsConfig(args.configPath) : defaultEventsConfig();
  } catch (e) {
    process.stderr.write(`tswg: ${describe(e)}\n`);
    return EXIT_SETUP_FAILED;
  }
  return args.foreground ? runForeground(args, config, log) : launchBackground(args, log);
}

async function launchBackground(args: DaemonArgs, log: Logger): Promise<number> {
  let tun: Tun;
  try {
    tun = Tun.create(args.ifname);
  } catch (e) {
    process.stderr.write(`tswg: failed to create TUN device: ${describe(e)}\n`);
    return EXIT_SETUP_FAILED;
  }
  const quiet = log.level === 'silent' || process.env.LOG_LEVEL === undefined;
  const out = quiet ? openSync('/dev/null', 'a') : 1;
  const err = quiet ? openSync('/dev/null', 'a') : 2;
  const script = fileURLToPath(new URL('../../../bin/tswg.js', import.meta.url));
  const childArgs = [...DAEMON_NODE_FLAGS, script, '-f', '--crypto', args.crypto];
  if (args.configPath) childArgs.push('--config', args.configPath);
  if (args.stateDir) childArgs.push('--state-dir', args.stateDir);
  childArgs.push(tun.name);
  // The child binds the UAPI socket itself and reports on fd 4 once it
  // serves it. (Binding it here and passing the fd, as wireguard-go does,
  // lets this process's event loop accept a client's connection just before
  // exiting — the client then sees "connection reset".)
  const env: NodeJS.ProcessEnv = { ...process.env, WG_TUN_FD: '3', WG_PROCESS_FOREGROUND: '1', TSWG_READY_FD: '4' };
  delete env.WG_UAPI_FD;
  const child = spawn(process.execPath, childArgs, {
    detached: true,
    stdio: ['ignore', out, err, tun.fd, 'pipe'],
    env,
  });
  const status = await new Promise<string>((resolve) => {
    let text = '';
    const pipe = child.stdio[4] as NodeJS.ReadableStream | null;
    const timer = setTimeout(() => resolve('error: the daemon did not report ready within 30 s'), 30_000);
    const finish = (): void => {
      clearTimeout(timer);
      resolve(text.trim() || 'error: the daemon exited during startup');
    };
    pipe?.setEncoding('utf8');
    pipe?.on('data', (d: string) => {
      text += d;
      if (text.endsWith('\n')) finish();
    });
    pipe?.on('end', finish);
    child.on('exit', finish);
  });
  if (status !== 'ready') {
    process.stderr.write(`tswg: ${status.replace(/^error: /, '')}\n`);
    child.kill('SIGTERM');
    return EXIT_SETUP_FAILED;
  }
  child.unref();
  process.exit(0);
}

/** Tells a waiting launcher (TSWG_READY_FD) that startup succeeded or why it failed. */
function reportReady(message: string): void {
  const fd = Number(process.env.TSWG_READY_FD);
  if (!Number.isInteger(fd) || fd < 0) return;
  try {
    writeSync(fd, `${message}\n`);
    closeSync(fd);
  } catch {
    // the launcher is gone; nothing to tell
  }
  delete process.env.TSWG_READY_FD;
}

async function runForeground(args: DaemonArgs, config: EventsConfig, log: Logger): Promise<number> {
  let tun: Tun;
  try {
    tun = process.env.WG_TUN_FD ? Tun.fromFd(Number(process.env.WG_TUN_FD)) : Tun.create(args.ifname);
  } catch (e) {
    process.stderr.write(`tswg: failed to create TUN device: ${describe(e)}\n`);
    reportReady(`error: failed to create TUN device: ${describe(e)}`);
    return EXIT_SETUP_FAILED;
  }
  let uapi: UapiServer;
  try {
    uapi = await UapiServer.listen(tun.name, process.env.WG_UAPI_FD ? { fd: Number(process.env.WG_UAPI_FD) } : {});
  } catch (e) {
    process.stderr.write(`tswg: failed to open UAPI socket: ${describe(e)}\n`);
    reportReady(`error: failed to open UAPI socket: ${describe(e)}`);
    tun.close();
    return EXIT_SETUP_FAILED;
  }
  let pipeline: EventPipeline;
  try {
    pipeline = await createEventPipeline({
      ifname: tun.name,
      // With a config file the journal is always on disk, so endpoints added
      // later by SIGHUP are durable too; without one there is nothing to deliver.
      stateDir: args.configPath || args.stateDir ? (args.stateDir ?? defaultStateDir(tun.name)) : null,
      config,
      logger: eventsLogger(log),
    });
  } catch (e) {
    process.stderr.write(`tswg: failed to start the event pipeline: ${describe(e)}\n`);
    reportReady(`error: failed to start the event pipeline: ${describe(e)}`);
    await uapi.close();
    tun.close();
    return EXIT_SETUP_FAILED;
  }
  // The optional in-tunnel probe (config `probe:`) catches its replies before the TUN.
  const probes = new ProbeControl(tun.name, log, (k, ok, at) => pipeline.recordProbe(k, ok, at));
  const daemon = await Daemon.start({
    tun,
    crypto: args.crypto,
    logger: log,
    silenceTimeoutMs: config.silenceTimeoutMs,
    deliverFilter: probes.deliverFilter,
  });
  daemon.on('event', (ev) => pipeline.handle(ev));
  probes.attach(daemon, config.probe);
  pipeline.interfaceCreated(daemon.interfaceStatus());
  uapi.onRequest(async (req) => {
    const lines = req.op === 'get' ? ['get=1', ''] : ['set=1', ...req.lines, ''];
    return (await daemon.uapi(lines)) ?? 'errno=-22\n\n';
  });
  log.verbose('UAPI listener started');
  reportReady('ready');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (reason: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      log.verbose(`shutting down: ${reason}`);
      probes.stop();
      // Deleting the interface (wg-quick down, ip link del) is a delete for the
      // event stream; a signal is a shutdown of a still-configured interface.
      if (reason === 'tun-removed' || reason === 'socket-removed') pipeline.interfaceDeleted(daemon.interfaceStatus());
      // Close the pipeline first so connected peers get disconnect(shutdown)
      // rather than the interface-down that stopping the device reports.
      const flushed = pipeline.close({ shutdown: true });
      await daemon.close(reason);
      await flushed;
      await uapi.close();
      resolve(0);
    };
    daemon.on('closed', (reason) => void stop(reason));
    uapi.onSocketRemoved(() => void stop('socket-removed'));
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGHUP', () => {
      if (!args.configPath) return;
      loadEventsConfig(args.configPath).then(
        (c) => {
          try {
            pipeline.reload(c);
            probes.configure(c.probe);
            log.verbose('events configuration reloaded');
          } catch (e) {
            log.error(`reload failed, keeping the old configuration: ${describe(e)}`);
          }
        },
        (e) => log.error(`reload failed, keeping the old configuration: ${describe(e)}`),
      );
    });
  });
}
