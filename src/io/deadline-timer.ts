/**
 * The one timer the daemon keeps (design.md "Layers"): the sans-IO core
 * stores its timers as deadlines; this arms a single setTimeout at the
 * earliest one and calls back when it is due. Nothing polls. Callers re-arm
 * after every entry point, and most packets only push a deadline later (the
 * keepalive and new-handshake timers of whitepaper §6.5 restart on traffic),
 * so re-arming to the same or a later deadline keeps the armed setTimeout: it
 * fires early, the callback finds nothing due and re-arms at the real
 * deadline. That is one spare wake-up per deadline instead of a
 * clearTimeout + setTimeout pair per packet batch.
 */
export class DeadlineTimer {
  private handle: NodeJS.Timeout | null = null;
  private armedAt = Infinity;

  /**
   * @param now monotonic clock (ms), the same one the core uses
   * @param onDue called when the armed deadline has passed
   */
  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
  ) {}

  /**
   * Arms the timer at `deadline` (monotonic ms), or disarms it when
   * undefined. `onDue` may run before `deadline` (never after it, beyond
   * setTimeout's own lateness) and must re-arm.
   */
  arm(deadline: number | undefined): void {
    if (deadline === undefined) {
      this.cancel();
      return;
    }
    // Same or later: the armed timer fires first and the callback re-arms.
    if (this.handle !== null && deadline >= this.armedAt) return;
    this.cancel();
    this.armedAt = deadline;
    // setTimeout has 1 ms resolution and may fire a little early relative to
    // performance.now(); the callback re-arms if nothing was due yet.
    const delay = Math.max(0, Math.ceil(deadline - this.now()));
    this.handle = setTimeout(this.fire, Math.min(delay, 0x7fffffff));
    this.handle.unref();
  }

  cancel(): void {
    if (this.handle !== null) clearTimeout(this.handle);
    this.handle = null;
    this.armedAt = Infinity;
  }

  private readonly fire = (): void => {
    this.handle = null;
    this.armedAt = Infinity;
    this.onDue();
  };
}
