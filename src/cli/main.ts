/**
 * The `tswg` command: argv → one of the commands in args.ts. Only parsing
 * and dispatch live here (design.md: "cli/ only parses argv").
 */
import { readFileSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { systemRandom } from '../io/system-ports.js';
import { DEFAULT_UAPI_DIR } from '../io/uapi-server.js';
import { parseArgs, UsageError, USAGE, type Command } from './args.js';
import { runDaemon } from './daemon-command.js';
import { genkey, genpsk, KeyInputError, pubkey } from './keys.js';
import { up, down } from './quick.js';
import { showInterface } from './show-command.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `tswg v${pkg.version}\n\nUserspace WireGuard-compatible implementation for Node.js.\nWireGuard is a registered trademark of Jason A. Donenfeld; tswg is not affiliated with it.\n`;
}

function readStdin(): string {
  try {
    return readFileSync(0, 'latin1');
  } catch {
    return '';
  }
}

function interfaces(): string[] {
  try {
    return readdirSync(DEFAULT_UAPI_DIR)
      .filter((f) => f.endsWith('.sock'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

async function dispatch(cmd: Command): Promise<number> {
  const out = (s: string): void => void process.stdout.write(s);
  switch (cmd.kind) {
    case 'help':
      out(USAGE);
      return 0;
    case 'version':
      out(version());
      return 0;
    case 'genkey':
      out(genkey(systemRandom));
      return 0;
    case 'genpsk':
      out(genpsk(systemRandom));
      return 0;
    case 'pubkey': {
      try {
        out(pubkey(readStdin()));
        return 0;
      } catch (e) {
        if (!(e instanceof KeyInputError)) throw e;
        process.stderr.write(`${e.message}\n`);
        return 1;
      }
    }
    case 'show': {
      const names = cmd.ifname ? [cmd.ifname] : interfaces();
      let first = true;
      for (const name of names) {
        if (!first) out('\n');
        first = false;
        out(await showInterface(name, cmd.dump));
      }
      return 0;
    }
    case 'up':
      await up(cmd.file, { configPath: cmd.configPath, stateDir: cmd.stateDir, crypto: cmd.crypto, warn: (l) => process.stderr.write(`${l}\n`) });
      return 0;
    case 'down':
      await down(cmd.target);
      return 0;
    case 'daemon':
      return runDaemon(cmd);
  }
}

/** Entry point used by bin/tswg.js; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv, process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tswg: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    throw e;
  }
  try {
    return await dispatch(cmd);
  } catch (e) {
    process.stderr.write(`tswg: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
