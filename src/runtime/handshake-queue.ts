/**
 * Handshake messages wait here instead of being processed inline, so a flood
 * of initiations (each costs several X25519 operations) cannot starve the
 * transport data path: the queue is drained a few messages per event-loop
 * turn with setImmediate, interleaved with socket and TUN reads. Its length
 * is the "handshake backlog" that puts the device under load (whitepaper
 * §5.3, wireguard-go's QueueHandshakeSize/8 rule). When full, new messages
 * are dropped and counted — never queued without bound.
 * The top quarter is reserved for sources with nothing queued (an IPv4
 * address or an IPv6 /64, as the rate limiter keys them): a flood from a few
 * sources that fills the queue can then not lock a legitimate peer's
 * initiation — or its mac2 retry after a cookie — out for as long as the
 * flood lasts (test/floods/handshake-queue.test.ts, handshake-flood.test.ts).
 */
import type { Endpoint } from '../core/endpoint.js';
import { isIpv4Mapped, parseIp } from '../util/ip.js';

/** Fairness key: the IPv4 address, or the IPv6 /64 (one host usually owns a whole /64). */
function sourceKey(address: string): string {
  if (!address.includes(':')) return address;
  const ip = parseIp(address);
  if (ip === null || ip.length !== 16) return address;
  if (isIpv4Mapped(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
  return String.fromCharCode((ip[0]! << 8) | ip[1]!, (ip[2]! << 8) | ip[3]!, (ip[4]! << 8) | ip[5]!, (ip[6]! << 8) | ip[7]!);
}

export class HandshakeQueue {
  private readonly items: { data: Uint8Array; from: Endpoint; key: string }[] = [];
  /** Queued messages per source key; at most `limit` entries. */
  private readonly perSource = new Map<string, number>();
  private readonly reserveFrom: number;
  private head = 0;
  private scheduled = false;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(
    private readonly process: (data: Uint8Array, from: Endpoint) => void,
    private readonly onBacklog: (n: number) => void,
    private readonly limit = 4096,
    private readonly perTurn = 16,
  ) {
    this.reserveFrom = Math.floor((limit * 3) / 4);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: Uint8Array, from: Endpoint): void {
    const length = this.length;
    if (length >= this.limit) {
      this.dropped++;
      return;
    }
    const key = sourceKey(from.address);
    const queued = this.perSource.get(key) ?? 0;
    if (length >= this.reserveFrom && queued > 0) {
      this.dropped++;
      return;
    }
    this.perSource.set(key, queued + 1);
    this.items.push({ data, from, key });
    this.onBacklog(this.length);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drain);
    }
  }

  clear(): void {
    this.items.length = 0;
    this.perSource.clear();
    this.head = 0;
    this.onBacklog(0);
  }

  private readonly drain = (): void => {
    this.scheduled = false;
    const end = Math.min(this.items.length, this.head + this.perTurn);
    while (this.head < end) {
      const it = this.items[this.head]!;
      this.items[this.head++] = undefined as never;
      const left = (this.perSource.get(it.key) ?? 1) - 1;
      if (left > 0) this.perSource.set(it.key, left);
      else this.perSource.delete(it.key);
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
