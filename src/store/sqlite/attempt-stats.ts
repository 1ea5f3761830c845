import type Database from "better-sqlite3";
import type { Attempt } from "../../core/entities.ts";
import type {
  AttemptStatsBucket,
  AttemptStatsQuery,
  AttemptStatsRepository,
  EndpointAttemptTotals,
  EndpointTotalsQuery,
} from "../store.ts";
import * as statsRows from "../rows/attempt-stats.ts";
import { prepared } from "./statements.ts";

const UPSERT = `INSERT INTO attempt_stats (${statsRows.STATS_COLUMNS.join(", ")}) VALUES (${statsRows.STATS_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (app_id, endpoint_id, bucket_start) DO UPDATE SET
  ${statsRows.SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
  ${statsRows.MAX_COLUMNS.map((c) => `${c} = max(${c}, excluded.${c})`).join(", ")}`;

/** Adds a batch of attempts to the stats rows; called inside the transaction that inserts them. */
export function recordAttemptStats(db: Database.Database, attempts: readonly Attempt[]): void {
  if (attempts.length === 0) return;
  const upsert = prepared(db, UPSERT);
  for (const r of statsRows.statsRowsOf(attempts)) upsert.run(...statsRows.statsRowValues(r));
}

// better-sqlite3 binds JS numbers as REAL: the casts keep the division an integer one.
const SERIES = `SELECT (bucket_start / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket,
    ${statsRows.SUM_COLUMNS.map((c) => `SUM(${c})`).join(", ")}, MAX(dur_max), MAX(e2e_max)
  FROM attempt_stats WHERE app_id = ? AND endpoint_id = ? AND bucket_start >= ? AND bucket_start < ?
  GROUP BY bucket ORDER BY bucket`;

/** The per-endpoint rows of the range (endpoint_id '' holds an application's roll-up, app_id '' the instance's). */
const BY_ENDPOINT = (
  oneApp: boolean,
) => `SELECT app_id, endpoint_id, SUM(${statsRows.OUTCOME_TOTAL}) AS total, SUM(success) AS success,
    SUM(canceled) AS canceled
  FROM attempt_stats WHERE ${oneApp ? "app_id = ?" : "app_id <> ''"} AND endpoint_id <> ''
    AND bucket_start >= ? AND bucket_start < ?
  GROUP BY app_id, endpoint_id`;

export class SqliteAttemptStats implements AttemptStatsRepository {
  constructor(private readonly db: Database.Database) {}

  async series(q: AttemptStatsQuery): Promise<AttemptStatsBucket[]> {
    const rows = prepared(this.db, SERIES)
      .raw()
      .all(
        q.widthMs,
        q.widthMs,
        q.appId ?? statsRows.ALL,
        q.endpointId ?? statsRows.ALL,
        q.since,
        q.until,
      ) as number[][];
    return rows.map(statsRows.toStatsBucket);
  }

  async byEndpoint(q: EndpointTotalsQuery): Promise<EndpointAttemptTotals[]> {
    const params = q.appId === null ? [q.since, q.until] : [q.appId, q.since, q.until];
    const rows = prepared(this.db, BY_ENDPOINT(q.appId !== null)).all(...params) as statsRows.EndpointTotalsRow[];
    return rows.map(statsRows.toEndpointTotals);
  }
}
