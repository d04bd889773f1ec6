/**
 * In-process subscription to portal events: a typed emitter (`on('connect',
 * fn)`) and async iterators, for programs that embed tswg without the CLI.
 * Listeners run synchronously after the event is queued for delivery; a
 * throwing listener is reported to `onListenerError` and never reaches the
 * data path. Iterators buffer at most `highWaterMark` events and then drop the
 * oldest (counted in `dropped`), so a stalled consumer cannot grow memory.
 *
 * Example (the README quotes this):
 *   const pipeline = await createEventPipeline({ ifname: 'wg0', config });
 *   pipeline.events.on('connect', (ev) => console.log('up', ev.identifier, ev.tswg.allowedIps));
 *   for await (const ev of pipeline.events.stream()) console.log(ev.event, ev.identifier);
 */
import type { PortalEnvelope, PortalEventName } from './portal-event.js';

/** 'event' receives every event; the others receive events with that name. */
export type PortalEventType = PortalEventName | 'event';
export type PortalListener = (ev: PortalEnvelope) => void;

export class PortalEventEmitter {
  private readonly listeners = new Map<PortalEventType, PortalListener[]>();
  private readonly streams = new Set<EventStream>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => undefined) {}

  on(type: PortalEventType, fn: PortalListener): this {
    const list = this.listeners.get(type) ?? [];
    list.push(fn);
    this.listeners.set(type, list);
    return this;
  }

  once(type: PortalEventType, fn: PortalListener): this {
    const wrapper: PortalListener = (ev) => {
      this.off(type, wrapper);
      fn(ev);
    };
    return this.on(type, wrapper);
  }

  off(type: PortalEventType, fn: PortalListener): this {
    const list = this.listeners.get(type);
    if (list) {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  /** An async iterator of events from now on; optionally only some event names. Ends on close() or break. */
  stream(opts: { types?: readonly PortalEventName[]; highWaterMark?: number } = {}): EventStream {
    const s = new EventStream(opts.types ?? null, opts.highWaterMark ?? 10_000, (x) => this.streams.delete(x));
    this.streams.add(s);
    return s;
  }

  /** True while any listener or stream would receive an event (the pipeline skips building events nobody reads). */
  hasSubscribers(): boolean {
    if (this.streams.size > 0) return true;
    for (const list of this.listeners.values()) if (list.length > 0) return true;
    return false;
  }

  /** Delivers one event to listeners and streams. Never throws. */
  emit(ev: PortalEnvelope): void {
    for (const type of [ev.event, 'event'] as const) {
      const list = this.listeners.get(type);
      if (!list) continue;
      for (const fn of [...list]) {
        try {
          fn(ev);
        } catch (err) {
          this.onListenerError(err);
        }
      }
    }
    for (const s of this.streams) s.push(ev);
  }

  /** Ends every stream (their for-await loops finish). */
  close(): void {
    for (const s of [...this.streams]) s.end();
  }
}

export class EventStream implements AsyncIterableIterator<PortalEnvelope> {
  private readonly buffer: PortalEnvelope[] = [];
  private waiter: ((r: IteratorResult<PortalEnvelope>) => void) | undefined;
  private ended = false;
  /** Events discarded because the consumer fell more than highWaterMark behind. */
  dropped = 0;

  constructor(
    private readonly types: readonly PortalEventName[] | null,
    private readonly highWaterMark: number,
    private readonly onEnd: (s: EventStream) => void,
  ) {}

  push(ev: PortalEnvelope): void {
    if (this.ended || (this.types && !this.types.includes(ev.event))) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: ev, done: false });
      return;
    }
    if (this.buffer.length >= this.highWaterMark) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(ev);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<PortalEnvelope>> {
    const ev = this.buffer.shift();
    if (ev) return Promise.resolve({ value: ev, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<PortalEnvelope>> {
    this.end();
    this.buffer.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
