import type Database from "better-sqlite3";
import type { Attempt } from "../../core/entities.ts";
import { ALL, MAX_COLUMNS, OUTCOME_COLUMNS, statsRowsOf, SUM_COLUMNS } from "../attempt-stats-rows.ts";
import type {
  AttemptStatsBucket,
  AttemptStatsQuery,
  AttemptStatsRepository,
  EndpointAttemptTotals,
  EndpointTotalsQuery,
} from "../store.ts";
import { prepared } from "./statements.ts";

const COLUMNS = ["app_id", "endpoint_id", "bucket_start", ...SUM_COLUMNS, ...MAX_COLUMNS];
const UPSERT = `INSERT INTO attempt_stats (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (app_id, endpoint_id, bucket_start) DO UPDATE SET
  ${SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
  ${MAX_COLUMNS.map((c) => `${c} = max(${c}, excluded.${c})`).join(", ")}`;

/** Adds a batch of attempts to the stats rows; called inside the transaction that inserts them. */
export function recordAttemptStats(db: Database.Database, attempts: readonly Attempt[]): void {
  if (attempts.length === 0) return;
  const upsert = prepared(db, UPSERT);
  for (const r of statsRowsOf(attempts))
    upsert.run(r.appId, r.endpointId, r.bucketStart, ...r.cells, r.durMax, r.e2eMax);
}

// better-sqlite3 binds JS numbers as REAL: the casts keep the division an integer one.
const SERIES = `SELECT (bucket_start / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket,
    ${SUM_COLUMNS.map((c) => `SUM(${c})`).join(", ")}, MAX(dur_max), MAX(e2e_max)
  FROM attempt_stats WHERE app_id = ? AND endpoint_id = ? AND bucket_start >= ? AND bucket_start < ?
  GROUP BY bucket ORDER BY bucket`;

/** The per-endpoint rows of the range (endpoint_id '' holds an application's roll-up, app_id '' the instance's). */
const TOTAL = OUTCOME_COLUMNS.join(" + ");
const BY_ENDPOINT = (oneApp: boolean) => `SELECT app_id, endpoint_id, SUM(${TOTAL}) AS total, SUM(success) AS success,
    SUM(canceled) AS canceled
  FROM attempt_stats WHERE ${oneApp ? "app_id = ?" : "app_id <> ''"} AND endpoint_id <> ''
    AND bucket_start >= ? AND bucket_start < ?
  GROUP BY app_id, endpoint_id`;

export class SqliteAttemptStats implements AttemptStatsRepository {
  constructor(private readonly db: Database.Database) {}

  async series(q: AttemptStatsQuery): Promise<AttemptStatsBucket[]> {
    const rows = prepared(this.db, SERIES)
      .raw()
      .all(q.widthMs, q.widthMs, q.appId ?? ALL, q.endpointId ?? ALL, q.since, q.until) as number[][];
    return rows.map((r) => ({
      bucketStart: r[0]!,
      cells: r.slice(1, 1 + SUM_COLUMNS.length),
      durMax: r[1 + SUM_COLUMNS.length]!,
      e2eMax: r[2 + SUM_COLUMNS.length]!,
    }));
  }

  async byEndpoint(q: EndpointTotalsQuery): Promise<EndpointAttemptTotals[]> {
    const params = q.appId === null ? [q.since, q.until] : [q.appId, q.since, q.until];
    const rows = prepared(this.db, BY_ENDPOINT(q.appId !== null)).all(...params) as {
      app_id: string;
      endpoint_id: string;
      total: number;
      success: number;
      canceled: number;
    }[];
    return rows.map((r) => ({
      appId: r.app_id,
      endpointId: r.endpoint_id,
      total: r.total,
      success: r.success,
      canceled: r.canceled,
    }));
  }
}
