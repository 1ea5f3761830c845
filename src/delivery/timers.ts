/**
 * Real time and timers, as the worker's claim scheduling sees them: the system's in production
 * (`realTimers`), a hand-moved fake in unit tests, so that they check the timing without sleeping.
 */
export interface Timers {
  /** Real time (ms). */
  now(): number;
  /** Calls `fn` once after `ms`; a pending timer does not keep the process alive. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One named timer: armed or not, never two at once. */
export class TimerSlot {
  private handle: unknown = null;

  constructor(private readonly timers: Timers) {}

  get armed(): boolean {
    return this.handle !== null;
  }

  /** Calls `fn` after `ms`, replacing the pending call if there is one. */
  arm(ms: number, fn: () => void): void {
    this.clear();
    this.handle = this.timers.set(() => {
      this.handle = null;
      fn();
    }, ms);
  }

  /** Calls `fn` after `ms` unless a call is pending already (that one stays as it is). */
  armUnlessArmed(ms: number, fn: () => void): void {
    if (!this.armed) this.arm(ms, fn);
  }

  clear(): void {
    if (this.handle === null) return;
    this.timers.clear(this.handle);
    this.handle = null;
  }
}
