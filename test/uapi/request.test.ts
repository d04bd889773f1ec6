// handleRequest + UapiFramer: the get/set protocol semantics shared by the
// runtime socket server and the tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UapiFramer, handleRequest, handleRequestChunked, type UapiHandlers } from '../../src/uapi/request.js';
import { EADDRINUSE, EINVAL, EPROTO, EUNKNOWN, UapiError } from '../../src/uapi/errors.js';
import type { ConfigDelta } from '../../src/core/config.js';
import { fromHex } from '../../src/util/bytes.js';
import { device, peer } from './fixtures.js';

const P1 = fromHex('22'.repeat(32))!;

function recorder(setImpl?: (d: ConfigDelta) => void | Promise<void>): UapiHandlers & { sets: ConfigDelta[]; gets: number } {
  const r = {
    sets: [] as ConfigDelta[],
    gets: 0,
    get() {
      r.gets++;
      return device(null, null, 51820, 0, [peer({ publicKey: P1 })]);
    },
    async set(d: ConfigDelta) {
      r.sets.push(d);
      if (setImpl) await setImpl(d);
    },
  };
  return r;
}

test('get=1 + empty line → formatted device and errno=0', async () => {
  const h = recorder();
  const out = await handleRequest(['get=1', ''], h);
  assert.equal(out.op, 'get');
  assert.equal(out.error, null);
  assert.match(out.reply!, /^listen_port=51820\npublic_key=2{64}\n/);
  assert.ok(out.reply!.endsWith('errno=0\n\n'));
  assert.equal(h.gets, 1);
});

test('get=1 followed by a non-empty line → errno=-22, no get performed', async () => {
  const h = recorder();
  const out = await handleRequest(['get=1', 'listen_port=1'], h);
  assert.equal(out.reply, 'errno=-22\n\n');
  assert.equal(out.error!.errno, EINVAL);
  assert.equal(h.gets, 0);
});

test('set=1 parses the whole body and applies it in one call', async () => {
  const h = recorder();
  const out = await handleRequest(['set=1', 'listen_port=1234', `public_key=${'22'.repeat(32)}`, 'allowed_ip=10.0.0.0/8', ''], h);
  assert.equal(out.reply, 'errno=0\n\n');
  assert.equal(h.sets.length, 1);
  assert.equal(h.sets[0]!.listenPort, 1234);
  assert.equal(h.sets[0]!.peers[0]!.allowedIps!.length, 1);
});

test('set=1 with a bad line → errno reply and set() is never called (atomic)', async () => {
  const h = recorder();
  const proto = await handleRequest(['set=1', 'listen_port=1', 'garbage', ''], h);
  assert.equal(proto.reply, `errno=-${EPROTO}\n\n`);
  const inval = await handleRequest(['set=1', 'listen_port=1', 'nope=1', ''], h);
  assert.equal(inval.reply, `errno=-${EINVAL}\n\n`);
  assert.equal(h.sets.length, 0);
});

test('set() failing with a UapiError (port in use) → its errno', async () => {
  const h = recorder(() => {
    throw new UapiError(EADDRINUSE, 'listen port in use');
  });
  const out = await handleRequest(['set=1', 'listen_port=1', ''], h);
  assert.equal(out.reply, 'errno=-98\n\n');
  assert.equal(out.error!.errno, EADDRINUSE);
});

test('set() failing with another error → wireguard-go unknown code', async () => {
  const h = recorder(async () => {
    throw new TypeError('boom');
  });
  const out = await handleRequest(['set=1', ''], h);
  assert.equal(out.reply, `errno=-${EUNKNOWN}\n\n`);
});

test('unknown operation → no reply (close)', async () => {
  const h = recorder();
  for (const op of ['get=2', 'GET=1', 'set', '', 'hello']) {
    const out = await handleRequest([op, ''], h);
    assert.equal(out.reply, null, op);
    assert.equal(out.op, 'unknown');
  }
  assert.equal(h.gets + h.sets.length, 0);
});

test('framer: several requests on one connection, split across chunks', () => {
  const f = new UapiFramer();
  const text = 'get=1\n\nset=1\nlisten_port=1\nfwmark=2\n\nget=1\n\n';
  const got: string[][] = [];
  for (const ch of text) got.push(...f.push(ch));
  assert.deepEqual(got, [
    ['get=1', ''],
    ['set=1', 'listen_port=1', 'fwmark=2', ''],
    ['get=1', ''],
  ]);
  assert.equal(f.closed, false);
  assert.equal(f.end(), null);
});

test('framer: get=1 takes exactly one more line; unknown op closes', () => {
  const f = new UapiFramer();
  assert.deepEqual(f.push('get=1\nx\n'), [['get=1', 'x']]);
  assert.deepEqual(f.push('bogus\nget=1\n\n'), [['bogus']]);
  assert.equal(f.closed, true);
  assert.deepEqual(f.push('get=1\n\n'), []);
});

test('framer: end() returns an unterminated set (applied like wireguard-go), not a get', () => {
  const f = new UapiFramer();
  assert.deepEqual(f.push('set=1\nlisten_port=5\n'), []);
  assert.deepEqual(f.end(), ['set=1', 'listen_port=5']);
  const g = new UapiFramer();
  g.push('get=1\n');
  assert.equal(g.end(), null);
});

test('framer: an oversized request is cut off as an unknown operation', async () => {
  const f = new UapiFramer(1000);
  const out: string[][] = [];
  out.push(...f.push('set=1\n'));
  for (let i = 0; i < 100 && !f.closed; i++) out.push(...f.push('allowed_ip=10.0.0.0/8\n'));
  assert.equal(f.closed, true);
  assert.deepEqual(out, [['']]);
  assert.equal((await handleRequest(out[0]!, recorder())).reply, null);
  // a big request within the limit is fine
  const g = new UapiFramer(1 << 20);
  const lines = ['set=1', ...Array.from({ length: 500 }, () => 'allowed_ip=10.0.0.0/8'), '', ''];
  assert.equal(g.push(lines.join('\n')).length, 1);
});

// The daemon answers through handleRequestChunked: a get's pieces must join
// to exactly handleRequest's reply, and everything else is the same string.
test('handleRequestChunked: the get pieces join to the plain reply; errors and sets are unchanged', async () => {
  const many = (): UapiHandlers => ({
    get: () => device(null, null, 51820, 0, Array.from({ length: 300 }, (_, i) => peer({ publicKey: fromHex(i.toString(16).padStart(64, '0'))! }))),
    set: () => undefined,
  });
  const plain = await handleRequest(['get=1', ''], many());
  const chunked = await handleRequestChunked(['get=1', ''], many());
  assert.equal(typeof chunked.reply, 'object');
  const pieces = [...(chunked.reply as Iterable<string>)];
  assert.ok(pieces.length >= 1);
  assert.equal(pieces.join(''), plain.reply);
  for (const lines of [['get=1', 'x=1'], ['set=1', 'listen_port=1', ''], ['set=1', 'bogus', ''], ['nope=1', '']]) {
    const a = await handleRequest(lines, recorder());
    const b = await handleRequestChunked(lines, recorder());
    assert.equal(b.reply, a.reply, lines.join('|'));
    assert.equal(b.op, a.op);
  }
});
