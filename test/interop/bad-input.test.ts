// Interop: hostile input (issue 3 "Bad input"). Malformed UAPI requests get
// wireguard-go's negative errno (protocol-checklist §10.2: -71 EPROTO for a
// line without '=', -22 EINVAL for a bad key or value) and change nothing
// (`wg showconf` before == after); tswg must also be atomic when the bad line
// comes after good ones. A bounded garbage UDP flood at the listen port (v4
// and v6) leaves the daemon alive and the tunnel working.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../helpers/netns.js';
import { genKeyPair, implPairs, secretFile, type WgInterface } from '../helpers/impl.js';
import { endpointString, makePair } from '../helpers/pair.js';
import { pidAlive } from '../helpers/proc.js';
import { ping, udpFlood, waitForPing } from '../helpers/transfer.js';
import { uapiRequest } from '../helpers/uapi-client.js';
import { showConf, showStatus } from '../helpers/wgctl.js';
import { requireRoot } from '../helpers/root.js';

const TOOLS = ['ip', 'wg', 'wireguard-go', 'ping'];
const EPROTO = -71;
const EINVAL = -22;
const hex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** Requests whose first effective line is bad: every implementation must change nothing. */
function malformed(peerHex: string): Array<[string, string, number]> {
  return [
    ['line without =', 'set=1\nno equals sign\n\n', EPROTO],
    ['non-numeric listen_port', 'set=1\nlisten_port=abc\n\n', EINVAL],
    ['listen_port out of range', 'set=1\nlisten_port=70000\n\n', EINVAL],
    ['short private_key', `set=1\nprivate_key=${'a'.repeat(63)}\n\n`, EINVAL],
    ['non-hex private_key', `set=1\nprivate_key=${'z'.repeat(64)}\n\n`, EINVAL],
    ['bad fwmark', 'set=1\nfwmark=abc\n\n', EINVAL],
    ['unknown device key', 'set=1\nunknown_key=1\n\n', EINVAL],
    ['replace_peers=false', 'set=1\nreplace_peers=false\n\n', EINVAL],
    ['bad public_key', 'set=1\npublic_key=zz\n\n', EINVAL],
    ['bad allowed_ip', `set=1\npublic_key=${peerHex}\nallowed_ip=300.1.1.1/33\n\n`, EINVAL],
    ['bad endpoint', `set=1\npublic_key=${peerHex}\nendpoint=nonsense\n\n`, EINVAL],
    ['bad keepalive', `set=1\npublic_key=${peerHex}\npersistent_keepalive_interval=-1\n\n`, EINVAL],
    ['protocol_version=2', `set=1\npublic_key=${peerHex}\nprotocol_version=2\n\n`, EINVAL],
    ['remove=yes', `set=1\npublic_key=${peerHex}\nremove=yes\n\n`, EINVAL],
    ['short preshared_key', `set=1\npublic_key=${peerHex}\npreshared_key=123\n\n`, EINVAL],
    ['unknown peer key', `set=1\npublic_key=${peerHex}\nbogus_peer_key=1\n\n`, EINVAL],
    ['get=1 followed by a line', 'get=1\nextra\n\n', EINVAL],
  ];
}

/** Requests with good lines before the bad one: atomic (tswg) → nothing changes. */
function partlyGood(peerHex: string): Array<[string, string]> {
  const stranger = hex(genKeyPair().publicKey);
  return [
    ['listen_port then bad key', 'set=1\nlisten_port=51999\nprivate_key=zz\n\n'],
    ['new peer then bad allowed_ip', `set=1\npublic_key=${stranger}\nallowed_ip=198.19.5.0/24\nallowed_ip=bogus\n\n`],
    ['replace_peers then bad peer', `set=1\nreplace_peers=true\npublic_key=${peerHex}\nallowed_ip=198.19.9.9/32\nendpoint=bad\n\n`],
  ];
}

async function checkMalformed(t: { diagnostic(msg: string): void }, target: WgInterface, peerPub: string): Promise<void> {
  const before = await showConf(target);
  for (const [what, req, errno] of malformed(hex(peerPub))) {
    const r = await uapiRequest(target.socketPath, req);
    assert.equal(r.errno, errno, `${target.impl}: ${what}`);
    assert.equal(await showConf(target), before, `${target.impl}: ${what} changed the configuration`);
  }
  // An unknown operation: no success reply, nothing changed.
  const junk = await uapiRequest(target.socketPath, 'hello\n\n');
  assert.notEqual(junk.errno, 0, `${target.impl}: unknown operation reported success`);
  assert.equal(await showConf(target), before);

  for (const [what, req] of partlyGood(hex(peerPub))) {
    const r = await uapiRequest(target.socketPath, req);
    assert.ok(r.errno !== null && r.errno < 0, `${target.impl}: ${what}: errno ${r.errno}`);
    const changed = (await showConf(target)) !== before;
    if (target.impl === 'tswg') {
      assert.equal(changed, false, `tswg: ${what} must be applied atomically (nothing changes)`);
    } else {
      // wireguard-go has no rollback (protocol-checklist §10.2); that it
      // changes here proves this check can tell atomic from non-atomic.
      assert.equal(changed, true, `${target.impl}: expected the known partial application for ${what}`);
      t.diagnostic(`${target.impl} partially applied "${what}" (no rollback), as documented`);
      await restore(target, before);
    }
  }

  // The socket still serves well-formed requests, which do take effect.
  const ok = await uapiRequest(target.socketPath, 'set=1\nlisten_port=51821\n\n');
  assert.equal(ok.errno, 0);
  assert.equal((await showStatus(target)).listenPort, 51821);
}

/** Puts a wireguard-go interface back to a showconf snapshot (after a partial apply). */
async function restore(target: WgInterface, conf: string): Promise<void> {
  await target.ns.run(['wg', 'setconf', target.ifname, secretFile(target.ns, 'restore', conf)], { timeoutMs: 10000 });
  assert.equal(await showConf(target), conf, 'restored');
}

for (const [implA, implB] of implPairs()) {
  describe(`interop bad input: ${implA} (initiator) → ${implB}`, () => {
    test('malformed UAPI lines get an errno and change nothing (both sides)', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB, { endpointOnBoth: true });
      await waitForPing(p.a.ns, p.b4);
      await checkMalformed(t, p.a, p.b.keys.publicKey);
      await checkMalformed(t, p.b, p.a.keys.publicKey);
      // Listen ports moved to 51821 on both sides; tell each side where the other is now.
      await p.a.ns.run(['wg', 'set', p.a.ifname, 'peer', p.b.keys.publicKey, 'endpoint', endpointString(p.link.b4, 51821)]);
      await p.b.ns.run(['wg', 'set', p.b.ifname, 'peer', p.a.keys.publicKey, 'endpoint', endpointString(p.link.a4, 51821)]);
      assert.ok(pidAlive(p.a.pid) && pidAlive(p.b.pid), 'both daemons survived');
      // A wireguard-go side that was restored with setconf lost its session
      // while the other side still holds one; pinging from both sides at once
      // lets the side without a session start a handshake right away instead
      // of waiting out the other side's 15 s retry (whitepaper §6.5).
      await Promise.all([waitForPing(p.a.ns, p.b4, 20000), waitForPing(p.b.ns, p.a6, 20000)]);
    });

    test('a garbage UDP flood (20,000 datagrams, IPv4 + IPv6) leaves the tunnel working', async (t) => {
      if (!requireRoot(t, TOOLS)) return;
      const lab = Lab.create(t);
      const p = await makePair(lab, implA, implB);
      await waitForPing(p.a.ns, p.b4);
      // Flood each side from the other's namespace, at its real listen port.
      const [s1, s2, s3, s4] = await Promise.all([
        udpFlood(p.b.ns, p.link.a4, p.a.listenPort, 7500),
        udpFlood(p.b.ns, p.link.a6, p.a.listenPort, 2500),
        udpFlood(p.a.ns, p.link.b4, p.b.listenPort, 7500),
        udpFlood(p.a.ns, p.link.b6, p.b.listenPort, 2500),
      ]);
      assert.equal(s1 + s2 + s3 + s4, 20000);
      assert.ok(pidAlive(p.a.pid), `${implA} survived`);
      assert.ok(pidAlive(p.b.pid), `${implB} survived`);
      const results = await Promise.all([ping(p.a.ns, p.b4), ping(p.b.ns, p.a6), ping(p.a.ns, p.b6)]);
      for (const r of results) assert.equal(r.received, 3, r.output);
      // Neither side mistook garbage for its peer's address.
      assert.equal((await showStatus(p.b)).peers[0]?.endpoint, p.endpointOfA);
      assert.equal((await showStatus(p.a)).peers[0]?.endpoint, p.endpointOfB);
    });
  });
}
