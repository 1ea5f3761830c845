/**
 * When to try again. The schedule lists seconds to wait before each retry after the immediate
 * first attempt; every delay gets ±20% jitter so that a burst of failures against one endpoint
 * does not come back as one synchronised burst.
 */
export const JITTER = 0.2;

/** Delay before the retry that follows `attemptsMade` attempts, or null once the schedule is spent. */
export function retryDelayMs(
  schedule: number[],
  attemptsMade: number,
  random: () => number = Math.random,
): number | null {
  const base = schedule[attemptsMade - 1];
  if (base === undefined) return null;
  const factor = 1 - JITTER + 2 * JITTER * random();
  return Math.round(base * 1000 * factor);
}

/** Upper bound on honouring Retry-After, so a typo like `Retry-After: 99999999` cannot park a delivery for years. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns the wait
 * in milliseconds from `now`, or null when absent or unparsable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return null;
  const trimmed = v.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.min(Math.ceil(Number(trimmed)) * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}
