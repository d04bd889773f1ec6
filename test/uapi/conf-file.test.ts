// wg / wg-quick configuration files: parseConf, errors naming the line, formatConf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfFileError, formatConf, parseConf, withResolvedEndpoints } from '../../src/uapi/conf-file.js';
import { formatIp } from '../../src/util/ip.js';
import { toBase64, toHex } from '../../src/util/bytes.js';
import { device, key, peer } from './fixtures.js';

const PRIV = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PUB1 = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const PUB2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';
const PSK = 'FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=';

const FULL = `# a wg-quick file
[Interface]
PrivateKey = ${PRIV}
ListenPort = 51820
FwMark = 0x1234
Address = 10.0.0.1/24, 2001:db8::1/64
Address = 198.18.0.5
DNS = 10.0.0.53, 2001:db8::53, example.com corp.example
MTU = 1380
Table = off
PreUp = echo "pre up"  # comment
PostUp = iptables -A FORWARD -i %i -j ACCEPT
PreDown = true
PostDown = iptables -D FORWARD -i %i -j ACCEPT
SaveConfig = true

[Peer]
PublicKey = ${PUB1}
PresharedKey = ${PSK}
AllowedIPs = 10.0.0.2/32, 10.1.0.0/16,2001:db8:1::/48
Endpoint = 198.18.0.2:51821
PersistentKeepalive = 25

[peer]
publickey=${PUB2}
endpoint = vpn.example.com:51820
allowedips = 10.2.0.7/16
persistentkeepalive = off
`;

test('wg-quick file: every key', () => {
  const c = parseConf(FULL);
  assert.equal(toBase64(c.delta.privateKey!), PRIV);
  assert.equal(c.delta.listenPort, 51820);
  assert.equal(c.delta.fwmark, 0x1234);
  assert.equal(c.delta.replacePeers, true);
  assert.deepEqual(
    c.addresses.map((a) => `${formatIp(a.ip)}/${a.cidr}`),
    ['10.0.0.1/24', '2001:db8::1/64', '198.18.0.5/32'], // host bits kept for addresses
  );
  assert.deepEqual(c.dns, ['10.0.0.53', '2001:db8::53']);
  assert.deepEqual(c.dnsSearch, ['example.com', 'corp.example']);
  assert.equal(c.mtu, 1380);
  assert.equal(c.table, 'off');
  assert.equal(c.saveConfig, true);
  assert.deepEqual(c.hooks.preUp, ['echo "pre up"']);
  assert.deepEqual(c.hooks.postUp, ['iptables -A FORWARD -i %i -j ACCEPT']);
  assert.deepEqual(c.hooks.preDown, ['true']);
  assert.deepEqual(c.hooks.postDown, ['iptables -D FORWARD -i %i -j ACCEPT']);

  assert.equal(c.delta.peers.length, 2);
  const [p1, p2] = c.delta.peers;
  assert.equal(toBase64(p1!.publicKey), PUB1);
  assert.equal(toBase64(p1!.presharedKey!), PSK);
  assert.deepEqual(p1!.endpoint, { address: '198.18.0.2', port: 51821 });
  assert.equal(p1!.persistentKeepalive, 25);
  assert.equal(p1!.replaceAllowedIps, true);
  assert.deepEqual(
    p1!.allowedIps!.map((a) => `${formatIp(a.ip)}/${a.cidr}/${a.add}`),
    ['10.0.0.2/32/true', '10.1.0.0/16/true', '2001:db8:1::/48/true'],
  );
  assert.equal(toBase64(p2!.publicKey), PUB2);
  assert.equal(p2!.endpoint, undefined);
  assert.equal(p2!.persistentKeepalive, 0);
  assert.deepEqual(p2!.allowedIps!.map((a) => `${formatIp(a.ip)}/${a.cidr}`), ['10.2.0.0/16']); // masked
  assert.deepEqual(c.unresolvedEndpoints, [{ peerIndex: 1, host: 'vpn.example.com', port: 51820, line: 26 }]);
});

test('withResolvedEndpoints fills in the caller-resolved endpoint', () => {
  const c = parseConf(FULL);
  const d = withResolvedEndpoints(c.delta, new Map([[1, { address: '198.18.0.9', port: 51820 }]]));
  assert.deepEqual(d.peers[1]!.endpoint, { address: '198.18.0.9', port: 51820 });
  assert.deepEqual(d.peers[0], c.delta.peers[0]);
});

test('setconf semantics: absent device keys mean remove / 0; addconf sends only what is there', () => {
  const text = `[Peer]\nPublicKey = ${PUB1}\n`;
  const set = parseConf(text, { mode: 'wg' });
  assert.equal(set.delta.privateKey, null);
  assert.equal(set.delta.listenPort, 0);
  assert.equal(set.delta.fwmark, 0);
  assert.equal(set.delta.replacePeers, true);
  const add = parseConf(text, { mode: 'wg', append: true });
  assert.equal('privateKey' in add.delta, false);
  assert.equal('listenPort' in add.delta, false);
  assert.equal('fwmark' in add.delta, false);
  assert.equal(add.delta.replacePeers, undefined);
  assert.equal(add.delta.peers[0]!.replaceAllowedIps, true); // wg flags every [Peer] with replace-allowed-ips
});

test('whitespace, CRLF, comments and case are ignored like wg does', () => {
  const c = parseConf(`  [ INTERFACE ]\r\n  private key = ${PRIV}  # the key\r\nLISTENPORT=\t7\r\n#[Peer]\r\n`, { mode: 'wg' });
  assert.equal(toBase64(c.delta.privateKey!), PRIV);
  assert.equal(c.delta.listenPort, 7);
  assert.equal(c.delta.peers.length, 0);
});

test('FwMark off/decimal/hex and PersistentKeepalive numbers', () => {
  const f = (v: string): number => parseConf(`[Interface]\nFwMark = ${v}\n`).delta.fwmark!;
  assert.equal(f('off'), 0);
  assert.equal(f('OFF'), 0);
  assert.equal(f('4294967295'), 0xffffffff);
  assert.equal(f('0xffffffff'), 0xffffffff);
  const k = (v: string): number | undefined =>
    parseConf(`[Peer]\nPublicKey=${PUB1}\nPersistentKeepalive=${v}\n`).delta.peers[0]!.persistentKeepalive;
  assert.equal(k('65535'), 65535);
  assert.equal(k('0'), 0);
});

test('AllowedIPs: empty value replaces with nothing; +/- entries are incremental', () => {
  const empty = parseConf(`[Peer]\nPublicKey=${PUB1}\nAllowedIPs =\n`).delta.peers[0]!;
  assert.equal(empty.replaceAllowedIps, true);
  assert.equal(empty.allowedIps, undefined);
  const inc = parseConf(`[Peer]\nPublicKey=${PUB1}\nAllowedIPs = +10.0.0.0/8, -10.9.9.9/32\n`, { append: true }).delta.peers[0]!;
  assert.equal(inc.replaceAllowedIps, undefined);
  assert.deepEqual(inc.allowedIps!.map((a) => a.add), [true, false]);
  const v6 = parseConf(`[Peer]\nPublicKey=${PUB1}\nAllowedIPs = ::/0, 0.0.0.0/0\n`).delta.peers[0]!;
  assert.deepEqual(v6.allowedIps!.map((a) => `${formatIp(a.ip)}/${a.cidr}`), ['::/0', '0.0.0.0/0']);
});

test('Endpoint forms: [v6]:port, unbracketed v6:port (getaddrinfo accepts it), hostname:port', () => {
  const e = (v: string) => parseConf(`[Peer]\nPublicKey=${PUB1}\nEndpoint=${v}\n`);
  assert.deepEqual(e('[2001:db8::1]:51820').delta.peers[0]!.endpoint, { address: '2001:db8::1', port: 51820 });
  assert.deepEqual(e('2001:db8::1:51820').delta.peers[0]!.endpoint, { address: '2001:db8::1', port: 51820 });
  assert.deepEqual(e('host-1.example:1').unresolvedEndpoints[0], { peerIndex: 0, host: 'host-1.example', port: 1, line: 3 });
  // a later numeric Endpoint line replaces an unresolved one
  const both = parseConf(`[Peer]\nPublicKey=${PUB1}\nEndpoint=a.example:1\nEndpoint=198.18.0.1:2\n`);
  assert.deepEqual(both.unresolvedEndpoints, []);
  assert.deepEqual(both.delta.peers[0]!.endpoint, { address: '198.18.0.1', port: 2 });
});

test('zero keys: all-zero PrivateKey = remove, all-zero PresharedKey = none', () => {
  const z = toBase64(new Uint8Array(32));
  const c = parseConf(`[Interface]\nPrivateKey=${z}\n[Peer]\nPublicKey=${PUB1}\nPresharedKey=${z}\n`);
  assert.equal(c.delta.privateKey, null);
  assert.equal(c.delta.peers[0]!.presharedKey, null);
});

function errorOf(text: string, opts?: Parameters<typeof parseConf>[1]): ConfFileError {
  try {
    parseConf(text, opts);
  } catch (e) {
    assert.ok(e instanceof ConfFileError, String(e));
    return e;
  }
  assert.fail('no error');
}

test('errors name the line', () => {
  const head = `[Interface]\nPrivateKey = ${PRIV}\n\n[Peer]\nPublicKey = ${PUB1}\n# comment\n`;
  const e = errorOf(head + 'AllowedIPs = 10.0.0.300/32\n');
  assert.equal(e.line, 7);
  assert.equal(e.message, "line 7: invalid AllowedIPs '10.0.0.300/32'");
  const cases: Array<[string, number, RegExp]> = [
    ['[Interface]\nListenPort = 65536\n', 2, /invalid ListenPort '65536'/],
    ['[Interface]\nFwMark = 0x100000000\n', 2, /invalid FwMark/],
    ['[Interface]\nFwMark = -1\n', 2, /invalid FwMark/],
    ['[Interface]\nPrivateKey = abc\n', 2, /invalid PrivateKey/],
    ['[Interface]\nMTU = big\n', 2, /invalid MTU/],
    ['[Interface]\nAddress = 10.0.0.1/33\n', 2, /invalid Address '10.0.0.1\/33'/],
    ['[Interface]\nDNS = 10.0.0.300\n', 2, /invalid DNS/],
    ['[Interface]\nSaveConfig = yes\n', 2, /SaveConfig/],
    ['[Interface]\nEndpoint = 198.18.0.1:1\n', 2, /unrecognized key 'Endpoint' in \[Interface\]/],
    ['ListenPort = 1\n', 1, /outside any section/],
    ['[Interface]\nbogus line\n', 2, /unrecognized line/],
    ['[Peer]\nPublicKey = x\n', 2, /invalid PublicKey/],
    [`[Peer]\nPublicKey = ${PUB1}\nEndpoint = 198.18.0.1\n`, 3, /invalid Endpoint '198.18.0.1'/],
    [`[Peer]\nPublicKey = ${PUB1}\nEndpoint = [2001:db8::1]51820\n`, 3, /invalid Endpoint/],
    [`[Peer]\nPublicKey = ${PUB1}\nEndpoint = 198.18.0.1:0\n`, 3, /invalid Endpoint/],
    [`[Peer]\nPublicKey = ${PUB1}\nEndpoint = bad_host!:1\n`, 3, /invalid Endpoint/],
    [`[Peer]\nPublicKey = ${PUB1}\nPersistentKeepalive = 65536\n`, 3, /invalid PersistentKeepalive/],
    [`[Peer]\nPublicKey = ${PUB1}\nAllowedIPs = 10.0.0.0/8,\n`, 3, /invalid AllowedIPs ''/],
    [`[Peer]\nPublicKey = ${PUB1}\nAllowedIPs = fe80::/129\n`, 3, /invalid AllowedIPs 'fe80::\/129'/],
    [`[Peer]\nPublicKey = ${PUB1}\nListenPort = 1\n`, 3, /unrecognized key 'ListenPort' in \[Peer\]/],
    [`[Interface]\n\n[Peer]\nEndpoint = 198.18.0.1:1\n`, 3, /\[Peer\] section has no PublicKey/],
  ];
  for (const [text, line, re] of cases) {
    const err = errorOf(text);
    assert.equal(err.line, line, text);
    assert.match(err.message, re, text);
    assert.ok(err.message.startsWith(`line ${line}: `));
  }
});

test('wg mode rejects wg-quick keys like `wg setconf` does', () => {
  const e = errorOf('[Interface]\nAddress = 10.0.0.1/24\n', { mode: 'wg' });
  assert.equal(e.line, 2);
  assert.match(e.message, /unrecognized key 'Address'/);
  // wg-quick keys are only special in [Interface]
  assert.equal(errorOf(`[Peer]\nPublicKey=${PUB1}\nDNS = 1.1.1.1\n`).line, 3);
});

test('errors never contain key material', () => {
  const texts = [
    `[Interface]\nPrivateKey = ${PRIV.slice(0, 43)}\n`,
    `[Interface]\nPrivateKey = ${PRIV}x\n`,
    `[Interface]\nPrivatKey = ${PRIV}\n`,
    `[Interface]\n${PRIV}\n`,
    `[Peer]\nPublicKey = ${PUB1}\nPresharedKey = ${PSK}AA\n`,
    `[Peer]\nPublicKey = ${PUB1}\nEndpoint = ${PSK}\n`,
    `[Peer]\nPublicKey = ${PUB1}\nAllowedIPs = ${PSK}\n`,
  ];
  for (const t of texts) {
    const e = errorOf(t);
    for (const k of [PRIV, PSK]) assert.ok(!e.message.includes(k.slice(0, 12)), e.message);
    assert.ok(!/[A-Za-z0-9+/]{24}/.test(e.message), e.message);
  }
});

test('formatConf prints `wg showconf` layout', () => {
  const priv = key(PRIV);
  const s = device(priv, null, 51820, 0x1234, [
    peer({ publicKey: key(PUB1), presharedKey: key(PSK), endpoint: '198.18.0.2:51821', persistentKeepalive: 25, allowedIps: ['10.0.0.2/32', '2001:db8:1::/48'] }),
    peer({ publicKey: key(PUB2) }),
  ]);
  assert.equal(
    formatConf(s),
    `[Interface]\nListenPort = 51820\nFwMark = 0x1234\nPrivateKey = ${PRIV}\n\n` +
      `[Peer]\nPublicKey = ${PUB1}\nPresharedKey = ${PSK}\nAllowedIPs = 10.0.0.2/32, 2001:db8:1::/48\nEndpoint = 198.18.0.2:51821\nPersistentKeepalive = 25\n\n` +
      `[Peer]\nPublicKey = ${PUB2}\n`,
  );
  assert.equal(formatConf(device(null, null, 0, 0, [])), '[Interface]\n\n');
});

test('round trip: parseConf(formatConf(s)) describes s', () => {
  const s = device(key(PRIV), null, 1, 2, [
    peer({ publicKey: key(PUB1), presharedKey: key(PSK), endpoint: '[2001:db8::5]:7', persistentKeepalive: 9, allowedIps: ['10.0.0.0/8'] }),
  ]);
  const c = parseConf(formatConf(s), { mode: 'wg' });
  assert.equal(toHex(c.delta.privateKey!), toHex(s.privateKey!));
  assert.equal(c.delta.listenPort, 1);
  assert.equal(c.delta.fwmark, 2);
  const p = c.delta.peers[0]!;
  assert.equal(toHex(p.presharedKey!), toHex(key(PSK)));
  assert.deepEqual(p.endpoint, { address: '2001:db8::5', port: 7 });
  assert.equal(p.persistentKeepalive, 9);
  assert.deepEqual(p.allowedIps!.map((a) => ({ ip: a.ip, cidr: a.cidr })), s.peers[0]!.allowedIps.map((a) => ({ ip: a.ip, cidr: a.cidr })));
});
