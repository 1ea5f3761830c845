import { idFloorAt } from "../../core/ids.ts";
import { cursorStep, historySteps, type HistoryPurges } from "../../retention/purge-steps.ts";
import type {
  RetentionBatch,
  RetentionPacing,
  RetentionPass,
  RetentionStrategy,
  WholesalePacing,
} from "../../retention/retention-strategy.ts";
import type { HistoryPartitions } from "./partitions.ts";
import type { Queryable } from "./sql.ts";

/**
 * Retention drops the history a time partition at a time (partitions.ts): a million expired rows
 * go in a few DETACH + DROP statements instead of a million deletes. What is left to delete row
 * by row is the legacy partition (rows from before partitioning), windows kept because a retry is
 * still due, and eventId keys of messages that are gone.
 *
 * Those deletes go in small batches, each one short statement (its own transaction): rows are locked
 * only for the batch, and `SKIP LOCKED` steps around rows a worker is updating right now instead
 * of waiting on them (they are picked up by the next pass).
 *
 * Ids sort by creation time, so "created before" is a primary-key range scan, and each batch
 * starts after the last id the previous one deleted: starting from the oldest id every time would
 * walk again over the index entries of every row deleted so far in the pass (dead until vacuum).
 */
export class PostgresRetention implements RetentionStrategy, HistoryPurges {
  /**
   * A batch runs in the database server, not on our event loop, so it may be longer than on
   * SQLite: each statement costs ~1 ms on its own (round trip, planning), which 2-ms batches spent
   * mostly on overhead (a million rows took over four minutes). What the pause bounds here is the
   * share of the database's CPU and WAL the purge takes from the deliveries' commits.
   */
  readonly pacing: RetentionPacing = {
    targetBatchMs: 10,
    share: 0.25,
    minBatch: 10,
    maxBatch: 5000,
    initialBatch: 200,
  };

  constructor(
    private readonly db: Queryable,
    private readonly partitions: HistoryPartitions,
  ) {}

  /**
   * Makes sure partitions exist ahead of the clock, drops the expired ones whole, and leaves to
   * the batched steps the rows before the drop's row cutoff: those of windows kept for a retry due,
   * and then the eventId keys of the messages that are gone. Its commits do not block the event
   * loop, so it has no use for the pass's commit gate.
   */
  async beginPass(now: number, cutoff: number, hooks: WholesalePacing): Promise<RetentionPass> {
    await this.partitions.ensureAhead(now);
    const { removed, rowCutoff } = await this.partitions.dropExpired(cutoff, hooks);
    return {
      removed,
      steps: [
        ...historySteps(this, now, rowCutoff),
        cursorStep("deleteEventKeysBefore", false, "", (limit, from) =>
          this.deleteEventKeysBefore(rowCutoff, limit, from),
        ),
      ],
      end: async () => {},
    };
  }

  async expirePayloads(now: number, limit: number, from: number): Promise<RetentionBatch<number>> {
    const result = await this.db.query<{ changed: number; next: number | null }>(
      `WITH batch AS (
         SELECT id FROM message WHERE payload IS NOT NULL AND payload_expires_at >= $1 AND payload_expires_at <= $2
         ORDER BY payload_expires_at LIMIT $3 FOR UPDATE SKIP LOCKED),
       cleared AS (
         UPDATE message m SET payload = NULL FROM batch WHERE m.id = batch.id RETURNING m.payload_expires_at)
       SELECT count(*)::int AS changed, max(payload_expires_at) AS next FROM cleared`,
      [from, now, limit],
    );
    const row = result.rows[0]!;
    return { changed: row.changed, next: row.next ?? from };
  }

  /** Stats rows of whole minutes before the cutoff, oldest first (the by-bucket index). */
  async deleteStatsBefore(cutoff: number, limit: number, from: number): Promise<RetentionBatch<number>> {
    const result = await this.db.query<{ changed: number; next: number | null }>(
      `WITH batch AS (
         SELECT app_id, endpoint_id, bucket_start FROM attempt_stats WHERE bucket_start >= $1 AND bucket_start < $2
         ORDER BY bucket_start LIMIT $3 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM attempt_stats s USING batch
         WHERE s.app_id = batch.app_id AND s.endpoint_id = batch.endpoint_id AND s.bucket_start = batch.bucket_start
         RETURNING s.bucket_start)
       SELECT count(*)::int AS changed, max(bucket_start) AS next FROM deleted`,
      [from, cutoff, limit],
    );
    const row = result.rows[0]!;
    return { changed: row.changed, next: row.next ?? from };
  }

  async deleteAttemptsBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>> {
    const result = await this.db.query<{ changed: number; next: string | null }>(
      `WITH batch AS (
         SELECT id FROM attempt WHERE id > $1 AND id < $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM attempt a USING batch WHERE a.id = batch.id RETURNING a.id)
       SELECT count(*)::int AS changed, max(id) AS next FROM deleted`,
      [from, idFloorAt("atmpt", cutoff), limit],
    );
    const row = result.rows[0]!;
    return { changed: row.changed, next: row.next ?? from };
  }

  /**
   * Nothing cascades from message (0008_partitioned_history.sql says why the history has no foreign keys),
   * so the batch deletes the messages' deliveries and attempts itself, in the same statement.
   */
  async deleteMessagesBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>> {
    const result = await this.db.query<{ changed: number; next: string | null }>(
      `WITH batch AS (
         SELECT m.id FROM message m WHERE m.id > $1 AND m.id < $2
           AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.next_attempt_at IS NOT NULL)
         ORDER BY m.id LIMIT $3 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM message m USING batch WHERE m.id = batch.id RETURNING m.id),
       deliveries AS (DELETE FROM delivery d USING deleted WHERE d.msg_id = deleted.id),
       attempts AS (DELETE FROM attempt a USING deleted WHERE a.msg_id = deleted.id)
       SELECT count(*)::int AS changed, max(id) AS next FROM deleted`,
      [from, idFloorAt("msg", cutoff), limit],
    );
    const row = result.rows[0]!;
    return { changed: row.changed, next: row.next ?? from };
  }

  /** Deletes the eventId keys of messages created before `cutoff` that no longer exist. */
  async deleteEventKeysBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>> {
    const result = await this.db.query<{ changed: number; next: string | null }>(
      `WITH batch AS (
         SELECT k.app_id, k.event_id FROM message_event_key k WHERE k.msg_id > $1 AND k.msg_id < $2
           AND NOT EXISTS (SELECT 1 FROM message m WHERE m.id = k.msg_id)
         ORDER BY k.msg_id LIMIT $3 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM message_event_key k USING batch
         WHERE k.app_id = batch.app_id AND k.event_id = batch.event_id RETURNING k.msg_id)
       SELECT count(*)::int AS changed, max(msg_id) AS next FROM deleted`,
      [from, idFloorAt("msg", cutoff), limit],
    );
    const row = result.rows[0]!;
    return { changed: row.changed, next: row.next ?? from };
  }
}
