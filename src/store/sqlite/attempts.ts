import type Database from "better-sqlite3";
import type { Attempt } from "../../core/entities.ts";
import type { AttemptFilter, AttemptRepository, Page, PageRequest } from "../store.ts";
import { recordAttemptStats } from "./attempt-stats.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { parseJson, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

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
  request_headers: string;
  response_headers: string | null;
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
  requestHeaders: parseJson(r.request_headers) ?? {},
  responseHeaders: r.response_headers === null ? null : (parseJson(r.response_headers) ?? null),
  createdAt: r.created_at,
});

export function insertAttempt(db: Database.Database, a: Attempt): void {
  prepared(
    db,
    `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code, response,
       response_duration_ms, trigger_type, error_kind, request_headers, response_headers, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    a.id,
    a.appId,
    a.msgId,
    a.endpointId,
    a.url,
    a.status,
    a.responseStatusCode,
    a.response,
    a.responseDurationMs,
    a.triggerType,
    a.errorKind,
    JSON.stringify(a.requestHeaders),
    a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
    a.createdAt,
  );
}

export class SqliteAttempts implements AttemptRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async get(appId: string, msgId: string, attemptId: string): Promise<Attempt | undefined> {
    const row = prepared(this.db, "SELECT * FROM attempt WHERE app_id = ? AND msg_id = ? AND id = ?").get(
      appId,
      msgId,
      attemptId,
    ) as AttemptRow | undefined;
    return row && toAttempt(row);
  }

  async listByMessage(appId: string, msgId: string, filter: AttemptFilter, page: PageRequest): Promise<Page<Attempt>> {
    return this.list(["a.app_id = ?", "a.msg_id = ?"], [appId, msgId], filter, page);
  }

  async listByEndpoint(
    appId: string,
    endpointId: string,
    filter: AttemptFilter,
    page: PageRequest,
  ): Promise<Page<Attempt>> {
    return this.list(["a.app_id = ?", "a.endpoint_id = ?"], [appId, endpointId], filter, page);
  }

  private list(where: string[], params: unknown[], filter: AttemptFilter, page: PageRequest): Page<Attempt> {
    const m = messageConditions(filter, "m");
    const t = timeConditions(filter, "a.created_at");
    where = [...where, ...m.where, ...t.where];
    params = [...params, ...m.params, ...t.params];
    if (filter.status !== undefined) {
      where.push("a.status = ?");
      params.push(filter.status);
    }
    if (filter.endpointId !== undefined) {
      where.push("a.endpoint_id = ?");
      params.push(filter.endpointId);
    }
    if (filter.statusCodeClass !== undefined) {
      // Class 0 means "no response at all"; otherwise 200 covers 200-299 and so on.
      where.push("a.response_status_code >= ? AND a.response_status_code < ?");
      params.push(filter.statusCodeClass, filter.statusCodeClass === 0 ? 1 : filter.statusCodeClass + 100);
    }
    const needsMessage = m.where.length > 0;
    return paginate<AttemptRow, Attempt>(
      this.db,
      {
        select: "a.*",
        from: needsMessage ? "attempt a JOIN message m ON m.id = a.msg_id" : "attempt a",
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
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE attempt SET response = NULL, response_headers = NULL WHERE app_id = ? AND msg_id = ? AND id = ?",
      ).run(appId, msgId, attemptId),
    );
  }

  async insert(a: Attempt): Promise<void> {
    await this.writer.run(() => {
      insertAttempt(this.db, a);
      recordAttemptStats(this.db, [a]);
    });
  }
}
