/**
 * The previous/current/next keypair slots of one peer (whitepaper §5.4.6,
 * §6.1; checklist §5; wireguard-go keypair.go / kernel noise_keypairs).
 * - Sending always uses `current`.
 * - Initiator (response consumed): the new keypair becomes `current` at once.
 * - Responder (response sent): the new keypair waits in `next` and must not
 *   send until key confirmation — the first authenticated transport packet
 *   under it — which rotates previous ← current ← next.
 * A keypair that falls out of every slot is handed to `release` (frees its
 * index-table entry and wipes its keys).
 */
import type { Keypair } from './keypair.js';

export class Keypairs {
  previous: Keypair | null = null;
  current: Keypair | null = null;
  next: Keypair | null = null;

  constructor(private readonly release: (kp: Keypair) => void) {}

  /** Initiator side: install after consuming a response (kernel add_new_keypair, initiator branch). */
  installAsInitiator(kp: Keypair): void {
    const { previous, current, next } = this;
    if (next) {
      // An unconfirmed responder keypair is kept as previous; the old current goes.
      this.next = null;
      this.previous = next;
      if (current) this.release(current);
    } else {
      this.previous = current;
    }
    if (previous) this.release(previous);
    this.current = kp;
  }

  /** Responder side: install after creating a response; current stays untouched. */
  installAsResponder(kp: Keypair): void {
    const { previous, next } = this;
    this.next = kp;
    if (next) this.release(next);
    this.previous = null;
    if (previous) this.release(previous);
  }

  /**
   * Key confirmation (kernel received_with_keypair): if `kp` is `next`, rotate
   * previous ← current ← next and return true; otherwise false.
   */
  confirm(kp: Keypair): boolean {
    if (this.next !== kp) return false;
    const old = this.previous;
    this.previous = this.current;
    if (old) this.release(old);
    this.current = kp;
    this.next = null;
    return true;
  }

  /** Releases every keypair (zero key material, peer stop/removal). */
  clear(): void {
    const { previous, current, next } = this;
    this.previous = this.current = this.next = null;
    if (previous) this.release(previous);
    if (current) this.release(current);
    if (next) this.release(next);
  }
}
