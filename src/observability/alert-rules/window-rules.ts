import type { AlertRule } from "../../core/alert-rule.ts";
import { OUTCOME_CLASSES } from "../../core/attempt-stats.ts";
import type { Store } from "../../store/store.ts";

export interface WindowVerdict {
  firing: boolean;
  value: number;
  /** Completes "<subject> …" in a firing notice, or "Resolved: <subject> …" once it clears. */
  summary: string;
}

const MINUTE_MS = 60_000;
const SUCCESS = OUTCOME_CLASSES.indexOf("success");
const CANCELED = OUTCOME_CLASSES.indexOf("canceled");

/**
 * A failure-rate rule over the pre-aggregated attempt stats (whole minutes, the current one
 * included), or a backlog-age rule over the delivery queue: whether it fires now, and what was measured.
 */
export async function evaluateWindowRule(store: Store, rule: AlertRule, now: number): Promise<WindowVerdict> {
  if (rule.kind === "backlog_age") {
    const { oldestDueAt } = await store.deliveries.queueStats(now);
    const ageSeconds = oldestDueAt === null ? 0 : Math.max(0, Math.floor((now - oldestDueAt) / 1000));
    const firing = ageSeconds >= rule.params.threshold;
    return {
      firing,
      value: ageSeconds,
      summary: firing
        ? `has a delivery backlog whose oldest due delivery has waited ${ageSeconds} s (bound: ${rule.params.threshold} s)`
        : `has its oldest due delivery waiting ${ageSeconds} s, within the bound of ${rule.params.threshold} s`,
    };
  }
  const until = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const since = until - rule.params.windowSeconds * 1000;
  const buckets = await store.attemptStats.series({
    appId: rule.appId,
    endpointId: rule.endpointId,
    since,
    until,
    widthMs: MINUTE_MS,
  });
  let attempts = 0;
  let successes = 0;
  for (const bucket of buckets) {
    OUTCOME_CLASSES.forEach((_, i) => {
      if (i !== CANCELED) attempts += bucket.cells[i] ?? 0;
    });
    successes += bucket.cells[SUCCESS] ?? 0;
  }
  const rate = attempts === 0 ? 0 : Math.round(((attempts - successes) / attempts) * 1000) / 10;
  const firing = attempts >= rule.params.minAttempts && rate >= rule.params.threshold;
  const window = `${rule.params.windowSeconds} s`;
  return {
    firing,
    value: rate,
    summary: firing
      ? `failed ${rate} % of ${attempts} attempts over the last ${window} (threshold: ${rule.params.threshold} %)`
      : `fails ${rate} % of ${attempts} attempts over the last ${window}, below the threshold of ${rule.params.threshold} %`,
  };
}
