// Packet fuzz targets: arbitrary and mutated datagrams into
// Device.receiveDatagram of a device with a live session (live-session.ts).
// Invariants on every input (issue 6 "Fuzzing"; whitepaper §5.3, §5.4.7):
// - nothing throws;
// - exactly one drop counter moves, by one; no other state changes
//   (deviceFingerprint: peers, handshake, keypairs, cookies, timers, index table);
// - nothing is delivered to the TUN and no event is emitted;
// - nothing is transmitted, except — only while under load — one 64-byte
//   cookie reply to the sender, addressed to the message's sender index;
// - memory stays bounded: index table, peer count, rate-limiter entries.
import fc from 'fast-check';
import { buildLiveSession, type LiveSession } from './live-session.js';
import { applyRecipe, recipe, type Recipe } from './mutate.js';
import { deviceContext, deviceFingerprint, dropDelta } from './device-state.js';
import { runProperty, type FuzzTarget } from './target.js';
import { COOKIE_REPLY_SIZE } from '../../src/wire/constants.js';
import { readU32LE } from '../../src/wire/messages.js';
import type { Endpoint } from '../../src/core/endpoint.js';

interface Input {
  readonly data: Uint8Array;
  readonly from: Endpoint;
}

/** Checks one datagram against every invariant; throws an Error describing the first violation. */
export function checkDatagram(s: LiveSession, input: Input, underLoad: boolean): void {
  const dev = s.b.device;
  const peers = [s.peerA, s.idlePeer];
  const before = deviceFingerprint(dev, peers);
  const drops = { ...dev.drops };
  dev.receiveDatagram(input.data, input.from);
  const sent = s.b.sent.splice(0);
  const delivered = s.b.delivered.splice(0);
  const events = s.b.events.splice(0);
  const after = deviceFingerprint(dev, peers);
  if (after !== before) throw new Error(`state changed:\n before ${before}\n after  ${after}`);
  const d = dropDelta(drops, dev.drops);
  if (d.problem !== null) throw new Error(d.problem);
  if (delivered.length > 0) throw new Error(`delivered ${delivered.length} packet(s) to the TUN`);
  if (events.length > 0) throw new Error(`emitted ${events.map((e) => e.type).join(', ')}`);
  if (sent.length > 0) {
    const c = sent[0]!;
    const ok =
      underLoad &&
      sent.length === 1 &&
      d.reason === 'bad-mac2' &&
      c.data.length === COOKIE_REPLY_SIZE &&
      c.data[0] === 3 &&
      c.to.address === input.from.address &&
      c.to.port === input.from.port &&
      readU32LE(c.data, 4) === readU32LE(input.data, 4);
    if (!ok) throw new Error(`transmitted ${sent.length} datagram(s) (first: type ${c.data[0]}, ${c.data.length} bytes)`);
  }
  const ctx = deviceContext(dev);
  if (ctx.index.size !== s.liveIndices.length || dev.peerCount !== 2) throw new Error(`index table ${ctx.index.size}, peers ${dev.peerCount}`);
  const limiter = dev['receiver']['limiter'];
  if (limiter.size > s.sources.length) throw new Error(`rate limiter holds ${limiter.size} entries`);
}

function mutatedInput(s: LiveSession, seeds: readonly Uint8Array[], allowUnmutated = false): fc.Arbitrary<Input> {
  const ctx = { crypto: s.net.crypto, mac1Key: s.mac1Key, liveIndices: s.liveIndices };
  return recipe({ allowUnmutated }).map(
    (r: Recipe) => ({ data: applyRecipe(r, seeds, s.allSeeds, ctx), from: s.sources[r.source % s.sources.length]! }),
    // No unmapper: shrinking works on the recipe, printing shows the datagram.
  );
}

/** Datagrams from nothing: any bytes, or a well-formed header of any type and a plausible size. */
function randomInput(s: LiveSession): fc.Arbitrary<Input> {
  const ctx = { crypto: s.net.crypto, mac1Key: s.mac1Key, liveIndices: s.liveIndices };
  const shaped = fc
    .record({
      type: fc.integer({ min: 0, max: 6 }),
      len: fc.oneof(fc.constantFrom(0, 1, 3, 4, 16, 31, 32, 33, 48, 64, 92, 148, 149), fc.nat(1600)),
      body: fc.uint8Array({ maxLength: 256 }),
    })
    .map(({ type, len, body }) => {
      const b = new Uint8Array(len);
      for (let i = 4; i < len && body.length > 0; i++) b[i] = body[i % body.length]!;
      if (len > 0) b[0] = type;
      return b;
    });
  return fc
    .record({
      data: fc.oneof(fc.uint8Array({ maxLength: 300 }), shaped),
      retarget: fc.oneof(fc.constant(-1), fc.nat()),
      fixMac1: fc.boolean(),
      source: fc.nat(),
    })
    .map(({ data, retarget, fixMac1, source }) => ({
      data: applyRecipe({ seed: 0, ops: [], retarget, fixMac1, source }, [data], s.allSeeds, ctx),
      from: s.sources[source % s.sources.length]!,
    }));
}

function packetTarget(
  name: string,
  description: string,
  input: (s: LiveSession) => fc.Arbitrary<Input>,
  underLoad = false,
): FuzzTarget {
  return {
    name,
    kind: 'packet',
    description,
    run(opts) {
      const s = buildLiveSession();
      if (underLoad) s.b.device.setHandshakeBacklog(1_000_000);
      const before = { ...s.b.device.drops };
      const r = runProperty(
        fc.property(input(s), (i) => checkDatagram(s, i, underLoad)),
        opts,
      );
      // Which drop paths the inputs reached (a coverage proxy for the receive path).
      const reached: Record<string, number> = {};
      for (const [k, v] of Object.entries(s.b.device.drops)) if (v > before[k as keyof typeof before]) reached[k] = v - before[k as keyof typeof before];
      return { ...r, reached };
    },
  };
}

export const PACKET_TARGETS: readonly FuzzTarget[] = [
  packetTarget('packet-random', 'arbitrary bytes and well-formed headers of every type/size', randomInput),
  packetTarget('packet-initiation', 'mutated captured initiations (mac1 optionally recomputed)', (s) => mutatedInput(s, s.seeds.initiation, true)),
  packetTarget('packet-response', 'mutated captured responses, retargeted at the pending handshake', (s) => mutatedInput(s, s.seeds.response, true)),
  packetTarget('packet-cookie', 'mutated captured cookie replies, retargeted at live indices', (s) => mutatedInput(s, s.seeds.cookie, true)),
  packetTarget('packet-transport', 'mutated and replayed transport packets, retargeted at live keypairs', (s) => mutatedInput(s, s.seeds.transport, true)),
  packetTarget('packet-under-load', 'every seed kind mutated while the device is under load (cookie replies allowed)', (s) => mutatedInput(s, s.allSeeds, true), true),
];
