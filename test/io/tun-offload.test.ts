// Root-only: two offload-enabled TUNs (IFF_VNET_HDR + TSO/CSUM) in two
// namespaces, bridged packet for packet by this process. A TCP transfer
// between the namespaces must arrive byte-exact over IPv4 and IPv6, with the
// sender's kernel handing us super-packets (split here) and our writes
// coalesced back into super-packets on the receiving TUN.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { requireRoot } from '../helpers/root.js';
import { Lab } from '../helpers/netns.js';
import { transfer, MiB } from '../helpers/transfer.js';
import { Tun } from '../../src/io/tun.js';

function bridge(from: Tun, to: Tun): void {
  from.onBatch((buf, lengths, count) => {
    const packets: Uint8Array[] = [];
    let off = buf.byteOffset;
    for (let i = 0; i < count; i++) {
      packets.push(new Uint8Array(buf.buffer, off, lengths[i]!));
      off += lengths[i]!;
    }
    to.writeMany(packets);
  });
}

test('TCP through two offload TUNs arrives intact, split on read and coalesced on write', async (t) => {
  if (!requireRoot(t, ['ip'])) return;
  const lab = Lab.create(t);
  const [nsA, nsB] = await lab.addNamespaces(2);
  const ta = Tun.create(lab.ifname(), { offload: true });
  const tb = Tun.create(lab.ifname(), { offload: true });
  t.after(() => {
    ta.close();
    tb.close();
  });
  assert.ok(ta.offload !== null && tb.offload !== null);
  const setup = async (tun: Tun, ns: typeof nsA, host: number): Promise<void> => {
    execFileSync('ip', ['link', 'set', 'dev', tun.name, 'netns', ns!.name]);
    await ns!.ip(['addr', 'add', `198.19.77.${host}/24`, 'dev', tun.name]);
    await ns!.ip(['addr', 'add', `2001:db8:77::${host}/64`, 'dev', tun.name, 'nodad']);
    await ns!.ip(['link', 'set', 'dev', tun.name, 'mtu', '1420', 'up']);
  };
  await setup(ta, nsA, 1);
  await setup(tb, nsB, 2);
  bridge(ta, tb);
  bridge(tb, ta);
  for (const addr of ['198.19.77.2', '2001:db8:77::2']) {
    const r = await transfer(nsA!, nsB!, addr, 16 * MiB, { timeoutMs: 60000 });
    assert.equal(r.receivedBytes, r.bytes, addr);
    assert.equal(r.receivedSha256, r.sentSha256, addr);
  }
  const a = ta.offload!;
  const b = tb.offload!;
  assert.ok(a.superPackets > 0, 'the sender side read TSO super-packets');
  assert.ok(a.segments > a.superPackets, 'and split them');
  assert.ok(b.coalescedWrites > 0, 'the receiver side wrote coalesced super-packets');
  assert.equal(a.dropped + b.dropped, 0);
  assert.equal(ta.stats.writeDrops + tb.stats.writeDrops, 0);
});
