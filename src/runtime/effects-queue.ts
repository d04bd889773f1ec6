/**
 * The Effects sink of a running interface (core/effects.ts): datagrams to
 * send and packets to deliver are queued while one batch (a TUN read, a UDP
 * recvmmsg, a timer tick) runs through the core, then handed to the owner's
 * drain once, in a microtask right after the batch, so consecutive datagrams
 * to one endpoint leave in one sendmmsg and decrypted packets in one TUN
 * write. Order is kept within each queue. A caller that owns a batch
 * boundary (the TUN and UDP readers) brackets it with beginBatch/endBatch
 * instead, and the drain runs synchronously at its end: a profile of a
 * sparse flow (one ping every 10 ms) showed queueMicrotask with its
 * async-hooks bookkeeping at ≈ 13 µs per batch.
 *
 * One class for the daemon and the data-path warm-up (jit-warmup.ts) on
 * purpose: the core calls `effects.transmit/deliver` from its hottest
 * functions, and V8 specialises those call sites on what it saw. Per-daemon
 * closures (the previous design) looked like a new call target to the
 * optimised code at the first real packet and threw it away ("wrong
 * feedback cell" deopts, seen with --trace-deopt); prototype methods of one
 * class are the same target everywhere.
 */
import type { Effects } from '../core/effects.js';
import type { Endpoint } from '../core/endpoint.js';
import type { DeviceEvent } from '../core/events.js';
import { objectArray } from '../util/object-array.js';

export class EffectsQueue implements Effects {
  /** Destinations and datagrams, index-aligned, in the order the core sent them. */
  txTo = objectArray<Endpoint>();
  txData = objectArray<Uint8Array>();
  /** Decrypted packets for the TUN, in order. */
  rx = objectArray<Uint8Array>();
  private scheduled = false;
  private inBatch = false;

  /**
   * @param drain called once per batch with this queue; it takes what it
   *   needs (takeTx/takeRx) — whatever it leaves stays queued.
   * @param onEvent receives every DeviceEvent at once (events are rare and
   *   are not batched).
   */
  constructor(
    private readonly drain: (q: EffectsQueue) => void,
    private readonly onEvent: (ev: DeviceEvent) => void,
  ) {}

  transmit(to: Endpoint, datagram: Uint8Array): void {
    this.txTo.push(to);
    this.txData.push(datagram);
    if (!this.scheduled && !this.inBatch) this.schedule();
  }

  deliver(packet: Uint8Array): void {
    this.rx.push(packet);
    if (!this.scheduled && !this.inBatch) this.schedule();
  }

  emit(ev: DeviceEvent): void {
    this.onEvent(ev);
  }

  /** Moves the queued datagrams out (fresh arrays stay behind for the next batch). */
  takeTx(): { to: Endpoint[]; data: Uint8Array[] } {
    const out = { to: this.txTo, data: this.txData };
    this.txTo = objectArray();
    this.txData = objectArray();
    return out;
  }

  /** Moves the queued packets out. */
  takeRx(): Uint8Array[] {
    const out = this.rx;
    this.rx = objectArray();
    return out;
  }

  /** Effects from now on wait for endBatch instead of a microtask. */
  beginBatch(): void {
    this.inBatch = true;
  }

  /** Ends a batch: drains what it produced, now. Call it in a finally block. */
  endBatch(): void {
    this.inBatch = false;
    if (this.txData.length > 0 || this.rx.length > 0) this.drain(this);
  }

  /** Drains now instead of in the microtask (the warm-up's synchronous hand-over). */
  drainNow(): void {
    this.drain(this);
  }

  private schedule(): void {
    this.scheduled = true;
    queueMicrotask(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.drain(this);
  };
}
