/**
 * Deliveries this process has taken on whose request is not on the wire yet: what a long
 * synchronous piece of background work (a SQLite retention batch holds the event loop ~2 ms)
 * would delay if it started now. Background work asks `whenIdle` first, so a webhook accepted a
 * moment ago reaches its receiver before the batch runs instead of after it. "On the wire" is the
 * executor's call (attempt-executor.ts): answered, or out for a millisecond.
 */
export class PendingSends {
  private readonly ids = new Set<string>();
  private waiters: (() => void)[] = [];

  add(id: string): void {
    this.ids.add(id);
  }

  /** The delivery's request was issued (or it will not be sent): it no longer waits on the event loop. */
  done(id: string): void {
    if (!this.ids.delete(id) || this.ids.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  get size(): number {
    return this.ids.size;
  }

  /**
   * Resolves once no delivery waits to be sent, or after `maxWaitMs` if they keep coming (a
   * process at full speed is never idle, and background work must still progress). It resolves
   * after the immediates already queued (where undici writes requests), and true when it found
   * the process idle.
   */
  async whenIdle(maxWaitMs: number): Promise<boolean> {
    const deadline = performance.now() + maxWaitMs;
    for (;;) {
      if (this.ids.size === 0) {
        await afterPendingImmediates();
        if (this.ids.size === 0) return true;
      }
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== wake);
          resolve();
        }, left);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        this.waiters.push(wake);
      });
    }
  }
}

const afterPendingImmediates = () => new Promise<void>((resolve) => setImmediate(resolve));
