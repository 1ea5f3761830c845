import type Database from "better-sqlite3";
import type { IdempotencyRepository, IdempotentResponse } from "../store.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteIdempotency implements IdempotencyRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async get(scope: string, key: string): Promise<IdempotentResponse | undefined> {
    const row = prepared(
      this.db,
      "SELECT scope, key, status_code AS statusCode, body FROM idempotency_key WHERE scope = ? AND key = ?",
    ).get(scope, key) as IdempotentResponse | undefined;
    return row;
  }

  async put(r: IdempotentResponse, now: number): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "INSERT OR IGNORE INTO idempotency_key (scope, key, status_code, body, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(r.scope, r.key, r.statusCode, r.body, now),
    );
  }

  async purge(before: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          "DELETE FROM idempotency_key WHERE rowid IN (SELECT rowid FROM idempotency_key WHERE created_at < ? LIMIT 5000)",
        ).run(before).changes,
    );
  }
}
