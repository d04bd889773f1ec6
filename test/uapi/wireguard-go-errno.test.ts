// parseSet / handleRequest against wireguard-go itself: the same raw set and
// get requests go to a real wireguard-go and to our handler; the errno of
// each reply must be the same, except for the listed deliberate differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handleRequest } from '../../src/uapi/request.js';
import { requireRoot } from '../helpers/root.js';
import { device } from './fixtures.js';
import { startWireguardGo } from './wireguard-go-ns.js';

const K = 'a8'.repeat(32);
const peerCase = (line: string): string[] => [`public_key=${K}`, line];

const SAME: string[][] = [
  ['listen_port=65536'], ['listen_port=-1'], ['listen_port=+1'], ['listen_port='], ['listen_port= 1'], ['listen_port=00080'],
  ['fwmark=4294967296'], ['fwmark=0x10'], ['fwmark=0'], ['replace_peers=false'], ['replace_peers=TRUE'], ['replace_peers=true'],
  [`public_key=${K}00`], ['public_key=xyz'], [`public_key=${K.toUpperCase()}`],
  ['private_key=' + '0'.repeat(64)], ['private_key=' + K.slice(2)], ['private_key=' + 'g'.repeat(64)],
  peerCase('remove=false'), peerCase('update_only=1'), peerCase('update_only=true'), peerCase('remove=true'),
  peerCase('preshared_key=' + K.slice(1)), peerCase('preshared_key=' + K),
  peerCase('endpoint=example.com:51820'), peerCase('endpoint=198.18.0.1'), peerCase('endpoint=2001:db8::1:51820'),
  peerCase('endpoint=198.18.0.1:65536'), peerCase('endpoint=[::ffff:1.2.3.4]:1'), peerCase('endpoint=01.2.3.4:1'),
  peerCase('endpoint=1.2.3.4:01'), peerCase('endpoint=[2001:db8::1]:51820'),
  peerCase('persistent_keepalive_interval=65536'), peerCase('persistent_keepalive_interval=off'),
  peerCase('persistent_keepalive_interval=0'),
  peerCase('replace_allowed_ips=yes'), peerCase('replace_allowed_ips=true'),
  peerCase('allowed_ip=10.0.0.1'), peerCase('allowed_ip=10.0.0.0/33'), peerCase('allowed_ip=10.0.0.0/08'),
  peerCase('allowed_ip=10.0.0.300/32'), peerCase('allowed_ip=--10.0.0.0/8'), peerCase('allowed_ip='),
  peerCase('allowed_ip=fe80::1%lo/64'), peerCase('allowed_ip=::ffff:1.2.3.4/128'), peerCase('allowed_ip=2001:db8::/129'),
  peerCase('protocol_version=2'), peerCase('protocol_version=01'), peerCase('protocol_version=1'),
  ['bogus=1'], ['endpoint=198.18.0.1:1'], peerCase('listen_port=1'), peerCase('last_handshake_time_sec=0'),
  ['garbage'], peerCase('garbage'), ['=1'], [''],
];

// Deliberate differences (see the report): an endpoint needs a port 1..65535
// and no IPv6 zone (our Endpoint type); `allowed_ip=-prefix` removal is newer
// than Debian's wireguard-go.
const DIFFERENT: Array<[string[], string, string]> = [
  [peerCase('endpoint=198.18.0.1:0'), 'errno=0', 'errno=-22'],
  [peerCase('endpoint=[fe80::1%lo]:1'), 'errno=0', 'errno=-22'],
  [peerCase('allowed_ip=-10.0.0.0/8'), 'errno=-22', 'errno=0'],
];

async function ours(text: string[]): Promise<string | null> {
  const lines = text.join('\n').split('\n');
  return (await handleRequest(lines, { get: () => device(null, null, 0, 0, []), set: () => undefined })).reply;
}

test('interop: set/get errno replies equal wireguard-go', async (t) => {
  if (!requireRoot(t, ['ip', 'wireguard-go'])) return;
  const go = await startWireguardGo();
  try {
    for (const c of SAME) {
      const text = ['set=1', ...c, '', ''];
      const theirs = await go.request(text.join('\n'));
      assert.equal(await ours(text.slice(0, -1)), theirs, JSON.stringify(c));
    }
    for (const [c, theirsExpected, oursExpected] of DIFFERENT) {
      const text = ['set=1', ...c, '', ''];
      assert.equal((await go.request(text.join('\n'))).trim(), theirsExpected, JSON.stringify(c));
      assert.equal((await ours(text.slice(0, -1)))!.trim(), oursExpected, JSON.stringify(c));
    }
    // get=1 followed by a non-empty line
    assert.equal(await go.request('get=1\nx\n'), 'errno=-22\n\n');
    assert.equal(await ours(['get=1', 'x']), 'errno=-22\n\n');
    // unknown operation: wireguard-go closes without a reply
    assert.equal(await go.request('hello=1\n\n'), '');
    assert.equal(await ours(['hello=1', '']), null);
  } finally {
    await go.stop();
  }
});
