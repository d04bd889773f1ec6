// Test helper: a real wireguard-go in a network namespace of our own, plus a
// raw UAPI client for its socket. stop() ends only what start() created.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'node:net';
import { existsSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);

export interface WireguardGo {
  readonly ns: string;
  readonly ifname: string;
  readonly sock: string;
  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Sends raw UAPI text and resolves with the reply (up to the empty line) or what came before close. */
  request(text: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startWireguardGo(): Promise<WireguardGo> {
  const tag = randomBytes(2).toString('hex');
  const ns = `tswgE-go-${tag}`;
  const ifname = `tswgEgo${tag}`;
  const sock = `/var/run/wireguard/${ifname}.sock`;
  await run('ip', ['netns', 'add', ns]);
  const exec = (cmd: string, args: string[]) =>
    run('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      env: { ...process.env, WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1' },
    });
  const stop = async (): Promise<void> => {
    // deleting the link makes wireguard-go exit; then end whatever is left in our namespace
    await exec('ip', ['link', 'del', ifname]).catch(() => undefined);
    for (let i = 0; i < 50 && existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGTERM');
      } catch {
        // already gone
      }
    }
    rmSync(sock, { force: true });
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  };
  try {
    await exec('wireguard-go', [ifname]);
  } catch (e) {
    await stop();
    throw e;
  }
  const request = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect(sock);
      let buf = '';
      s.setEncoding('utf8');
      s.on('connect', () => s.write(text));
      s.on('data', (d: string) => {
        buf += d;
        if (buf.endsWith('\n\n')) {
          s.end();
          resolve(buf);
        }
      });
      s.on('end', () => resolve(buf));
      s.on('error', reject);
      s.setTimeout(5000, () => {
        s.destroy();
        reject(new Error('UAPI request timed out'));
      });
    });
  return { ns, ifname, sock, exec, request, stop };
}
