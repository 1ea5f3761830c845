import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { RateLimitRepository } from "../store/store.ts";

interface LocalBucket {
  rate: number;
  /** Tokens taken from the shared bucket and not yet used. */
  tokens: number;
  waiters: (() => void)[];
  refilling: boolean;
}

/**
 * Holds deliveries to a rate-limited endpoint until the endpoint's shared bucket (in the store,
 * so the limit holds across processes) grants them a token. Throttled deliveries wait; they are
 * never failed. Tokens are fetched for all current waiters at once, at most a tenth of a second's
 * worth, so a busy endpoint costs ~10 store round trips a second, not one per delivery, and a
 * process cannot hoard more of the budget than it can use right away.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, LocalBucket>();

  constructor(
    private readonly store: RateLimitRepository,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async acquire(endpointId: string, ratePerSecond: number): Promise<void> {
    let bucket = this.buckets.get(endpointId);
    if (!bucket)
      this.buckets.set(endpointId, (bucket = { rate: ratePerSecond, tokens: 0, waiters: [], refilling: false }));
    bucket.rate = ratePerSecond;
    if (bucket.tokens >= 1 && bucket.waiters.length === 0) {
      bucket.tokens--;
      return;
    }
    await new Promise<void>((resolve) => {
      bucket.waiters.push(resolve);
      void this.refill(endpointId, bucket);
    });
  }

  private async refill(endpointId: string, bucket: LocalBucket): Promise<void> {
    if (bucket.refilling) return;
    bucket.refilling = true;
    try {
      while (bucket.waiters.length > 0) {
        while (bucket.tokens >= 1 && bucket.waiters.length > 0) {
          bucket.tokens--;
          bucket.waiters.shift()!();
        }
        if (bucket.waiters.length === 0) break;
        const want = Math.min(bucket.waiters.length, Math.max(1, Math.ceil(bucket.rate / 10)));
        let waitMs = 0;
        try {
          const grant = await this.store.take(endpointId, bucket.rate, want, this.clock.now());
          bucket.tokens += grant.granted;
          waitMs = grant.granted > 0 ? 0 : grant.waitMs;
        } catch (error) {
          // The store is unavailable: wait and ask again rather than sending unthrottled.
          this.log.warn({ err: error, endpointId }, "rate limit bucket unavailable; retrying");
          waitMs = 1000;
        }
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.max(5, waitMs)));
      }
    } finally {
      bucket.refilling = false;
      if (bucket.waiters.length === 0 && bucket.tokens < 1) this.buckets.delete(endpointId);
    }
  }
}
