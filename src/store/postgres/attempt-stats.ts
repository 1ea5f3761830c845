import type { Attempt } from "../../core/entities.ts";
import type {
  AttemptStatsBucket,
  AttemptStatsQuery,
  AttemptStatsRepository,
  EndpointAttemptTotals,
  EndpointTotalsQuery,
} from "../store.ts";
import * as statsRows from "../rows/attempt-stats.ts";
import type { Queryable } from "./sql.ts";

/**
 * `INSERT … ON CONFLICT` of the stats rows of a batch, from one parameter: a JSON array of
 * arrays in STATS_COLUMNS order (one parameter, whatever the number of rows). Used as a CTE of the
 * statement that records the attempts (outcomes.ts), so both commit together.
 */
export function upsertStatsFrom(param: string): string {
  return `INSERT INTO attempt_stats AS s (${statsRows.STATS_COLUMNS.join(", ")})
    SELECT r->>0, r->>1, ${statsRows.STATS_COLUMNS.slice(2)
      .map((_, i) => `(r->>${i + 2})::bigint`)
      .join(", ")}
    FROM jsonb_array_elements(${param}::jsonb) AS r
    ON CONFLICT (app_id, endpoint_id, bucket_start) DO UPDATE SET
    ${statsRows.SUM_COLUMNS.map((c) => `${c} = s.${c} + excluded.${c}`).join(", ")},
    ${statsRows.MAX_COLUMNS.map((c) => `${c} = GREATEST(s.${c}, excluded.${c})`).join(", ")}`;
}

/** The value of upsertStatsFrom's parameter for these attempts. */
export function statsParam(attempts: readonly Attempt[]): string {
  return JSON.stringify(statsRows.statsRowsOf(attempts).map(statsRows.statsRowValues));
}

export const SERIES_SQL = `SELECT (bucket_start / $1) * $1 AS bucket,
    ${statsRows.SUM_COLUMNS.map((c) => `SUM(${c})::bigint`).join(", ")}, MAX(dur_max), MAX(e2e_max)
  FROM attempt_stats WHERE app_id = $2 AND endpoint_id = $3 AND bucket_start >= $4 AND bucket_start < $5
  GROUP BY bucket ORDER BY bucket`;

/** The per-endpoint rows of the range (endpoint_id '' holds an application's roll-up, app_id '' the instance's). */
const BY_ENDPOINT = (oneApp: boolean) => `SELECT app_id, endpoint_id, SUM(${statsRows.OUTCOME_TOTAL})::bigint AS total,
    SUM(success)::bigint AS success, SUM(canceled)::bigint AS canceled
  FROM attempt_stats WHERE ${oneApp ? "app_id = $3" : "app_id <> ''"} AND endpoint_id <> ''
    AND bucket_start >= $1 AND bucket_start < $2
  GROUP BY app_id, endpoint_id`;

export class PostgresAttemptStats implements AttemptStatsRepository {
  constructor(private readonly db: Queryable) {}

  async series(q: AttemptStatsQuery): Promise<AttemptStatsBucket[]> {
    const { rows } = await this.db.query<unknown[]>({
      text: SERIES_SQL,
      values: [q.widthMs, q.appId ?? statsRows.ALL, q.endpointId ?? statsRows.ALL, q.since, q.until],
      rowMode: "array",
    });
    return rows.map(statsRows.toStatsBucket);
  }

  async byEndpoint(q: EndpointTotalsQuery): Promise<EndpointAttemptTotals[]> {
    const params: (string | number)[] = [q.since, q.until];
    if (q.appId !== null) params.push(q.appId);
    const { rows } = await this.db.query<statsRows.EndpointTotalsRow>(BY_ENDPOINT(q.appId !== null), params);
    return rows.map(statsRows.toEndpointTotals);
  }
}
