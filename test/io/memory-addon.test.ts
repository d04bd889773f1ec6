// The in-memory addon the glue warm-up runs daemons over: TUN reads and
// writes with and without vnet headers, echo requests answered by the TUN,
// UDP delivery by port with the sender's source record, datagrams to an
// unbound port lost, and an object with the real addon's shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addonShaped, echoReply, HOST_ADDRESS, MemoryAddon } from '../../src/io/memory-addon.js';
import { loadNative } from '../../src/io/native.js';

function echo4(type: number): Uint8Array {
  const p = new Uint8Array(84);
  p[0] = 0x45;
  p[9] = 1;
  p.set([198, 19, 1, 1], 12);
  p.set([198, 19, 1, 2], 16);
  p[20] = type;
  p[26] = 0x12;
  return p;
}

test('echoReply swaps the addresses and answers only echo requests', () => {
  const r = echoReply(echo4(8))!;
  assert.deepEqual([...r.subarray(12, 16)], [198, 19, 1, 2]);
  assert.deepEqual([...r.subarray(16, 20)], [198, 19, 1, 1]);
  assert.equal(r[20], 0);
  assert.equal(r[26], 0x12, 'the identifier/sequence bytes are kept');
  assert.equal(echoReply(echo4(0)), null, 'a reply is not answered');
  const tcp = echo4(8);
  tcp[9] = 6;
  assert.equal(echoReply(tcp), null);
  const v6 = new Uint8Array(64);
  v6[0] = 0x60;
  v6[6] = 58;
  v6[8] = 0xaa;
  v6[24] = 0xbb;
  v6[40] = 128;
  const r6 = echoReply(v6)!;
  assert.equal(r6[40], 129);
  assert.equal(r6[8], 0xbb);
  assert.equal(r6[24], 0xaa);
  assert.equal(echoReply(new Uint8Array(10)), null);
});

for (const vnet of [false, true]) {
  test(`a TUN read batch carries the packets back to back${vnet ? ' behind zeroed vnet headers' : ''}; an echo written comes back as a read`, () => {
    const mem = new MemoryAddon();
    const { fd } = mem.openTun('t0', vnet);
    const lengths = new Uint32Array(8);
    const got: { buf: Uint8Array; count: number; lens: number[] }[] = [];
    mem.startReader(fd, 8, 65535, lengths, (code, buf, count) => {
      assert.equal(code, 0);
      got.push({ buf: buf!, count, lens: [...lengths.subarray(0, count)] });
    });
    const a = Uint8Array.of(0x45, 1, 2, 3);
    const b = Uint8Array.of(0x45, 4, 5);
    mem.readFromTun(fd, [a, b]);
    assert.equal(got.length, 0, 'nothing is delivered before deliver()');
    assert.equal(mem.deliver(), 1);
    const h = vnet ? 10 : 0;
    assert.deepEqual(got[0]!.lens, [a.length + h, b.length + h]);
    assert.deepEqual([...got[0]!.buf], [...new Array<number>(h).fill(0), ...a, ...new Array<number>(h).fill(0), ...b]);
    assert.equal(mem.writeTunMany(fd, [echo4(8), echo4(0)], 2), 2);
    assert.equal(mem.writtenTo(fd), 2);
    assert.equal(mem.echoReplies, 1);
    mem.deliver();
    assert.equal(got.length, 2);
    assert.equal(got[1]!.buf[h + 20], 0, 'the reply is read from the TUN');
  });
}

test('UDP datagrams reach the socket bound on the destination port with the sender as source; an unbound port loses them', () => {
  const mem = new MemoryAddon();
  const a = mem.udpSocket(4, new Uint8Array(4), 0);
  const b = mem.udpSocket(4, new Uint8Array(4), 0);
  assert.notEqual(a.port, b.port);
  assert.throws(() => mem.udpSocket(4, new Uint8Array(4), b.port), /in use/);
  const lengths = new Uint32Array(4);
  const addrs = new Uint8Array(4 * 20);
  const seen: number[][] = [];
  mem.startUdpReader(b.fd, 4, lengths, addrs, (_c, buf, count) => {
    seen.push([...buf!]);
    assert.equal(count, 2);
    assert.deepEqual([...lengths.subarray(0, 2)], [2, 1]);
    assert.equal(addrs[0], 4);
    assert.equal((addrs[2]! << 8) | addrs[3]!, a.port);
    assert.deepEqual([...addrs.subarray(4, 8)], HOST_ADDRESS);
  });
  assert.equal(mem.udpSendMany(a.fd, [Uint8Array.of(9), Uint8Array.of(1, 2), Uint8Array.of(3)], 1, 2, 4, new Uint8Array(4), b.port, false), 2);
  assert.equal(mem.udpSendMany(a.fd, [Uint8Array.of(7)], 0, 1, 4, new Uint8Array(4), 9, false), 1, 'UDP reports a send to nobody as sent');
  assert.equal(mem.deliver(), 1);
  assert.deepEqual(seen, [[1, 2, 3]]);
  mem.closeFd(b.fd);
  mem.udpSendMany(a.fd, [Uint8Array.of(1)], 0, 1, 4, new Uint8Array(4), b.port, false);
  assert.equal(mem.deliver(), 0, 'a closed socket receives nothing');
});

test('addonShaped has the real addon\'s own properties in order and calls the in-memory one', () => {
  const real = loadNative() as unknown as object;
  const mem = new MemoryAddon();
  const shaped = addonShaped(mem, real);
  assert.deepEqual(Object.getOwnPropertyNames(shaped), Object.getOwnPropertyNames(real));
  const { fd } = shaped.openTun('x', false);
  assert.equal(shaped.getFlags('x') & 1, 1);
  assert.equal(mem.writeTun(fd, Uint8Array.of(1)), 1, 'the fd lives in the in-memory addon');
  const odd = addonShaped(mem, { notAMethod: 1 } as object) as unknown as { notAMethod: () => void };
  assert.throws(() => odd.notAMethod(), /not available in memory/);
});
