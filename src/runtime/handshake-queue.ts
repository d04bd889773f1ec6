/**
 * Handshake messages wait here instead of being processed inline, so a flood
 * of initiations (each costs several X25519 operations) cannot starve the
 * transport data path: the queue is drained a few messages per event-loop
 * turn with setImmediate, interleaved with socket and TUN reads. Its length
 * is the "handshake backlog" that puts the device under load (whitepaper
 * §5.3, wireguard-go's QueueHandshakeSize/8 rule). When full, new messages
 * are dropped and counted — never queued without bound.
 */
import type { Endpoint } from '../core/endpoint.js';

export class HandshakeQueue {
  private readonly items: { data: Uint8Array; from: Endpoint }[] = [];
  private head = 0;
  private scheduled = false;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly process: (data: Uint8Array, from: Endpoint) => void,
    private readonly onBacklog: (n: number) => void,
    private readonly limit = 4096,
    private readonly perTurn = 16,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: Uint8Array, from: Endpoint): void {
    if (this.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.items.push({ data, from });
    this.onBacklog(this.length);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
    this.onBacklog(0);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const end = Math.min(this.items.length, this.head + this.perTurn);
    while (this.head < end) {
      const it = this.items[this.head]!;
      this.items[this.head++] = undefined as never;
      this.process(it.data, it.from);
    }
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    this.onBacklog(this.length);
    if (this.length > 0) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  };
}
