// Datagram mutations for the packet fuzz targets, as fast-check arbitraries.
// A mutation is a plain-data recipe (which seed, which operations with which
// numbers) applied at check time, so fast-check can print and shrink it:
// bit flips, byte overwrites, truncation, extension, splicing two seeds,
// header-type swaps, and two "attacker knows the public key" fix-ups —
// retargeting the receiver index at one of B's live indices and recomputing
// mac1 (whitepaper §5.4.4: mac1 only proves knowledge of B's public key).
import fc from 'fast-check';
import type { CryptoProvider } from '../../src/crypto/provider.js';
import { mac } from '../../src/crypto/kdf.js';
import { INITIATION_MAC1_OFFSET, RESPONSE_MAC1_OFFSET, writeU32LE } from '../../src/wire/messages.js';
import { INITIATION_SIZE, RESPONSE_SIZE } from '../../src/wire/constants.js';

export type MutationOp =
  | { readonly op: 'flip'; readonly bits: readonly number[] }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly keep: number }
  | { readonly op: 'extend'; readonly tail: Uint8Array }
  | { readonly op: 'splice'; readonly other: number; readonly cut: number }
  | { readonly op: 'type'; readonly value: number }
  | { readonly op: 'zero-range'; readonly at: number; readonly len: number };

export interface Recipe {
  readonly seed: number;
  readonly ops: readonly MutationOp[];
  /** Index into the live indices to write into the receiver field, or -1. */
  readonly retarget: number;
  readonly fixMac1: boolean;
  readonly source: number;
}

const interesting = fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xfe, 0xff);

export const mutationOp: fc.Arbitrary<MutationOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), bits: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.oneof(interesting, fc.nat(255)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), keep: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('extend' as const), tail: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('splice' as const), other: fc.nat(), cut: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('type' as const), value: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.nat(255)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('zero-range' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 48 }) }) },
);

/** A recipe over `seedCount` seeds, `liveCount` live indices and `sourceCount` sources. */
export function recipe(opts: { maxOps?: number; allowUnmutated?: boolean } = {}): fc.Arbitrary<Recipe> {
  return fc.record({
    seed: fc.nat(),
    ops: fc.array(mutationOp, { minLength: opts.allowUnmutated ? 0 : 1, maxLength: opts.maxOps ?? 4 }),
    retarget: fc.oneof({ weight: 2, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat() }),
    fixMac1: fc.boolean(),
    source: fc.nat(),
  });
}

function applyOp(buf: Uint8Array, op: MutationOp, pool: readonly Uint8Array[]): Uint8Array {
  switch (op.op) {
    case 'flip': {
      if (buf.length === 0) return buf;
      const out = buf.slice();
      for (const b of op.bits) {
        const bit = b % (out.length * 8);
        out[bit >> 3]! ^= 1 << (bit & 7);
      }
      return out;
    }
    case 'set': {
      if (buf.length === 0) return buf;
      const out = buf.slice();
      out[op.at % out.length] = op.value & 0xff;
      return out;
    }
    case 'truncate':
      return buf.slice(0, op.keep % (buf.length + 1));
    case 'extend': {
      const out = new Uint8Array(buf.length + op.tail.length);
      out.set(buf);
      out.set(op.tail, buf.length);
      return out;
    }
    case 'splice': {
      const other = pool[op.other % pool.length]!;
      const cut = op.cut % (Math.min(buf.length, other.length) + 1);
      const out = new Uint8Array(other.length);
      out.set(buf.subarray(0, cut));
      out.set(other.subarray(cut), cut);
      return out;
    }
    case 'type': {
      if (buf.length === 0) return buf;
      const out = buf.slice();
      out[0] = op.value & 0xff;
      return out;
    }
    case 'zero-range': {
      if (buf.length === 0) return buf;
      const out = buf.slice();
      const at = op.at % out.length;
      out.fill(0, at, Math.min(out.length, at + op.len));
      return out;
    }
  }
}

export interface MutationContext {
  readonly crypto: CryptoProvider;
  readonly mac1Key: Uint8Array;
  readonly liveIndices: readonly number[];
}

/** Builds the datagram a recipe describes from `seeds` (a fresh array; seeds are never modified). */
export function applyRecipe(r: Recipe, seeds: readonly Uint8Array[], pool: readonly Uint8Array[], ctx: MutationContext): Uint8Array {
  let buf: Uint8Array = seeds[r.seed % seeds.length]!.slice();
  for (const op of r.ops) buf = applyOp(buf, op, pool);
  if (r.retarget >= 0 && buf.length >= 12) {
    const idx = ctx.liveIndices[r.retarget % ctx.liveIndices.length]!;
    // Receiver index: offset 8 in a response, offset 4 in a cookie reply / transport message.
    writeU32LE(buf, buf[0] === 2 ? 8 : 4, idx);
  }
  if (r.fixMac1) {
    const off = buf.length === INITIATION_SIZE ? INITIATION_MAC1_OFFSET : buf.length === RESPONSE_SIZE ? RESPONSE_MAC1_OFFSET : -1;
    if (off > 0) buf.set(mac(ctx.crypto, ctx.mac1Key, buf.subarray(0, off)), off);
  }
  return buf;
}
