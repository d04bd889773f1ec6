// A manual clock for sans-IO tests: time moves only when the test says so.
import type { Clock } from '../../src/util/ports.js';

export class FakeClock implements Clock {
  private mono: number;
  private wall: number;
  constructor(startWallMs = Date.UTC(2026, 0, 1), startMonoMs = 1_000_000) {
    this.wall = startWallMs;
    this.mono = startMonoMs;
  }
  now(): number {
    return this.mono;
  }
  wallNow(): number {
    return this.wall;
  }
  /** Moves both clocks forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('time only moves forward');
    this.mono += ms;
    this.wall += ms;
  }
}
