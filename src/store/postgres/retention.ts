import { idFloorAt } from "../../core/ids.ts";
import type { RetentionRepository } from "../store.ts";
import type { Queryable } from "./sql.ts";

/**
 * Retention in small batches, each its own short statement: rows are locked only for the batch,
 * and `SKIP LOCKED` steps around rows a worker is updating right now instead of waiting on them.
 * Ids sort by creation time, so "created before" is a primary-key range scan.
 */
export class PostgresRetention implements RetentionRepository {
  constructor(private readonly db: Queryable) {}

  async expirePayloads(now: number, limit: number): Promise<number> {
    const result = await this.db.query(
      `UPDATE message SET payload = NULL WHERE id IN (
         SELECT id FROM message WHERE payload IS NOT NULL AND payload_expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [now, limit],
    );
    return result.rowCount ?? 0;
  }

  async deleteAttemptsBefore(cutoff: number, limit: number): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM attempt WHERE id IN (SELECT id FROM attempt WHERE id < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [idFloorAt("atmpt", cutoff), limit],
    );
    return result.rowCount ?? 0;
  }

  async deleteMessagesBefore(cutoff: number, limit: number): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM message WHERE id IN (
         SELECT m.id FROM message m WHERE m.id < $1
           AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.next_attempt_at IS NOT NULL)
         LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [idFloorAt("msg", cutoff), limit],
    );
    return result.rowCount ?? 0;
  }
}
