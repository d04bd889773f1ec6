// formatGet against wireguard-go itself: configure a real wireguard-go (in a
// namespace of our own) and a model snapshot with the same file, then compare
// wireguard-go's get reply with ours line for line. wireguard-go lists peers
// in map order and allowed IPs in trie order, so those two orders are
// normalised; everything else (keys, order of keys, values) must be identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatGet } from '../../src/uapi/format.js';
import { parseConf } from '../../src/uapi/conf-file.js';
import { publicKeyOf } from '../../src/crypto/keys.js';
import { nobleProvider } from '../../src/crypto/noble.js';
import { fromHex, toBase64 } from '../../src/util/bytes.js';
import { requireRoot } from '../helpers/root.js';
import { applyDelta, device } from './fixtures.js';
import { startWireguardGo } from './wireguard-go-ns.js';

/** Peer blocks sorted by public key, allowed_ip lines sorted within a block. */
function normalise(reply: string): string[] {
  const lines = reply.split('\n');
  const head: string[] = [];
  const blocks: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('public_key=')) blocks.push([l]);
    else if (blocks.length && !l.startsWith('errno=') && l !== '') blocks[blocks.length - 1]!.push(l);
    else head.push(l);
  }
  const norm = blocks.map((b) => [...b.filter((l) => !l.startsWith('allowed_ip=')), ...b.filter((l) => l.startsWith('allowed_ip=')).sort()]);
  norm.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  return [...head, ...norm.flat()];
}

const P = (n: number): string => toBase64(publicKeyOf(nobleProvider, fromHex(n.toString(16).padStart(2, '0').repeat(32))!));

test('interop: formatGet matches wireguard-go get replies', async (t) => {
  if (!requireRoot(t, ['ip', 'wg', 'wireguard-go'])) return;
  const dir = mkdtempSync(join(tmpdir(), 'tswgE-'));
  const conf = `[Interface]
PrivateKey = ${toBase64(fromHex('38'.repeat(31) + '41')!)}
ListenPort = 51820
FwMark = 0x42

[Peer]
PublicKey = ${P(1)}
PresharedKey = ${toBase64(fromHex('5a'.repeat(32))!)}
AllowedIPs = 10.0.0.0/24, 2001:db8:1::/48, 10.2.0.7/16, ::ffff:198.18.0.0/120
Endpoint = 198.18.0.2:51821
PersistentKeepalive = 25

[Peer]
PublicKey = ${P(2)}
Endpoint = [2001:db8::9]:7

[Peer]
PublicKey = ${P(3)}
AllowedIPs = 0.0.0.0/0, ::/0
`;
  const go = await startWireguardGo();
  try {
    const file = join(dir, 'x.conf');
    writeFileSync(file, conf, { mode: 0o600 });
    await go.exec('wg', ['setconf', go.ifname, file]);
    const theirs = await go.request('get=1\n\n');
    const parsed = parseConf(conf, { mode: 'wg' });
    const model = applyDelta(device(null, null, 0, 0, []), parsed.delta, (k) => publicKeyOf(nobleProvider, k));
    assert.deepEqual(normalise(formatGet(model)), normalise(theirs));
    assert.ok(theirs.endsWith('errno=0\n\n'));

    // no key, no fwmark, no peers: only listen_port and errno=0
    await go.exec('wg', ['set', go.ifname, 'private-key', '/dev/null', 'fwmark', '0', 'peer', P(1), 'remove', 'peer', P(2), 'remove', 'peer', P(3), 'remove']);
    const bare = await go.request('get=1\n\n');
    const bareModel = { ...device(null, null, 0, 0, []), listenPort: 51820 };
    assert.equal(formatGet(bareModel), bare);
  } finally {
    await go.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
