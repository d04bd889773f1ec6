/**
 * One transport session (whitepaper §5.4.6): send key + counter, receive key +
 * replay filter, birth time, role and the two indices. Sealing and opening
 * transport messages live here; which keypair to use (previous/current/next)
 * is keypairs.ts's job, and timers/rekeying are peer-level concerns.
 * The send counter is kept as two u32 halves so the data path never touches
 * bigint; bigint appears only at the boundary (tests, expiry, the replay filter).
 */
import type { CryptoProvider } from '../crypto/provider.js';
import { wipe } from '../util/bytes.js';
import {
  AEAD_TAG_SIZE,
  MESSAGE_TRANSPORT,
  PADDING_MULTIPLE,
  REJECT_AFTER_MESSAGES,
  REKEY_AFTER_MESSAGES,
  TRANSPORT_HEADER_SIZE,
} from '../wire/constants.js';
import { readU32LE, writeU32LE } from '../wire/messages.js';
import { ReplayFilter } from './replay.js';
import { DatagramSlab } from './datagram-slab.js';

const TWO_32 = 0x1_0000_0000;
/** Shared by every keypair: datagrams of one turn sit side by side (datagram-slab.ts). */
const slab = new DatagramSlab();
const REJECT_HI = Number(REJECT_AFTER_MESSAGES >> 32n);
const REJECT_LO = Number(REJECT_AFTER_MESSAGES & 0xffff_ffffn);
const REKEY_HI = Number(REKEY_AFTER_MESSAGES >> 32n);
const REKEY_LO = Number(REKEY_AFTER_MESSAGES & 0xffff_ffffn);

/** The keys a completed handshake hands over (structurally B1's SessionKeys). */
export interface SessionKeyMaterial {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly isInitiator: boolean;
  readonly localIndex: number;
  readonly remoteIndex: number;
}

/**
 * Plaintext length after padding (whitepaper §5.4.6: pad to a multiple of 16),
 * capped at the MTU like wireguard-go calculatePaddingSize / kernel
 * calculate_skb_padding (checklist §2.4, including the mtu 0 and len > mtu cases).
 */
export function paddedLength(len: number, mtu: number): number {
  const round = (n: number): number => Math.ceil(n / PADDING_MULTIPLE) * PADDING_MULTIPLE;
  if (mtu <= 0) return round(len);
  let last = len;
  if (last > mtu) last %= mtu;
  let padded = round(last);
  if (padded > mtu) padded = mtu;
  return len + (padded - last);
}

export class Keypair {
  readonly sendKey: Uint8Array;
  readonly receiveKey: Uint8Array;
  readonly isInitiator: boolean;
  readonly localIndex: number;
  readonly remoteIndex: number;
  /** Monotonic ms when the keys were derived (keypair age for REKEY/REJECT_AFTER_TIME). */
  readonly birth: number;
  readonly replay = new ReplayFilter();
  // Next counter to use, as hi:lo u32 halves.
  private sendHi = 0;
  private sendLo = 0;
  // Reused nonce buffers: 4 zero bytes ‖ 64-bit LE counter (whitepaper §5.4.6).
  private readonly sendNonce = new Uint8Array(12);
  private readonly recvNonce = new Uint8Array(12);

  constructor(keys: SessionKeyMaterial, birth: number) {
    this.sendKey = keys.sendKey;
    this.receiveKey = keys.receiveKey;
    this.isInitiator = keys.isInitiator;
    this.localIndex = keys.localIndex;
    this.remoteIndex = keys.remoteIndex;
    this.birth = birth;
  }

  /** The next send counter (bigint boundary view). */
  get sendCounter(): bigint {
    return (BigInt(this.sendHi) << 32n) | BigInt(this.sendLo);
  }

  /** Sets the next send counter; ExpireCurrentKeypairs parks it at REJECT_AFTER_MESSAGES. */
  setSendCounter(v: bigint): void {
    this.sendHi = Number((v >> 32n) & 0xffff_ffffn);
    this.sendLo = Number(v & 0xffff_ffffn);
  }

  /** No further packet may be sent (counter reached REJECT_AFTER_MESSAGES, whitepaper §6.1). */
  get isSendExhausted(): boolean {
    return this.sendHi > REJECT_HI || (this.sendHi === REJECT_HI && this.sendLo >= REJECT_LO);
  }

  /** Send counter passed REKEY_AFTER_MESSAGES (wireguard-go keepKeyFreshSending: nonce > RekeyAfterMessages). */
  get needsRekeyByMessages(): boolean {
    return this.sendHi > REKEY_HI || (this.sendHi === REKEY_HI && this.sendLo > REKEY_LO);
  }

  /**
   * Encrypts one IP packet (or an empty keepalive) into a fresh transport
   * datagram under the next counter; null when the counter is exhausted.
   * The packet is copied once into the datagram and encrypted in place.
   */
  seal(p: CryptoProvider, packet: Uint8Array, mtu: number): Uint8Array | null {
    if (this.isSendExhausted) return null;
    const plen = packet.length === 0 ? 0 : paddedLength(packet.length, mtu);
    const out = slab.take(TRANSPORT_HEADER_SIZE + plen + AEAD_TAG_SIZE);
    const hi = this.sendHi;
    const lo = this.sendLo;
    out[0] = MESSAGE_TRANSPORT;
    writeU32LE(out, 4, this.remoteIndex);
    writeU32LE(out, 8, lo);
    writeU32LE(out, 12, hi);
    const nonce = this.sendNonce;
    writeU32LE(nonce, 4, lo);
    writeU32LE(nonce, 8, hi);
    out.set(packet, TRANSPORT_HEADER_SIZE);
    p.chacha20Poly1305Seal(
      this.sendKey,
      nonce,
      out.subarray(TRANSPORT_HEADER_SIZE, TRANSPORT_HEADER_SIZE + plen),
      undefined,
      out.subarray(TRANSPORT_HEADER_SIZE),
    );
    if (lo === 0xffff_ffff) {
      this.sendLo = 0;
      this.sendHi = hi + 1;
    } else {
      this.sendLo = lo + 1;
    }
    return out;
  }

  /**
   * Decrypts a transport datagram (already classified, ≥ 32 bytes, receiver
   * index matched). Returns the padded plaintext (fresh array) or null on a
   * bad tag. The replay check is the caller's, after this succeeds.
   */
  open(p: CryptoProvider, datagram: Uint8Array): Uint8Array | null {
    const nonce = this.recvNonce;
    // The header's 8 counter bytes are exactly the nonce's last 8 bytes.
    nonce.set(datagram.subarray(8, 16), 4);
    return p.chacha20Poly1305Open(this.receiveKey, nonce, datagram.subarray(TRANSPORT_HEADER_SIZE));
  }

  /** Erases the keys (best effort under a garbage collector, as wireguard-go admits). */
  wipe(): void {
    wipe(this.sendKey);
    wipe(this.receiveKey);
    this.sendHi = REJECT_HI;
    this.sendLo = REJECT_LO;
  }
}

/**
 * Settles Keypair's field layout once, at load. V8 stores a numeric field as
 * a small integer until a value outside ±2^30 arrives, then changes the
 * class's layout and throws away code optimised for the old one. Session
 * indices are random u32s and wipe()/ExpireCurrentKeypairs park the send
 * counter at REJECT_AFTER_MESSAGES (2^64 − 2^13 − 1, halves ≈ 2^32), so
 * that change came at the first wipe — the end of the data-path warm-up
 * (runtime/jit-warmup.ts) — and cost a deoptimisation of the whole data
 * path at the first real packet (--trace-deopt: "wrong map" in seal/open).
 * One throw-away keypair with such values fixes the layout before any
 * code is optimised. Its keys are fresh zero arrays, wiped again.
 *
 * It must stay alive: V8 keeps a class's layouts only while some object
 * uses them. A keypair dropped at once let the first GC forget the settled
 * layout, the warm-up rebuilt it with small-integer counters, and its final
 * wipe changed it again — the same deoptimisation, at the first real
 * packet (--log-maps showed the Keypair layouts rebuilt between load and
 * warm-up). Exported so that V8 keeps it in the module's context; a
 * module-local constant read by no function is a stack slot of the
 * module's top-level code and dies with it.
 */
function settleLayout(): Keypair {
  const kp = new Keypair(
    { sendKey: new Uint8Array(32), receiveKey: new Uint8Array(32), isInitiator: false, localIndex: 0xffff_ffff, remoteIndex: 0xffff_ffff },
    0.5,
  );
  kp.wipe();
  return kp;
}
/** The settled-layout keypair (wiped), kept alive for the reason above. */
export const layoutAnchor: readonly Keypair[] = [settleLayout()];

/** The 64-bit counter of a transport datagram as a bigint (for the replay filter). */
export function transportCounter(datagram: Uint8Array): bigint {
  const lo = readU32LE(datagram, 8);
  const hi = readU32LE(datagram, 12);
  if (hi < 0x20_0000) return BigInt(hi * TWO_32 + lo); // < 2^53: exact as a number
  return (BigInt(hi) << 32n) | BigInt(lo);
}
