/**
 * Wake-ups for a while after traffic, so the next packet finds the CPU
 * awake. A daemon that sleeps in epoll between packets hands its vCPU back
 * to the hypervisor; the longer it slept, the longer the wake-up took on
 * the 2-vCPU Firecracker/PVM guest the benchmarks run on: the first ping
 * through a tswg↔tswg tunnel after 0.1 s idle took ≈ 1 ms, after 1–1.5 s
 * 2.2–6.3 ms (later pings 0.4–0.9 ms). wireguard-go answered that first
 * ping in 1.0–1.8 ms because the Go runtime keeps waking after activity
 * (≈ 80 wake-ups/s in the first 0.5 s, then 4–5/s, counted from
 * /proc/<pid>/task/*\/status). With a 10 ms tick in both daemons the first
 * ping took 0.65–1.4 ms.
 *
 * So after data-path batches the daemon keeps waking: every 10 ms while
 * traffic flows, then at doubling intervals up to 100 ms, until `lingerMs`
 * pass with no batch; then it sleeps for good (an idle tunnel costs no
 * wake-ups at all). A 10 ms tick throughout cost ≈ 13 ms of CPU per second
 * here (a wake-up of this guest is ≈ 130 µs); at 100 ms, a tenth of that.
 * After 0.1 s asleep the first ping already took only ≈ 1 ms, so the
 * longer steps keep most of the gain. The hot path only sets a flag; the
 * tick does the counting. Timers are unref'd: they never keep a process
 * alive. TSWG_LINGER_MS=0 turns it off.
 */

/** The first tick after traffic: short enough that the vCPU never sleeps long. */
export const LINGER_TICK_MS = 10;
/** Each quiet tick doubles the next interval up to this. */
export const LINGER_MAX_TICK_MS = 100;
/** Default linger: the protocol's own "recently active" span (Keepalive-Timeout, whitepaper §6.5). */
export const DEFAULT_LINGER_MS = 10_000;

/** The timer calls Linger needs (tests pass fakes). */
export interface TimeoutPorts {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const nodeTimeouts: TimeoutPorts = {
  setTimeout: (fn, ms) => {
    const h = setTimeout(fn, ms);
    h.unref();
    return h;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** `lingerMs` from TSWG_LINGER_MS (a whole number of ms ≥ 0), else the default. */
export function lingerFromEnv(value: string | undefined): number {
  if (value === undefined || !/^\d{1,7}$/.test(value.trim())) return DEFAULT_LINGER_MS;
  return Number(value.trim());
}

export class Linger {
  private handle: unknown = null;
  private seen = false;
  private interval = LINGER_TICK_MS;
  /** ms of ticks without traffic since the last one with it. */
  private quietMs = 0;

  constructor(
    private readonly lingerMs: number,
    private readonly ports: TimeoutPorts = nodeTimeouts,
  ) {}

  /** Whether a tick is pending. */
  get running(): boolean {
    return this.handle !== null;
  }

  /** The interval to the pending tick (tests). */
  get nextTickMs(): number {
    return this.interval;
  }

  /** Data-path activity (once per batch). */
  touch(): void {
    this.seen = true;
    if (this.handle === null && this.lingerMs > 0) {
      this.quietMs = 0;
      this.arm(LINGER_TICK_MS);
    }
  }

  /** Stops the ticks now (shutdown). Idempotent; a later touch starts them again. */
  stop(): void {
    if (this.handle === null) return;
    this.ports.clearTimeout(this.handle);
    this.handle = null;
  }

  private arm(ms: number): void {
    this.interval = ms;
    this.handle = this.ports.setTimeout(this.tick, ms);
  }

  private readonly tick = (): void => {
    this.handle = null;
    if (this.seen) {
      this.seen = false;
      this.quietMs = 0;
      this.arm(LINGER_TICK_MS);
      return;
    }
    this.quietMs += this.interval;
    if (this.quietMs < this.lingerMs) this.arm(Math.min(this.interval * 2, LINGER_MAX_TICK_MS));
  };
}
