/**
 * Packets waiting for a usable session (whitepaper §6.2 "handshake
 * initiation ... queued packets"; kernel MAX_STAGED_PACKETS = 128).
 * A fixed ring: when full, the oldest packet is dropped (the caller counts
 * 'staged-overflow'), matching the kernel's and wireguard-go's behaviour.
 */
export class StagedQueue {
  // Allocated on first use and dropped by clear(): most of a large server's
  // peers never stage a packet, and 128 slots are ≈ 1 KB per peer.
  private ring: (Uint8Array | undefined)[] | null = null;
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {}

  private slots(): (Uint8Array | undefined)[] {
    return (this.ring ??= new Array<Uint8Array | undefined>(this.capacity));
  }

  get length(): number {
    return this.count;
  }

  /** Appends a packet; returns true when the oldest one had to be dropped to make room. */
  push(packet: Uint8Array): boolean {
    let dropped = false;
    const ring = this.slots();
    if (this.count === this.capacity) {
      ring[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      dropped = true;
    }
    ring[(this.head + this.count) % this.capacity] = packet;
    this.count++;
    return dropped;
  }

  /** Puts a packet back at the front (it could not be sent after all). */
  unshift(packet: Uint8Array): boolean {
    if (this.count === this.capacity) return false;
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.slots()[this.head] = packet;
    this.count++;
    return true;
  }

  /** Removes and returns the oldest packet. */
  shift(): Uint8Array | undefined {
    const ring = this.ring;
    if (this.count === 0 || ring === null) return undefined;
    const p = ring[this.head];
    ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return p;
  }

  clear(): void {
    this.ring = null;
    this.head = 0;
    this.count = 0;
  }
}
