import type { RateGrant } from "../store.ts";

/**
 * Token-bucket arithmetic shared by the stores: refill since the last take at `rate` per second,
 * capped at one second's worth, then grant whole tokens up to `want`.
 */
export function refillAndTake(
  bucket: { tokens: number; refilledAt: number } | undefined,
  rate: number,
  want: number,
  now: number,
): { tokens: number; grant: RateGrant } {
  const elapsed = bucket ? Math.max(0, now - bucket.refilledAt) : 0;
  const available = bucket ? Math.min(rate, bucket.tokens + (elapsed * rate) / 1000) : rate;
  const granted = Math.max(0, Math.min(want, Math.floor(available)));
  const left = available - granted;
  const waitMs = granted > 0 ? 0 : Math.ceil(((1 - left) * 1000) / rate);
  return { tokens: left, grant: { granted, waitMs } };
}
