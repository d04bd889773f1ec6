/**
 * A UAPI client, as wg(8) is one: connect to /var/run/wireguard/<if>.sock,
 * send one request, read the reply up to the blank line (protocol-checklist
 * §10.2). Used by `tswg show` and `tswg up`.
 */
import net from 'node:net';
import { uapiSocketPath } from '../io/uapi-server.js';

/** Sends `request` (which must end with the blank line) and returns the reply text. */
export function uapiExchange(ifname: string, request: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(uapiSocketPath(ifname));
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`timed out talking to ${ifname}`));
    }, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(request));
    sock.on('data', (d: string) => {
      buf += d;
      const end = buf.indexOf('\n\n');
      if (end !== -1 || buf === '\n') {
        clearTimeout(timer);
        sock.end();
        resolve(buf.slice(0, end + 2));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `no such interface: ${ifname}` : `cannot reach ${ifname}: ${e.message}`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`${ifname} closed the connection`));
    });
  });
}

/** The errno a reply ends with (0 = success); NaN if the reply is malformed. */
export function replyErrno(reply: string): number {
  const m = /(?:^|\n)errno=(-?\d+)\n\n$/.exec(reply);
  return m ? Number(m[1]) : NaN;
}

/** Runs `set=1` with the given key=value lines; throws with the errno on failure. */
export async function uapiSet(ifname: string, lines: readonly string[]): Promise<void> {
  const reply = await uapiExchange(ifname, `set=1\n${lines.map((l) => `${l}\n`).join('')}\n`);
  const errno = replyErrno(reply);
  if (errno !== 0) throw new Error(`configuring ${ifname} failed (errno=${errno})`);
}
