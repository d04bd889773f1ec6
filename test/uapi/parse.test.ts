// parseSet: every key of the UAPI set protocol, every error path with its
// errno (wireguard-go device/uapi.go semantics), and atomicity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSet, parseUnsigned } from '../../src/uapi/parse.js';
import { EINVAL, EPROTO, UapiError } from '../../src/uapi/errors.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { formatIp } from '../../src/util/ip.js';

const K1 = 'a8'.repeat(32);
const K2 = '0123456789abcdef'.repeat(4);
const ZERO = '0'.repeat(64);

function errnoOf(lines: string[]): number {
  try {
    parseSet(lines);
  } catch (e) {
    assert.ok(e instanceof UapiError, 'must throw UapiError');
    return e.errno;
  }
  assert.fail('parseSet did not throw');
}

test('device keys: private_key, listen_port, fwmark, replace_peers', () => {
  const d = parseSet([`private_key=${K1}`, 'listen_port=51820', 'fwmark=4294967295', 'replace_peers=true']);
  assert.equal(toHex(d.privateKey!), K1);
  assert.equal(d.listenPort, 51820);
  assert.equal(d.fwmark, 0xffffffff);
  assert.equal(d.replacePeers, true);
  assert.deepEqual(d.peers, []);
});

test('absent keys stay undefined (no change)', () => {
  const d = parseSet([]);
  assert.equal(d.privateKey, undefined);
  assert.equal(d.listenPort, undefined);
  assert.equal(d.fwmark, undefined);
  assert.equal(d.replacePeers, undefined);
});

test('hex keys are accepted in either case; all-zero private key removes it', () => {
  const d = parseSet([`private_key=${K2.toUpperCase()}`]);
  assert.equal(toHex(d.privateKey!), K2);
  assert.equal(parseSet([`private_key=${ZERO}`]).privateKey, null);
});

test('listen_port 0 and fwmark 0 are values (random port / remove mark), leading zeros allowed like ParseUint', () => {
  const d = parseSet(['listen_port=0', 'fwmark=0']);
  assert.equal(d.listenPort, 0);
  assert.equal(d.fwmark, 0);
  assert.equal(parseSet(['listen_port=00080']).listenPort, 80);
});

test('peer section: every peer key', () => {
  const d = parseSet([
    `public_key=${K2}`,
    'protocol_version=1',
    `preshared_key=${K1}`,
    'endpoint=198.18.0.1:51820',
    'persistent_keepalive_interval=25',
    'replace_allowed_ips=true',
    'allowed_ip=10.0.0.0/8',
    'allowed_ip=2001:db8::1/64',
    'allowed_ip=-10.1.2.3/32',
    'update_only=true',
  ]);
  assert.equal(d.peers.length, 1);
  const p = d.peers[0]!;
  assert.equal(toHex(p.publicKey), K2);
  assert.equal(toHex(p.presharedKey!), K1);
  assert.deepEqual(p.endpoint, { address: '198.18.0.1', port: 51820 });
  assert.equal(p.persistentKeepalive, 25);
  assert.equal(p.replaceAllowedIps, true);
  assert.equal(p.updateOnly, true);
  assert.equal(p.remove, undefined);
  const ips = p.allowedIps!.map((a) => `${a.add ? '+' : '-'}${formatIp(a.ip)}/${a.cidr}`);
  // host bits are masked, as the allowed-IPs table stores them
  assert.deepEqual(ips, ['+10.0.0.0/8', '+2001:db8::/64', '-10.1.2.3/32']);
});

test('IPv6 endpoint in brackets is canonicalised', () => {
  const d = parseSet([`public_key=${K1}`, 'endpoint=[2001:DB8:0:0::7]:1']);
  assert.deepEqual(d.peers[0]!.endpoint, { address: '2001:db8::7', port: 1 });
});

test('remove=true and all-zero preshared key (= none)', () => {
  const d = parseSet([`public_key=${K1}`, 'remove=true', `public_key=${K2}`, `preshared_key=${ZERO}`]);
  assert.equal(d.peers.length, 2);
  assert.equal(d.peers[0]!.remove, true);
  assert.equal(d.peers[1]!.presharedKey, null);
  assert.equal(d.peers[1]!.remove, undefined);
});

test('peer sections keep request order, the same key may appear twice', () => {
  const d = parseSet([`public_key=${K1}`, 'remove=true', `public_key=${K1}`, 'persistent_keepalive_interval=0']);
  assert.equal(d.peers.length, 2);
  assert.equal(d.peers[0]!.remove, true);
  assert.equal(d.peers[1]!.persistentKeepalive, 0);
});

test('replace_allowed_ips drops the allowed_ip lines before it in the same section', () => {
  const d = parseSet([`public_key=${K1}`, 'allowed_ip=10.0.0.0/8', 'replace_allowed_ips=true', 'allowed_ip=10.9.0.0/16']);
  const p = d.peers[0]!;
  assert.equal(p.replaceAllowedIps, true);
  assert.deepEqual(
    p.allowedIps!.map((a) => formatIp(a.ip)),
    ['10.9.0.0'],
  );
});

test('parsing stops at the empty terminator line', () => {
  const d = parseSet(['listen_port=1', '', 'this line is never read']);
  assert.equal(d.listenPort, 1);
});

test('a line without "=" is EPROTO', () => {
  assert.equal(errnoOf(['listen_port']), EPROTO);
  assert.equal(errnoOf([`public_key=${K1}`, 'garbage']), EPROTO);
});

test('unknown keys, and device keys inside a peer section, are EINVAL', () => {
  assert.equal(errnoOf(['bogus=1']), EINVAL);
  assert.equal(errnoOf(['endpoint=198.18.0.1:1']), EINVAL); // peer key before any public_key
  assert.equal(errnoOf([`public_key=${K1}`, 'listen_port=1']), EINVAL);
  assert.equal(errnoOf([`public_key=${K1}`, 'last_handshake_time_sec=0']), EINVAL); // get-only key
  assert.equal(errnoOf(['jc=4']), EINVAL); // amnezia extension, not WireGuard
  assert.equal(errnoOf(['Private_Key=' + K1]), EINVAL); // keys are case-sensitive
});

test('bad values are EINVAL', () => {
  const bad: string[][] = [
    ['private_key=' + K1.slice(2)],
    ['private_key=' + 'g'.repeat(64)],
    ['private_key='],
    ['listen_port=65536'],
    ['listen_port=-1'],
    ['listen_port=+1'],
    ['listen_port='],
    ['listen_port= 1'],
    ['fwmark=4294967296'],
    ['fwmark=0x10'],
    ['replace_peers=false'],
    ['replace_peers=TRUE'],
    ['public_key=' + K1 + '00'],
    ['public_key=xyz'],
    [`public_key=${K1}`, 'remove=false'],
    [`public_key=${K1}`, 'update_only=1'],
    [`public_key=${K1}`, 'preshared_key=' + K1.slice(1)],
    [`public_key=${K1}`, 'endpoint=example.com:51820'],
    [`public_key=${K1}`, 'endpoint=198.18.0.1'],
    [`public_key=${K1}`, 'endpoint=2001:db8::1:51820'],
    [`public_key=${K1}`, 'endpoint=198.18.0.1:65536'],
    [`public_key=${K1}`, 'endpoint=198.18.0.300:1'],
    [`public_key=${K1}`, 'persistent_keepalive_interval=65536'],
    [`public_key=${K1}`, 'persistent_keepalive_interval=off'],
    [`public_key=${K1}`, 'replace_allowed_ips=yes'],
    [`public_key=${K1}`, 'allowed_ip=10.0.0.1'],
    [`public_key=${K1}`, 'allowed_ip=10.0.0.0/33'],
    [`public_key=${K1}`, 'allowed_ip=2001:db8::/129'],
    [`public_key=${K1}`, 'allowed_ip=10.0.0.300/32'],
    [`public_key=${K1}`, 'allowed_ip=--10.0.0.0/8'],
    [`public_key=${K1}`, 'allowed_ip='],
    [`public_key=${K1}`, 'protocol_version=2'],
    [`public_key=${K1}`, 'protocol_version=01'],
  ];
  for (const lines of bad) assert.equal(errnoOf(lines), EINVAL, lines.join(' | '));
});

test('atomicity: a bad line late in the request throws and returns nothing', () => {
  const lines = [
    `private_key=${K1}`,
    'listen_port=51820',
    'replace_peers=true',
    `public_key=${K2}`,
    'allowed_ip=10.0.0.0/8',
    'allowed_ip=10.0.0.0/99',
  ];
  let result: unknown = 'unset';
  assert.throws(() => {
    result = parseSet(lines);
  }, UapiError);
  assert.equal(result, 'unset');
});

test('error messages never contain key material', () => {
  const secretHex = 'c0ffee'.repeat(10) + 'abcd';
  const cases: string[][] = [
    [`private_key=${secretHex}x`],
    [`private_key=${secretHex.slice(0, 63)}`],
    [`public_key=${K1}`, `preshared_key=${secretHex}zz`],
    [secretHex],
    [`${secretHex}=1`],
    [`public_key=${K1}`, `endpoint=${secretHex}`],
    [`public_key=${K1}`, `allowed_ip=${Buffer.from(fromHex(secretHex)!).toString('base64')}`],
  ];
  for (const lines of cases) {
    try {
      parseSet(lines);
      assert.fail('expected an error');
    } catch (e) {
      assert.ok(e instanceof UapiError);
      assert.ok(!e.message.includes(secretHex.slice(0, 16)), e.message);
      assert.ok(!/[0-9a-f]{32}/i.test(e.message), e.message);
      assert.ok(!/[A-Za-z0-9+/]{32}/.test(e.message), e.message);
    }
  }
});

test('parseUnsigned mirrors ParseUint(v, 10, bits)', () => {
  assert.equal(parseUnsigned('0', 65535), 0);
  assert.equal(parseUnsigned('65535', 65535), 65535);
  assert.equal(parseUnsigned('65536', 65535), -1);
  assert.equal(parseUnsigned('1.5', 65535), -1);
  assert.equal(parseUnsigned('1e3', 65535), -1);
  assert.equal(parseUnsigned('99999999999999999999999', 65535), -1);
});

test('port and prefix length accept leading zeros like Go ParseUint; the address does not', () => {
  const d = parseSet([`public_key=${K1}`, 'endpoint=198.18.0.1:00051', 'allowed_ip=10.0.0.0/08']);
  assert.deepEqual(d.peers[0]!.endpoint, { address: '198.18.0.1', port: 51 });
  assert.equal(d.peers[0]!.allowedIps![0]!.cidr, 8);
  assert.equal(errnoOf([`public_key=${K1}`, 'endpoint=198.018.0.1:1']), EINVAL);
  assert.equal(errnoOf([`public_key=${K1}`, 'endpoint=198.18.0.1:000000']), EINVAL);
});
