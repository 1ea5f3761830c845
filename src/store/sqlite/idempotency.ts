import type Database from "better-sqlite3";
import { PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import type { IdempotencyRepository, IdempotentResponse } from "../store.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

/**
 * Remembered responses are sealed under the master key: some carry a token shown only once (an
 * admin token, app-portal access, an ingest source's URL token), and the database must not hold
 * those in the clear (docs/api.md#idempotency).
 */
export class SqliteIdempotency implements IdempotencyRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  async get(scope: string, key: string): Promise<IdempotentResponse | undefined> {
    const row = prepared(
      this.db,
      "SELECT scope, key, status_code AS statusCode, body FROM idempotency_key WHERE scope = ? AND key = ?",
    ).get(scope, key) as IdempotentResponse | undefined;
    return row && { ...row, body: this.box.open(row.body) };
  }

  async put(r: IdempotentResponse, now: number): Promise<void> {
    // Sealed before the write is queued, so the encryption runs outside the group commit.
    const body = this.box.seal(r.body);
    await this.writer.run(() =>
      prepared(
        this.db,
        "INSERT OR IGNORE INTO idempotency_key (scope, key, status_code, body, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(r.scope, r.key, r.statusCode, body, now),
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
