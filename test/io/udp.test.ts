// UdpBind over loopback: dual-stack exchange, random ports, EADDRINUSE,
// canonical source addresses, send failures counted (never thrown), rebind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/core/endpoint.js';
import { UdpBind } from '../../src/io/udp.js';

function nextDatagram(bind: UdpBind): Promise<{ data: Uint8Array; from: Endpoint }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no datagram')), 5000);
    bind.onDatagram((data, from) => {
      clearTimeout(timer);
      resolve({ data: new Uint8Array(data), from });
    });
  });
}

test('two binds exchange datagrams over IPv4 and IPv6 with canonical sources', async (t) => {
  const a = new UdpBind();
  const b = new UdpBind();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const pa = await a.open(0);
  const pb = await b.open(0);
  assert.ok(pa > 0 && pb > 0 && pa !== pb);
  assert.equal(a.port, pa);

  let got = nextDatagram(b);
  a.send({ address: '127.0.0.1', port: pb }, Uint8Array.of(1, 2, 3));
  let r = await got;
  assert.deepEqual([...r.data], [1, 2, 3]);
  assert.deepEqual(r.from, { address: '127.0.0.1', port: pa });

  got = nextDatagram(b);
  a.send({ address: '::1', port: pb }, Uint8Array.of(4, 5));
  r = await got;
  assert.deepEqual([...r.data], [4, 5]);
  assert.deepEqual(r.from, { address: '::1', port: pa });

  // An IPv4-mapped destination goes out over the IPv4 socket.
  got = nextDatagram(a);
  b.send({ address: '::ffff:127.0.0.1', port: pa }, Uint8Array.of(6));
  r = await got;
  assert.deepEqual(r.from, { address: '127.0.0.1', port: pb });
  assert.equal(a.stats.received, 1);
  assert.equal(b.stats.received, 2);
  assert.equal(a.stats.sendErrors, 0);
});

test('a taken port is reported as EADDRINUSE and leaves the bind closed', async (t) => {
  const a = new UdpBind();
  const c = new UdpBind();
  t.after(async () => {
    await a.close();
    await c.close();
  });
  const pa = await a.open(0);
  await assert.rejects(c.open(pa), (err: NodeJS.ErrnoException) => {
    assert.equal(err.code, 'EADDRINUSE');
    assert.match(err.message, new RegExp(`port ${pa}.*address already in use`));
    return true;
  });
  assert.equal(c.port, 0);
  // Only the IPv6 half taken (another v6-only socket): a fixed port still fails, port 0 finds another.
  const v6only = new UdpBind({ address4: null });
  t.after(() => v6only.close());
  const p6 = await v6only.open(0);
  await assert.rejects(c.open(p6), { code: 'EADDRINUSE' });
  const free = await c.open(0);
  assert.notEqual(free, p6);
});

test('send failures are counted, never thrown; rebinding moves the port', async (t) => {
  const a = new UdpBind({ address6: null });
  t.after(() => a.close());
  a.send({ address: '127.0.0.1', port: 9 }, Uint8Array.of(1)); // closed: no socket yet
  assert.equal(a.stats.sendErrors, 1);
  const first = await a.open(0);
  a.send({ address: '::1', port: 9 }, Uint8Array.of(1)); // no IPv6 socket in this bind
  a.send({ address: '127.0.0.1', port: 0 }, Uint8Array.of(1)); // invalid port
  assert.equal(a.stats.sendErrors, 3);

  const b = new UdpBind({ address6: null });
  t.after(() => b.close());
  await b.open(0);
  const second = await a.open(0);
  assert.notEqual(a.port, 0);
  assert.equal(a.port, second);
  // The old port is free again: another bind can take it.
  const c = new UdpBind({ address6: null });
  t.after(() => c.close());
  assert.equal(await c.open(first === second ? 0 : first) > 0, true);
  const got = nextDatagram(a);
  b.send({ address: '127.0.0.1', port: second }, Uint8Array.of(9));
  assert.deepEqual([...(await got).data], [9]);
  await a.close();
  assert.equal(a.port, 0);
});
