import type Database from "better-sqlite3";
import { idFloorAt } from "../../core/ids.ts";
import type { RetentionRepository } from "../store.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

/**
 * Retention in small batches through the group-commit writer: each batch is one savepoint in a
 * commit shared with the API's writes, so a purge never holds the write lock for long. Ids sort by
 * creation time, so "created before" is a primary-key range scan.
 */
export class SqliteRetention implements RetentionRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  expirePayloads(now: number, limit: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE message SET payload = NULL WHERE id IN (
             SELECT id FROM message WHERE payload IS NOT NULL AND payload_expires_at <= ? LIMIT ?)`,
        ).run(now, limit).changes,
    );
  }

  deleteAttemptsBefore(cutoff: number, limit: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(this.db, "DELETE FROM attempt WHERE id IN (SELECT id FROM attempt WHERE id < ? LIMIT ?)").run(
          idFloorAt("atmpt", cutoff),
          limit,
        ).changes,
    );
  }

  deleteMessagesBefore(cutoff: number, limit: number): Promise<number> {
    return this.writer.run(
      () =>
        prepared(
          this.db,
          `DELETE FROM message WHERE id IN (
             SELECT m.id FROM message m WHERE m.id < ?
               AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.next_attempt_at IS NOT NULL)
             LIMIT ?)`,
        ).run(idFloorAt("msg", cutoff), limit).changes,
    );
  }
}
