/**
 * argv → a command. The daemon form mirrors wireguard-go
 * (`[-f|--foreground] INTERFACE-NAME`, protocol-checklist §10.4); the other
 * commands are tswg's own (`up`, `down`, `show`) or wg(8)'s (`genkey`,
 * `pubkey`, `genpsk`). Nothing here touches the system.
 */
import type { CryptoChoice } from '../crypto/select.js';

export interface DaemonArgs {
  readonly kind: 'daemon';
  readonly ifname: string;
  readonly foreground: boolean;
  readonly configPath?: string;
  readonly stateDir?: string;
  readonly crypto: CryptoChoice;
}

export type Command =
  | DaemonArgs
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'genkey' | 'genpsk' | 'pubkey' }
  | { readonly kind: 'show'; readonly ifname?: string; readonly dump: boolean }
  | { readonly kind: 'up'; readonly file: string; readonly configPath?: string; readonly stateDir?: string; readonly crypto: CryptoChoice }
  | { readonly kind: 'down'; readonly target: string };

export class UsageError extends Error {}

/** Interface names the kernel accepts (IFNAMSIZ − 1, no '/', no whitespace). */
export function isValidIfname(name: string): boolean {
  return /^[A-Za-z0-9_=+.-]{1,15}$/.test(name) && name !== '.' && name !== '..';
}

function takeValue(argv: readonly string[], i: number, flag: string): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} needs a value`);
  return v;
}

function parseCrypto(v: string): CryptoChoice {
  if (v === 'auto' || v === 'noble' || v === 'node') return v;
  throw new UsageError(`--crypto must be auto, noble or node (got '${v}')`);
}

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Command {
  const first = argv[0];
  if (first === undefined) throw new UsageError('missing interface name');
  switch (first) {
    case '-h':
    case '--help':
    case 'help':
      return { kind: 'help' };
    case '-v':
    case '--version':
    case 'version':
      return { kind: 'version' };
    case 'genkey':
    case 'genpsk':
    case 'pubkey':
      if (argv.length > 1) throw new UsageError(`${first} takes no arguments`);
      return { kind: first };
    case 'show': {
      const rest = argv.slice(1);
      const dump = rest[1] === 'dump';
      if (rest.length > 2 || (rest.length === 2 && !dump)) throw new UsageError('usage: tswg show [<interface> [dump]]');
      if (rest[0] !== undefined && rest[0] !== 'all' && !isValidIfname(rest[0])) throw new UsageError(`invalid interface name '${rest[0]}'`);
      return { kind: 'show', ifname: rest[0] === 'all' ? undefined : rest[0], dump };
    }
    case 'down':
      if (argv.length !== 2) throw new UsageError('usage: tswg down <file.conf | interface>');
      return { kind: 'down', target: argv[1]! };
  }
  let foreground = env.WG_PROCESS_FOREGROUND === '1';
  let configPath = env.TSWG_CONFIG || undefined;
  let stateDir: string | undefined;
  let crypto: CryptoChoice = parseCrypto(env.TSWG_CRYPTO || 'auto');
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--foreground') foreground = true;
    else if (a === '--config') configPath = takeValue(argv, i++, a);
    else if (a === '--state-dir') stateDir = takeValue(argv, i++, a);
    else if (a === '--crypto') crypto = parseCrypto(takeValue(argv, i++, a));
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
    else positional.push(a);
  }
  if (positional[0] === 'up') {
    if (positional.length !== 2) throw new UsageError('usage: tswg up [--config <file>] <file.conf>');
    return { kind: 'up', file: positional[1]!, configPath, stateDir, crypto };
  }
  if (positional.length !== 1) throw new UsageError('expected exactly one interface name');
  const ifname = positional[0]!;
  if (!isValidIfname(ifname)) throw new UsageError(`invalid interface name '${ifname}'`);
  return { kind: 'daemon', ifname, foreground, configPath, stateDir, crypto };
}

export const USAGE = `Usage: tswg [-f|--foreground] [options] <interface>
       tswg up [options] <file.conf>      bring an interface up from a wg-quick style file
       tswg down <file.conf | interface>  take it down again
       tswg show [<interface> [dump]]     like 'wg show'
       tswg genkey | genpsk | pubkey      like 'wg genkey | genpsk | pubkey'
       tswg --version | --help

Runs a userspace WireGuard-compatible interface: creates the TUN device and
the UAPI socket /var/run/wireguard/<interface>.sock (configure it with wg(8)),
then daemonizes unless -f is given.

Options:
  -f, --foreground        stay in the foreground
  --config <file>         events/webhooks YAML configuration (or TSWG_CONFIG)
  --state-dir <dir>       durable event queue (default /var/lib/tswg/<interface>)
  --crypto auto|noble|node  crypto provider (default auto, or TSWG_CRYPTO)

Environment: WG_TUN_FD, WG_UAPI_FD, WG_PROCESS_FOREGROUND, LOG_LEVEL
(silent|error|verbose|debug), as wireguard-go.

WireGuard is a registered trademark of Jason A. Donenfeld. tswg is an
independent implementation, not affiliated with the WireGuard project.
`;
