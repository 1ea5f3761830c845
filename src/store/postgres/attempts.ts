import type { Attempt } from "../../core/entities.ts";
import type { AttemptFilter, AttemptRepository, Page, PageRequest } from "../store.ts";
import { statsParam, upsertStatsFrom } from "./attempt-stats.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

interface AttemptRow {
  id: string;
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  url: string;
  status: number;
  response_status_code: number;
  response: string | null;
  response_duration_ms: number;
  trigger_type: number;
  error_kind: string | null;
  request_headers: Record<string, string>;
  response_headers: Record<string, string> | null;
  created_at: number;
}

const toAttempt = (r: AttemptRow): Attempt => ({
  id: r.id,
  appId: r.app_id,
  msgId: r.msg_id,
  endpointId: r.endpoint_id,
  url: r.url,
  status: r.status as Attempt["status"],
  responseStatusCode: r.response_status_code,
  response: r.response,
  responseDurationMs: r.response_duration_ms,
  triggerType: r.trigger_type,
  errorKind: r.error_kind as Attempt["errorKind"],
  requestHeaders: r.request_headers ?? {},
  responseHeaders: r.response_headers ?? null,
  createdAt: r.created_at,
});

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
    AS a(id, app_id, msg_id, endpoint_id, url, status, response_status_code, response, response_duration_ms,
      trigger_type, error_kind, request_headers, created_at, response_headers)`;
}

export const INSERT_ATTEMPT_COLUMNS = `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code,
    response, response_duration_ms, trigger_type, error_kind, request_headers, created_at, response_headers)`;

export function attemptArrays(attempts: Attempt[]): unknown[][] {
  return [
    attempts.map((a) => a.id),
    attempts.map((a) => a.appId),
    attempts.map((a) => a.msgId),
    attempts.map((a) => a.endpointId),
    attempts.map((a) => a.url),
    attempts.map((a) => a.status),
    attempts.map((a) => a.responseStatusCode),
    attempts.map((a) => storableText(a.response)),
    attempts.map((a) => a.responseDurationMs),
    attempts.map((a) => a.triggerType),
    attempts.map((a) => a.errorKind),
    attempts.map((a) => JSON.stringify(a.requestHeaders)),
    attempts.map((a) => a.createdAt),
    attempts.map((a) => (a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders))),
  ];
}

export class PostgresAttempts implements AttemptRepository {
  constructor(private readonly db: Queryable) {}

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> {
    const { rows } = await this.db.query<AttemptRow>(
      "SELECT * FROM attempt WHERE app_id = $1 AND msg_id = $2 AND id = $3",
      [appId, msgId, attemptId],
    );
    return rows[0] && toAttempt(rows[0]);
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
      // Class 0 means "no response at all"; otherwise 200 covers 200-299 and so on.
      const upper = filter.statusCodeClass === 0 ? 1 : filter.statusCodeClass + 100;
      where.push(
        `a.response_status_code >= ${params.add(filter.statusCodeClass)} AND a.response_status_code < ${params.add(upper)}`,
      );
    }
    return paginate<AttemptRow, Attempt>(
      this.db,
      {
        select: "a.*",
        from: m.length > 0 ? "attempt a JOIN message m ON m.id = a.msg_id" : "attempt a",
        where,
        params,
        key: "a.id",
      },
      page,
      toAttempt,
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
