// formatGet: wireguard-go's exact get reply order; formatSetLines: inverse of parseSet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrno, formatGet, formatGetChunks, formatSetLines, splitWallMs } from '../../src/uapi/format.js';
import { parseGetReply } from '../../src/uapi/get-reply.js';
import { formatPrefix } from '../../src/util/ip.js';
import { parseSet } from '../../src/uapi/parse.js';
import type { ConfigDelta } from '../../src/core/config.js';
import { fromHex } from '../../src/util/bytes.js';
import { device, peer, prefixes } from './fixtures.js';

const PRIV = fromHex('e8'.repeat(31) + '48')!;
const PUB = fromHex('11'.repeat(32))!;
const P1 = fromHex('22'.repeat(32))!;
const P2 = fromHex('33'.repeat(32))!;
const PSK = fromHex('44'.repeat(32))!;

test('formatGet: full device in wireguard-go order', () => {
  const s = device(PRIV, PUB, 51820, 7, [
    peer({
      publicKey: P1,
      presharedKey: PSK,
      endpoint: '198.18.0.2:51821',
      persistentKeepalive: 25,
      allowedIps: ['10.0.0.0/24', '2001:db8::/64'],
      lastHandshakeWallMs: 1_700_000_000_250.5,
      rxBytes: 1234,
      txBytes: 5678,
    }),
    peer({ publicKey: P2, endpoint: '[2001:db8::9]:1' }),
  ]);
  const expected = [
    `private_key=${'e8'.repeat(31)}48`,
    'listen_port=51820',
    'fwmark=7',
    `public_key=${'22'.repeat(32)}`,
    `preshared_key=${'44'.repeat(32)}`,
    'protocol_version=1',
    'endpoint=198.18.0.2:51821',
    'last_handshake_time_sec=1700000000',
    'last_handshake_time_nsec=250500000',
    'tx_bytes=5678',
    'rx_bytes=1234',
    'persistent_keepalive_interval=25',
    'allowed_ip=10.0.0.0/24',
    'allowed_ip=2001:db8::/64',
    `public_key=${'33'.repeat(32)}`,
    `preshared_key=${'0'.repeat(64)}`,
    'protocol_version=1',
    'endpoint=[2001:db8::9]:1',
    'last_handshake_time_sec=0',
    'last_handshake_time_nsec=0',
    'tx_bytes=0',
    'rx_bytes=0',
    'persistent_keepalive_interval=0',
    'errno=0',
    '',
    '',
  ].join('\n');
  assert.equal(formatGet(s), expected);
});

test('formatGet: unset device fields are omitted; empty device is just errno=0', () => {
  assert.equal(formatGet(device(null, null, 0, 0, [])), 'errno=0\n\n');
  assert.equal(formatGet(device(new Uint8Array(32), null, 0, 0, [])), 'errno=0\n\n');
  const noEndpoint = formatGet(device(null, null, 0, 0, [peer({ publicKey: P1 })]));
  assert.ok(!noEndpoint.includes('endpoint='));
  assert.ok(noEndpoint.startsWith(`public_key=${'22'.repeat(32)}\n`));
});

test('formatGet masks allowed IPs that still carry host bits', () => {
  const s = device(null, null, 0, 0, [{ ...peer({ publicKey: P1 }), allowedIps: [{ ip: new Uint8Array([10, 1, 2, 3]), cidr: 8 }] }]);
  assert.match(formatGet(s), /\nallowed_ip=10\.0\.0\.0\/8\n/);
});

test('formatGet masks IPv4 host bits at every prefix length, like formatPrefix', () => {
  const ip = new Uint8Array([203, 177, 99, 255]);
  const allowedIps = Array.from({ length: 33 }, (_, cidr) => ({ ip, cidr }));
  const text = formatGet(device(null, null, 0, 0, [{ ...peer({ publicKey: P1 }), allowedIps }]));
  const got = text.split('\n').filter((l) => l.startsWith('allowed_ip=')).map((l) => l.slice('allowed_ip='.length));
  assert.deepEqual(got, allowedIps.map((a) => formatPrefix(a)));
  assert.equal(got[0], '0.0.0.0/0');
  assert.equal(got[20], '203.177.96.0/20');
  assert.equal(got[32], '203.177.99.255/32');
});

test('formatGetChunks: chunks concatenate to formatGet, are bounded, and a peer with many prefixes fits', () => {
  const many = Array.from({ length: 400 }, (_, i) => (i % 2 === 0 ? `10.${i >> 8}.${i & 0xff}.0/24` : `2001:db8:${i.toString(16)}::/48`));
  const peers = [
    peer({ publicKey: P1, presharedKey: PSK, endpoint: '198.18.0.2:51821', allowedIps: many, rxBytes: 2 ** 40 + 7, txBytes: 9_007_199_254_740_000 }),
    ...Array.from({ length: 50 }, (_, i) => peer({ publicKey: new Uint8Array(32).fill(i + 1), persistentKeepalive: i * 100, allowedIps: [`198.19.0.${i}/32`], lastHandshakeWallMs: 1_700_000_000_000 + i * 1001 })),
  ];
  const s = device(PRIV, PUB, 51820, 0, peers);
  const whole = formatGet(s);
  for (const size of [256, 1000, 64 * 1024]) {
    const chunks = [...formatGetChunks(s, size)];
    assert.equal(chunks.join(''), whole, `chunk size ${size}`);
    assert.ok(chunks.at(-1)!.endsWith('errno=0\n\n'));
    if (size === 256) assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  }
  // The text is what a client reads back: every number and prefix survives.
  const back = parseGetReply(whole);
  assert.equal(back.peers.length, 51);
  assert.equal(back.peers[0]!.rxBytes, 2 ** 40 + 7);
  assert.equal(back.peers[0]!.txBytes, 9_007_199_254_740_000);
  assert.deepEqual(back.peers[0]!.allowedIps.map((a) => formatPrefix(a)), many);
  assert.equal(back.peers[7]!.persistentKeepalive, 600);
  assert.equal(back.peers[7]!.lastHandshakeWallMs, 1_700_000_000_000 + 6 * 1001);
});

test('formatGetChunks reads peers lazily from any iterable', () => {
  let produced = 0;
  function* lazy() {
    for (let i = 0; i < 2000; i++) {
      produced++;
      yield peer({ publicKey: new Uint8Array(32).fill(i & 0xff), allowedIps: [`198.19.${i >> 8}.${i & 0xff}/32`] });
    }
  }
  const it = formatGetChunks({ privateKey: null, publicKey: null, listenPort: 0, fwmark: 0, peers: lazy() }, 4096);
  const first = it.next();
  assert.equal(first.done, false);
  assert.ok(produced < 2000, `only the peers for the first chunk were read (${produced})`);
  let rest = first.value as string;
  for (const c of it) rest += c;
  assert.equal(produced, 2000);
  assert.equal(parseGetReply(rest).peers.length, 2000);
});

test('splitWallMs and formatErrno', () => {
  assert.deepEqual(splitWallMs(0), { sec: 0, nsec: 0 });
  assert.deepEqual(splitWallMs(1500), { sec: 1, nsec: 500_000_000 });
  assert.deepEqual(splitWallMs(999.999999), { sec: 0, nsec: 999_999_999 });
  assert.equal(formatErrno(0), 'errno=0\n\n');
  assert.equal(formatErrno(22), 'errno=-22\n\n');
  assert.equal(formatErrno(-98), 'errno=-98\n\n');
});

test('parseSet(formatSetLines(d)) gives back d', () => {
  const d: ConfigDelta = {
    privateKey: PRIV,
    listenPort: 0,
    fwmark: 51820,
    replacePeers: true,
    peers: [
      {
        publicKey: P1,
        presharedKey: PSK,
        endpoint: { address: '2001:db8::1', port: 9 },
        persistentKeepalive: 0,
        replaceAllowedIps: true,
        allowedIps: [
          { ...prefixes('10.0.0.0/8')[0]!, add: true },
          { ...prefixes('2001:db8:1::/48')[0]!, add: false },
        ],
      },
      { publicKey: P2, remove: true },
      { publicKey: P1, updateOnly: true, presharedKey: null },
    ],
  };
  assert.deepEqual(parseSet(formatSetLines(d)), d);
  const removeKey: ConfigDelta = { privateKey: null, peers: [] };
  assert.deepEqual(parseSet(formatSetLines(removeKey)), removeKey);
});
