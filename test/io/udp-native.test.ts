// NativeUdpBind (recvmmsg/sendmmsg through the addon) over loopback: batches
// arrive intact and in order with canonical sources, IPv4-mapped
// destinations use the v4 socket, EADDRINUSE, counted send failures, and
// interop with a plain node:dgram socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { Endpoint } from '../../src/core/endpoint.js';
import { NativeUdpBind } from '../../src/io/udp-native.js';

function collect(bind: NativeUdpBind, n: number): Promise<{ data: Uint8Array; from: Endpoint }[]> {
  const got: { data: Uint8Array; from: Endpoint }[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${n} datagrams`)), 5000);
    bind.onDatagram((data, from) => {
      got.push({ data: Uint8Array.from(data), from });
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

test('a batch of datagrams goes out in one sendMany and arrives in order with its source', async (t) => {
  const a = new NativeUdpBind();
  const b = new NativeUdpBind();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const pa = await a.open(0);
  const pb = await b.open(0);
  assert.ok(pa > 0 && pb > 0 && pa !== pb);
  const batch = Array.from({ length: 200 }, (_, i) => new Uint8Array(1 + (i % 1500)).fill(i & 0xff));
  let got = collect(b, 200);
  a.sendMany({ address: '127.0.0.1', port: pb }, batch);
  const r = await got;
  assert.equal(a.stats.sent, 200);
  assert.equal(a.stats.sendErrors, 0);
  r.forEach((d, i) => {
    assert.equal(d.data.length, 1 + (i % 1500));
    assert.ok(d.data.every((x) => x === (i & 0xff)));
    assert.deepEqual(d.from, { address: '127.0.0.1', port: pa });
  });
  // A slice of the array, over IPv6.
  got = collect(b, 2);
  a.sendMany({ address: '::1', port: pb }, batch, 5, 2);
  const r6 = await got;
  assert.deepEqual(r6.map((d) => d.data.length), [6, 7]);
  assert.deepEqual(r6[0]!.from, { address: '::1', port: pa });
  // IPv4-mapped destination → the IPv4 socket, source reported as IPv4.
  got = collect(a, 1);
  b.send({ address: '::ffff:127.0.0.1', port: pa }, Uint8Array.of(7, 7));
  const rm = await got;
  assert.deepEqual(rm[0]!.from, { address: '127.0.0.1', port: pb });
  assert.equal(b.stats.received, 202);
});

test('interoperates with node:dgram, reports EADDRINUSE and counts send failures', async (t) => {
  const a = new NativeUdpBind({ address6: null });
  const s = dgram.createSocket('udp4');
  t.after(async () => {
    await a.close();
    s.close();
  });
  const pa = await a.open(0);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const ps = s.address().port;
  const fromDgram = collect(a, 1);
  s.send(Uint8Array.of(1, 2, 3), pa, '127.0.0.1');
  assert.deepEqual([...(await fromDgram)[0]!.data], [1, 2, 3]);
  const toDgram = new Promise<Buffer>((resolve) => s.once('message', resolve));
  a.send({ address: '127.0.0.1', port: ps }, Uint8Array.of(9, 8));
  assert.deepEqual([...(await toDgram)], [9, 8]);

  const c = new NativeUdpBind({ address6: null });
  t.after(() => c.close());
  await assert.rejects(c.open(pa), { code: 'EADDRINUSE' });
  assert.equal(c.port, 0);
  c.send({ address: '127.0.0.1', port: ps }, Uint8Array.of(1)); // closed
  a.send({ address: '::1', port: ps }, Uint8Array.of(1)); // no IPv6 socket
  a.send({ address: 'not-an-ip', port: ps }, Uint8Array.of(1));
  a.send({ address: '127.0.0.1', port: 0 }, Uint8Array.of(1));
  assert.equal(c.stats.sendErrors, 1);
  assert.equal(a.stats.sendErrors, 3);
  await a.close();
  assert.equal(a.port, 0);
});

test('runs of equal-sized datagrams (UDP GSO/GRO when the kernel has them) arrive as the same datagrams', async (t) => {
  const a = new NativeUdpBind({ address6: null });
  const b = new NativeUdpBind({ address6: null });
  const plain = dgram.createSocket('udp4');
  t.after(async () => {
    await a.close();
    await b.close();
    plain.close();
  });
  await a.open(0);
  const pb = await b.open(0);
  await new Promise<void>((resolve) => plain.bind(0, '127.0.0.1', resolve));
  plain.setRecvBufferSize(4 << 20);
  // 130 full-size datagrams then a short one: three GSO sends of ≤ 64 segments.
  const batch = Array.from({ length: 131 }, (_, i) => new Uint8Array(i === 130 ? 77 : 1452).fill(i & 0xff));
  batch.forEach((d, i) => (d[0] = i >> 8, d[1] = i & 0xff));
  const got = collect(b, batch.length);
  a.sendMany({ address: '127.0.0.1', port: pb }, batch);
  const r = await got;
  assert.equal(a.stats.sent, batch.length);
  r.forEach((d, i) => assert.deepEqual(d.data, batch[i], `datagram ${i}`));
  // A receiver without UDP_GRO gets them one by one too.
  const seen: Buffer[] = [];
  const all = new Promise<void>((resolve) => plain.on('message', (m) => seen.push(m) === batch.length && resolve()));
  a.sendMany({ address: '127.0.0.1', port: plain.address().port }, batch);
  await all;
  seen.forEach((m, i) => assert.deepEqual(new Uint8Array(m), batch[i]));
});
