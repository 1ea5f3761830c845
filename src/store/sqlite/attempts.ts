import type Database from "better-sqlite3";
import type { Attempt } from "../../core/entities.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as attemptRows from "../rows/attempts.ts";
import type { AttemptFilter, AttemptRepository, Page, PageRequest } from "../store.ts";
import { recordAttemptStats } from "./attempt-stats.ts";
import { messageConditions, timeConditions } from "./filters.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

const readAttempt = (r: attemptRows.AttemptRow): Attempt => attemptRows.toAttempt(r, SQLITE_COLUMNS);

const INSERT_ATTEMPT = `INSERT INTO attempt (${attemptRows.ATTEMPT_COLUMNS.join(", ")})
  VALUES (${attemptRows.ATTEMPT_COLUMNS.map(() => "?").join(", ")})`;

export function insertAttempt(db: Database.Database, a: Attempt): void {
  prepared(db, INSERT_ATTEMPT).run(...attemptRows.attemptValues(a));
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
    ) as attemptRows.AttemptRow | undefined;
    return row && readAttempt(row);
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
      where.push("a.response_status_code >= ? AND a.response_status_code < ?");
      params.push(...attemptRows.statusCodeRange(filter.statusCodeClass));
    }
    return paginate<attemptRows.AttemptRow, Attempt>(
      this.db,
      { ...attemptRows.attemptListing(m.where.length > 0), where, params },
      page,
      readAttempt,
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
