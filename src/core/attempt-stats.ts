import { DeliveryStatus, type Attempt, type ErrorKind } from "./entities.ts";
import { idTimeMs } from "./ids.ts";

/**
 * What the stats API counts per time bucket (docs/api.md, "Stats"): every recorded attempt falls
 * in exactly one outcome class, and attempts that contacted (or tried to contact) the endpoint
 * also land in a latency histogram. The classes and bins are fixed: they are stored as columns of
 * the pre-aggregated `attempt_stats` table (docs/operations.md, "Stats storage").
 */
export const OUTCOME_CLASSES = [
  "success",
  "http4xx",
  "http5xx",
  "timeout",
  "network",
  "ssrfBlocked",
  "otherError",
  "canceled",
] as const;
export type OutcomeClass = (typeof OUTCOME_CLASSES)[number];

const NETWORK_KINDS: ReadonlySet<ErrorKind> = new Set([
  "connection_refused",
  "connection_reset",
  "dns",
  "tls",
  "network",
]);

/**
 * The class of one attempt. A 2xx with an error kind (a refused CloudEvents handshake) is not a
 * success, exactly as delivery/outcome.ts decides; 4xx and 5xx count only for HTTP answers
 * (http_status, endpoint_gone), so an error kind that merely carries a status stays `otherError`.
 */
export function outcomeClassOf(a: Pick<Attempt, "status" | "errorKind" | "responseStatusCode">): OutcomeClass {
  if (a.status === DeliveryStatus.Success) return "success";
  if (a.status === DeliveryStatus.Canceled) return "canceled";
  const kind = a.errorKind;
  if (kind === "timeout") return "timeout";
  if (kind !== null && NETWORK_KINDS.has(kind)) return "network";
  if (kind === "ssrf_blocked") return "ssrfBlocked";
  if (kind === "http_status" || kind === "endpoint_gone") {
    const code = a.responseStatusCode;
    if (code >= 400 && code < 500) return "http4xx";
    if (code >= 500 && code < 600) return "http5xx";
  }
  return "otherError";
}

/** Classes whose attempt made (or tried) an HTTP request, so its duration is a response time. */
const TIMED: ReadonlySet<OutcomeClass> = new Set(["success", "http4xx", "http5xx", "timeout", "network"]);

/**
 * Upper bounds (inclusive, ms) of the attempt-duration histogram's bins, log-spaced (1-2-3-5-7 per
 * decade, each at most twice the one before) up to a minute; one more bin holds everything longer.
 */
export const DURATION_BOUNDS_MS = [
  1, 2, 3, 5, 7, 10, 20, 30, 50, 70, 100, 200, 300, 500, 700, 1000, 2000, 3000, 5000, 7000, 10_000, 20_000, 30_000,
  60_000,
] as const;

/**
 * Upper bounds (ms) of the end-to-end histogram: from a message's acceptance to its delivery's
 * first success, which spans milliseconds (a healthy endpoint) to hours (a success after retries).
 */
export const END_TO_END_BOUNDS_MS = [
  10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 10_800_000,
  21_600_000, 43_200_000, 86_400_000,
] as const;

/** Index of the bin a value falls in: the first bound at or above it, else the overflow bin. */
export function binOf(bounds: readonly number[], valueMs: number): number {
  let low = 0;
  let high = bounds.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (valueMs <= bounds[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** One attempt's contribution to its bucket. */
export interface AttemptSample {
  outcome: OutcomeClass;
  /** Bin of the attempt's duration; null when no request was made (canceled, refused, …). */
  durationBin: number | null;
  durationMs: number | null;
  /** End-to-end latency, for a scheduled attempt that succeeded; null otherwise. */
  endToEndBin: number | null;
  endToEndMs: number | null;
}

/**
 * An attempt as the stats count it. End-to-end latency runs from the message's creation (its id
 * carries the time, core/ids.ts) to the end of this attempt, and is counted for scheduled
 * successes only: a delivery stops after its success, so that is its first one; a manual resend
 * (which may repeat a success) measures the operator, not the pipeline.
 */
export function sampleOf(a: Attempt): AttemptSample {
  const outcome = outcomeClassOf(a);
  const timed = TIMED.has(outcome);
  const duration = Math.max(0, a.responseDurationMs);
  const endToEnd =
    outcome === "success" && a.triggerType === 0 ? Math.max(0, a.createdAt + duration - idTimeMs(a.msgId)) : null;
  return {
    outcome,
    durationBin: timed ? binOf(DURATION_BOUNDS_MS, duration) : null,
    durationMs: timed ? duration : null,
    endToEndBin: endToEnd === null ? null : binOf(END_TO_END_BOUNDS_MS, endToEnd),
    endToEndMs: endToEnd,
  };
}

/**
 * The value at quantile `q` (0–1) of a histogram: the upper bound of the bin holding the
 * q-th sample (so the true value is at most this and above the bin below's bound), or the largest
 * value seen when it falls in the overflow bin. Null for an empty histogram.
 */
export function quantileOf(
  bins: readonly number[],
  bounds: readonly number[],
  maxMs: number,
  q: number,
): number | null {
  const total = bins.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < bins.length; i++) {
    seen += bins[i]!;
    if (seen >= rank) return i < bounds.length ? Math.min(bounds[i]!, maxMs) : maxMs;
  }
  return maxMs;
}
