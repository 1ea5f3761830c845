import type { Attempt } from "../../core/entities.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as attemptRows from "../rows/attempts.ts";
import type { AttemptFilter, AttemptRepository, Page, PageRequest } from "../store.ts";
import { statsParam, upsertStatsFrom } from "./attempt-stats.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

const readAttempt = (r: attemptRows.AttemptRow): Attempt => attemptRows.toAttempt(r, POSTGRES_COLUMNS);

/**
 * PostgreSQL text cannot hold U+0000, and a receiver's response body (decoded as UTF-8) may:
 * storing it verbatim would fail the whole write, and with it the delivery's state, forever.
 * It becomes U+FFFD, the character a lossy decode gives any other unreadable byte.
 */
const storableText = (text: string | null): string | null =>
  text === null ? null : text.replaceAll("\u0000", "\uFFFD");

/**
 * `INSERT INTO attempt … SELECT … FROM <ATTEMPT_ROWS>` with the 14 parallel arrays that
 * `attemptArrays` builds, bound from `$first`: one statement for any number of attempts.
 */
export function attemptRowsFrom(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[],
      ${p(5)}::smallint[], ${p(6)}::integer[], ${p(7)}::text[], ${p(8)}::integer[], ${p(9)}::smallint[],
      ${p(10)}::text[], ${p(11)}::jsonb[], ${p(12)}::bigint[], ${p(13)}::jsonb[])
    AS a(${attemptRows.ATTEMPT_COLUMNS.join(", ")})`;
}

export const INSERT_ATTEMPT_COLUMNS = `INSERT INTO attempt (${attemptRows.ATTEMPT_COLUMNS.join(", ")})`;

/** The attempts as one array per column of attemptRows.ATTEMPT_COLUMNS, for attemptRowsFrom. */
export function attemptArrays(attempts: Attempt[]): unknown[][] {
  const rows = attempts.map((a) => attemptRows.attemptValues({ ...a, response: storableText(a.response) }));
  return attemptRows.ATTEMPT_COLUMNS.map((_, column) => rows.map((row) => row[column]));
}

export class PostgresAttempts implements AttemptRepository {
  constructor(private readonly db: Queryable) {}

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> {
    const { rows } = await this.db.query<attemptRows.AttemptRow>(
      "SELECT * FROM attempt WHERE app_id = $1 AND msg_id = $2 AND id = $3",
      [appId, msgId, attemptId],
    );
    return rows[0] && readAttempt(rows[0]);
  }

  async listByMessage(appId: string, msgId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<Attempt>> {
    const params = new Params();
    return this.list([`a.app_id = ${params.add(appId)}`, `a.msg_id = ${params.add(msgId)}`], params, filter, page);
  }

  async listByEndpoint(
    appId: string,
    endpointId: string,
    filter: AttemptFilter,
    page: PageRequest,
  ): Promise<Page<Attempt>> {
    const params = new Params();
    const where = [`a.app_id = ${params.add(appId)}`, `a.endpoint_id = ${params.add(endpointId)}`];
    return this.list(where, params, filter, page);
  }

  private list(where: string[], params: Params, filter: AttemptFilter, page: PageRequest): Promise<Page<Attempt>> {
    const m = messageConditions(filter, "m", params);
    where = [...where, ...m, ...timeConditions(filter, "a.created_at", params)];
    if (filter.status !== undefined) where.push(`a.status = ${params.add(filter.status)}`);
    if (filter.endpointId !== undefined) where.push(`a.endpoint_id = ${params.add(filter.endpointId)}`);
    if (filter.statusCodeClass !== undefined) {
      const [from, to] = attemptRows.statusCodeRange(filter.statusCodeClass).map((code) => params.add(code));
      where.push(`a.response_status_code >= ${from} AND a.response_status_code < ${to}`);
    }
    return paginate<attemptRows.AttemptRow, Attempt>(
      this.db,
      { ...attemptRows.attemptListing(m.length > 0), where, params },
      page,
      readAttempt,
      (r) => r.id,
    );
  }

  async expungeContent(appId: string, msgId: string, attemptId: string): Promise<void> {
    await this.db.query(
      "UPDATE attempt SET response = NULL, response_headers = NULL WHERE app_id = $1 AND msg_id = $2 AND id = $3",
      [appId, msgId, attemptId],
    );
  }

  async insert(a: Attempt): Promise<void> {
    await this.db.query(
      `WITH stats_rows AS (${upsertStatsFrom("$15")}) ${INSERT_ATTEMPT_COLUMNS} SELECT * FROM ${attemptRowsFrom(1)}`,
      [...attemptArrays([a]), statsParam([a])],
    );
  }
}
