/**
 * `tswg up <file.conf>` / `tswg down <file.conf | ifname>`: what wg-quick(8)
 * does on Linux (protocol-checklist §10.5), without needing wg-quick: start
 * the daemon, `set` the configuration over UAPI, add addresses, set MTU and
 * bring the link up, add routes for the allowed IPs — with wg-quick's fwmark
 * policy routing for default routes — and run the Pre/Post hooks.
 */
import { execFile, spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Endpoint } from '../core/endpoint.js';
import type { AllowedIp } from '../core/config.js';
import { parseConf, withResolvedEndpoints, type ConfFile } from '../uapi/conf-file.js';
import { formatSetLines } from '../uapi/format.js';
import { uapiSocketPath } from '../io/uapi-server.js';
import { formatIp, formatPrefix } from '../util/ip.js';
import type { CryptoChoice } from '../crypto/select.js';
import { isValidIfname } from './args.js';
import { uapiExchange, uapiSet } from './uapi-client.js';

const run = promisify(execFile);
const DEFAULT_TABLE = 51820;

function ifnameOf(target: string): string {
  const name = target.endsWith('.conf') ? basename(target, '.conf') : target;
  if (!isValidIfname(name)) throw new Error(`'${name}' is not a valid interface name (the file name decides it, like wg-quick)`);
  return name;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function hooks(cmds: readonly string[], ifname: string): Promise<void> {
  for (const c of cmds) await run('bash', ['-c', c.replaceAll('%i', ifname)]);
}

async function resolveEndpoints(conf: ConfFile): Promise<ConfFile['delta']> {
  const resolved = new Map<number, Endpoint>();
  for (const u of conf.unresolvedEndpoints) {
    try {
      const r = await lookup(u.host);
      resolved.set(u.peerIndex, { address: r.address, port: u.port });
    } catch {
      throw new Error(`line ${u.line}: cannot resolve endpoint host '${u.host}'`);
    }
  }
  return withResolvedEndpoints(conf.delta, resolved);
}

function isDefault(p: AllowedIp): boolean {
  return p.cidr === 0;
}

export interface UpOptions {
  readonly configPath?: string;
  readonly stateDir?: string;
  readonly crypto: CryptoChoice;
  readonly warn: (line: string) => void;
}

export async function up(file: string, opts: UpOptions): Promise<void> {
  const ifname = ifnameOf(file);
  const mode = statSync(file).mode;
  if (mode & 0o007) opts.warn(`Warning: \`${file}' is world accessible`);
  const conf = parseConf(readFileSync(file, 'utf8'));
  const delta = await resolveEndpoints(conf);
  if (existsSync(uapiSocketPath(ifname))) throw new Error(`\`${ifname}' already exists`);

  await hooks(conf.hooks.preUp, ifname);
  const bin = fileURLToPath(new URL('../../../bin/tswg.js', import.meta.url));
  const args = [bin, '--crypto', opts.crypto];
  if (opts.configPath) args.push('--config', opts.configPath);
  if (opts.stateDir) args.push('--state-dir', opts.stateDir);
  args.push(ifname);
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, WG_PROCESS_FOREGROUND: '' } });
    child.on('exit', (c) => resolve(c ?? 1));
    child.on('error', () => resolve(1));
  });
  if (code !== 0) throw new Error(`starting the tswg daemon for ${ifname} failed`);
  try {
    await uapiSet(ifname, formatSetLines(delta));
    // Interface addresses keep their host bits (formatPrefix would mask them).
    for (const a of conf.addresses) await ip(a.ip.length === 4 ? '-4' : '-6', 'address', 'add', `${formatIp(a.ip)}/${a.cidr}`, 'dev', ifname);
    await ip('link', 'set', 'mtu', String(conf.mtu ?? 1420), 'up', 'dev', ifname);
    if (conf.table !== 'off') await addRoutes(ifname, conf, delta.peers.flatMap((p) => (p.allowedIps ?? []).filter((c) => c.add)));
    await hooks(conf.hooks.postUp, ifname);
  } catch (e) {
    await ip('link', 'delete', 'dev', ifname).catch(() => undefined);
    throw e;
  }
}

async function addRoutes(ifname: string, conf: ConfFile, prefixes: readonly AllowedIp[]): Promise<void> {
  const table = conf.table && conf.table !== 'auto' ? conf.table : undefined;
  // Most specific first, like wg-quick's `sort -nr -k 2 -t /`.
  const sorted = [...prefixes].sort((a, b) => b.cidr - a.cidr);
  const seen = new Set<string>();
  for (const p of sorted) {
    const text = formatPrefix(p);
    if (seen.has(text)) continue;
    seen.add(text);
    const fam = p.ip.length === 4 ? '-4' : '-6';
    if (isDefault(p) && table === undefined) {
      await addDefault(ifname, fam);
      continue;
    }
    await ip(fam, 'route', 'add', text, 'dev', ifname, ...(table ? ['table', table] : []));
  }
}

/**
 * wg-quick's full-tunnel trick: encrypted packets carry fwmark 51820 and use
 * the main table; everything else goes to table 51820, whose default route
 * is the tunnel. Needs SO_MARK on our UDP sockets to really work.
 */
async function addDefault(ifname: string, fam: '-4' | '-6'): Promise<void> {
  const t = String(DEFAULT_TABLE);
  await uapiSet(ifname, [`fwmark=${t}`]);
  await ip(fam, 'route', 'add', fam === '-4' ? '0.0.0.0/0' : '::/0', 'dev', ifname, 'table', t);
  await ip(fam, 'rule', 'add', 'not', 'fwmark', t, 'table', t);
  await ip(fam, 'rule', 'add', 'table', 'main', 'suppress_prefixlength', '0');
}

async function removeDefaultRules(): Promise<void> {
  const t = String(DEFAULT_TABLE);
  for (const fam of ['-4', '-6']) {
    // Delete only the rules addDefault added; stop at the first failure (none left).
    for (let i = 0; i < 16; i++) {
      try {
        await ip(fam, 'rule', 'delete', 'table', t);
      } catch {
        break;
      }
    }
    for (let i = 0; i < 16; i++) {
      try {
        await ip(fam, 'rule', 'delete', 'table', 'main', 'suppress_prefixlength', '0');
      } catch {
        break;
      }
    }
  }
}

export async function down(target: string): Promise<void> {
  const ifname = ifnameOf(target);
  const conf = target.endsWith('.conf') && existsSync(target) ? parseConf(readFileSync(target, 'utf8')) : undefined;
  if (!existsSync(uapiSocketPath(ifname))) throw new Error(`\`${ifname}' is not a tswg interface`);
  if (conf) await hooks(conf.hooks.preDown, ifname);
  // The policy rules exist only if `up` set wg-quick's fwmark; ask the daemon.
  const reply = await uapiExchange(ifname, 'get=1\n\n').catch(() => '');
  const usedFwmark = new RegExp(`(^|\\n)fwmark=${DEFAULT_TABLE}\\n`).test(reply);
  await ip('link', 'delete', 'dev', ifname);
  if (usedFwmark) await removeDefaultRules();
  // The daemon notices the deletion and exits, removing its socket (bounded wait).
  for (let i = 0; i < 100 && existsSync(uapiSocketPath(ifname)); i++) await new Promise((r) => setTimeout(r, 50));
  if (existsSync(uapiSocketPath(ifname))) throw new Error(`${ifname}: the daemon did not exit after the interface was deleted`);
  if (conf) await hooks(conf.hooks.postDown, ifname);
}
