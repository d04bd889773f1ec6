// A Scheduler driven by a FakeClock: timers fire only when the test advances
// time, in deadline order, each with the clock set to its own deadline.
import type { FakeClock } from '../helpers/fake-clock.js';
import type { CancelTimer, Scheduler } from '../../src/events/ports.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  live: boolean;
}

export class FakeScheduler implements Scheduler {
  private timers: Timer[] = [];
  private seq = 0;
  constructor(readonly clock: FakeClock) {}

  setTimer(delayMs: number, fn: () => void): CancelTimer {
    const t: Timer = { at: this.clock.now() + Math.max(0, delayMs), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }

  /** Number of armed timers. */
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }

  /** Moves time forward by `ms`, firing due timers in order (bounded: at most 100000 firings). */
  advance(ms: number): void {
    const end = this.clock.now() + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      this.timers = this.timers.filter((t) => t.live);
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      if (due.at > this.clock.now()) this.clock.advance(due.at - this.clock.now());
      due.live = false;
      due.fn();
    }
    if (end > this.clock.now()) this.clock.advance(end - this.clock.now());
  }
}
