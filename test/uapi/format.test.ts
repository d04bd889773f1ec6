// formatGet: wireguard-go's exact get reply order; formatSetLines: inverse of parseSet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrno, formatGet, formatSetLines, splitWallMs } from '../../src/uapi/format.js';
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
