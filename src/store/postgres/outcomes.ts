import type { DeliveryOutcome } from "../store.ts";
import { statsParam, upsertStatsFrom } from "./attempt-stats.ts";
import { attemptArrays, attemptRowsFrom, INSERT_ATTEMPT_COLUMNS } from "./attempts.ts";

/**
 * `complete()` as ONE statement (one round trip, one implicit transaction) for any number of
 * outcomes: the attempts go in through one multi-row insert, the deliveries and the endpoints
 * change through `UPDATE … FROM unnest(…)`. With the dispatcher's 1–100 outcomes per call that
 * replaces SQLite's 3–4 statements per outcome.
 *
 * $1 owner, $2 now; $3–$5 delivery updates (id, status, next_attempt_at); $6–$8 endpoint health
 * (id, failing_since, disable); $9–$22 the attempt arrays; $23 the messages of the deliveries; $24 the
 * attempts' stats rows (attempt-stats.ts), upserted in the same statement.
 *
 * The messages narrow the delivery update to their time partitions (0008_partitioned_history.sql)
 * while the statement is planned: by id alone it would be planned, locked and run against every
 * partition, ~35 of them in the retention benchmark, which tripled delivery p99 there.
 */
const COMPLETE = `
  WITH attempt_rows AS (
    ${INSERT_ATTEMPT_COLUMNS}
    SELECT * FROM ${attemptRowsFrom(9)}
  ), stats_rows AS (
    ${upsertStatsFrom("$24")}
  ), delivery_rows AS (
    UPDATE delivery d SET status = o.status, next_attempt_at = o.next_attempt_at, next_trigger = 0,
      attempt_count = d.attempt_count + 1, lease_owner = NULL, lease_until = NULL, updated_at = $2
    FROM unnest($3::text[], $4::smallint[], $5::bigint[]) AS o(id, status, next_attempt_at)
    WHERE d.id = o.id AND d.lease_owner = $1 AND d.msg_id = ANY($23::text[])
  )
  UPDATE endpoint e SET failing_since = h.failing_since,
    disabled = e.disabled OR h.disable,
    updated_at = CASE WHEN h.disable THEN $2 ELSE e.updated_at END
  FROM unnest($6::text[], $7::bigint[], $8::boolean[]) AS h(id, failing_since, disable)
  WHERE e.id = h.id AND (e.failing_since IS DISTINCT FROM h.failing_since OR h.disable)`;

/**
 * Builds the statement and its parameters, folding the outcomes exactly as SQLite's one-by-one
 * loop would leave the rows:
 *  - attempts: every one is recorded, leased or not (the request was sent either way);
 *  - deliveries: only rows still leased by `owner` change; if one delivery appears twice, the first
 *    outcome wins (SQLite's first UPDATE clears the lease, so the second matches nothing);
 *  - endpoints: `failing_since` ends as the LAST outcome's value for that endpoint, and the row is
 *    only written when that differs from what is stored (so a healthy endpoint's row, shared by
 *    every worker, is not rewritten per attempt); `disabled`/`updated_at` are set if ANY outcome
 *    disables it. UPDATE … FROM with duplicate join rows would pick one arbitrarily, hence the fold.
 * Arrays are sorted by id so concurrent batches tend to lock shared rows in the same order.
 */
export function completeStatement(
  owner: string,
  outcomes: DeliveryOutcome[],
  now: number,
): { text: string; values: unknown[] } {
  const deliveries = new Map<string, DeliveryOutcome>();
  const endpoints = new Map<string, { failingSince: number | null; disable: boolean }>();
  for (const o of outcomes) {
    if (!deliveries.has(o.deliveryId)) deliveries.set(o.deliveryId, o);
    const id = o.attempt.endpointId;
    endpoints.set(id, {
      failingSince: o.endpointFailingSince,
      disable: (endpoints.get(id)?.disable ?? false) || o.disableEndpoint,
    });
  }
  const byDelivery = [...deliveries.values()].sort((a, b) => compare(a.deliveryId, b.deliveryId));
  const byEndpoint = [...endpoints].sort(([a], [b]) => compare(a, b));
  return {
    text: COMPLETE,
    values: [
      owner,
      now,
      byDelivery.map((o) => o.deliveryId),
      byDelivery.map((o) => o.status),
      byDelivery.map((o) => o.nextAttemptAt),
      byEndpoint.map(([id]) => id),
      byEndpoint.map(([, h]) => h.failingSince),
      byEndpoint.map(([, h]) => h.disable),
      ...attemptArrays(outcomes.map((o) => o.attempt)),
      [...new Set(byDelivery.map((o) => o.attempt.msgId))],
      statsParam(outcomes.map((o) => o.attempt)),
    ],
  };
}

/** Ids are ASCII, so UTF-16 comparison is bytewise like their COLLATE "C" (localeCompare would not be). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
