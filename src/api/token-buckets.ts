/**
 * Per-token API rate limiting in this process: each token may make `rate` requests a second with
 * a burst of one second's worth. Returns 0 when a request may go ahead, else the milliseconds until
 * it could (for Retry-After). A rate of 0 turns the limit off.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly rate: number) {}

  take(principal: string, now: number = Date.now()): number {
    if (this.rate === 0) return 0;
    let bucket = this.buckets.get(principal);
    if (!bucket) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      this.buckets.set(principal, (bucket = { tokens: this.rate, at: now }));
    }
    // A clock stepped back (NTP, an injected clock) refills nothing; before, it drained the bucket
    // by the whole step and refused every request until the clock caught up.
    bucket.tokens = Math.min(this.rate, bucket.tokens + (Math.max(0, now - bucket.at) * this.rate) / 1000);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.rate);
  }
}
