// genkey/genpsk/pubkey against the real wg(8) binary: same input, same bytes out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BAD_KEY_MESSAGE, KeyInputError, TRAILING_MESSAGE, genkey, genpsk, pubkey } from '../../src/cli/keys.js';
import { nodeProvider } from '../../src/crypto/node.js';
import { fromBase64 } from '../../src/util/bytes.js';
import { SeededRandom } from '../helpers/seeded-random.js';

const WG = '/usr/bin/wg';
const haveWg = existsSync(WG);

function wgPubkey(input: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(WG, ['pubkey'], { argv0: 'wg', input: Buffer.from(input, 'latin1'), encoding: 'latin1' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function ours(input: string): { stdout: string; stderr: string; status: number } {
  try {
    return { stdout: pubkey(input), stderr: '', status: 0 };
  } catch (e) {
    assert.ok(e instanceof KeyInputError);
    return { stdout: '', stderr: `wg: ${e.message}\n`, status: 1 };
  }
}

test('genkey: 44-char base64 + newline of a clamped 32-byte key, deterministic for a seed', () => {
  const rnd = new SeededRandom(7);
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const out = genkey(rnd);
    assert.match(out, /^[A-Za-z0-9+/]{43}=\n$/);
    const k = fromBase64(out.trimEnd())!;
    assert.equal(k.length, 32);
    assert.equal(k[0]! & 7, 0);
    assert.equal(k[31]! & 0x80, 0);
    assert.equal(k[31]! & 0x40, 0x40);
    seen.add(out);
  }
  assert.equal(seen.size, 50);
  assert.equal(genkey(new SeededRandom(3)), genkey(new SeededRandom(3)));
});

test('genpsk: 32 unclamped random bytes', () => {
  const rnd = new SeededRandom(9);
  let unclamped = false;
  for (let i = 0; i < 50; i++) {
    const k = fromBase64(genpsk(rnd).trimEnd())!;
    assert.equal(k.length, 32);
    if ((k[0]! & 7) !== 0 || (k[31]! & 0xc0) !== 0x40) unclamped = true;
  }
  assert.ok(unclamped, 'genpsk must not clamp');
});

test('pubkey equals wg pubkey byte for byte (random keys, both providers)', { skip: !haveWg && 'wg not installed' }, () => {
  const rnd = new SeededRandom(11);
  for (let i = 0; i < 20; i++) {
    const priv = genkey(rnd);
    const expected = wgPubkey(priv);
    assert.equal(expected.status, 0);
    assert.equal(pubkey(priv), expected.stdout);
    assert.equal(pubkey(priv, nodeProvider), expected.stdout);
  }
  // an unclamped key (genpsk output) is clamped by X25519, as in wg
  const psk = genpsk(rnd);
  assert.equal(pubkey(psk), wgPubkey(psk).stdout);
});

test('pubkey input edge cases behave exactly like wg pubkey', { skip: !haveWg && 'wg not installed' }, () => {
  const k = genkey(new SeededRandom(5)).trimEnd();
  const inputs = [
    k,
    `${k}\n`,
    `${k}  \n\n\t\r`,
    `${k}\0\n`,
    ` ${k}`,
    k.slice(0, 43),
    `${k.slice(0, 43)}\n`,
    `${k}x`,
    `${k}\n x`,
    `${k.slice(0, 42)}B=`, // non-canonical last symbol
    `${k.slice(0, 42)}!=`,
    'A'.repeat(43) + '=',
    '',
    '\n',
  ];
  for (const input of inputs) {
    const theirs = wgPubkey(input);
    const mine = ours(input);
    assert.deepEqual(mine, { stdout: theirs.stdout, stderr: theirs.stderr, status: theirs.status }, JSON.stringify(input));
  }
});

test('pubkey errors are wg\'s two messages and never echo the input', () => {
  const k = genkey(new SeededRandom(1)).trimEnd();
  assert.throws(() => pubkey(k.slice(0, 40)), { message: BAD_KEY_MESSAGE });
  assert.throws(() => pubkey(`${k}zz`), { message: TRAILING_MESSAGE });
  assert.throws(() => pubkey(new TextEncoder().encode(`${k.slice(0, 43)}\n`)), (e: Error) => !e.message.includes(k.slice(0, 8)));
});
