/**
 * `tswg show [<ifname> [dump]]`: ask the daemon over UAPI (like wg(8)) and
 * print what `wg show` prints.
 */
import { publicKeyOf } from '../crypto/keys.js';
import { nobleProvider } from '../crypto/noble.js';
import { parseGetReply } from '../uapi/get-reply.js';
import { formatDump, formatShow } from './show.js';
import { uapiExchange } from './uapi-client.js';

export async function showInterface(ifname: string, dump: boolean): Promise<string> {
  const reply = await uapiExchange(ifname, 'get=1\n\n');
  const snap = parseGetReply(reply, (k) => publicKeyOf(nobleProvider, k));
  return dump ? formatDump(ifname, snap, Date.now()) : formatShow(ifname, snap, { nowMs: Date.now() });
}
