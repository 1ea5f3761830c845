import type Database from "better-sqlite3";
import { idFloorAt } from "../../core/ids.ts";
import type { RetentionBatch } from "../../retention/retention-strategy.ts";
import { prepared } from "./statements.ts";

/**
 * The retention pass's kinds of batch, as SQL on one connection; the caller runs each in
 * its own write transaction (see retention.ts for where and why).
 *
 * Ids sort by creation time, so "created before" is a primary-key range scan, and each batch
 * starts after the last id the previous one deleted.
 */
export const retentionBatches = {
  expirePayloads(db: Database.Database, now: number, limit: number, from: number): RetentionBatch<number> {
    const expiries = prepared(
      db,
      `UPDATE message SET payload = NULL WHERE id IN (
         SELECT id FROM message WHERE payload IS NOT NULL AND payload_expires_at >= ? AND payload_expires_at <= ?
         ORDER BY payload_expires_at LIMIT ?)
       RETURNING payload_expires_at`,
    )
      .pluck()
      .all(from, now, limit) as number[];
    return { changed: expiries.length, next: expiries.reduce((a, b) => Math.max(a, b), from) };
  },

  deleteAttemptsBefore(db: Database.Database, cutoff: number, limit: number, from: string): RetentionBatch<string> {
    const ids = prepared(
      db,
      `DELETE FROM attempt WHERE id IN (SELECT id FROM attempt WHERE id > ? AND id < ? ORDER BY id LIMIT ?)
       RETURNING id`,
    )
      .pluck()
      .all(from, idFloorAt("atmpt", cutoff), limit) as string[];
    return { changed: ids.length, next: last(ids, from) };
  },

  /** Stats rows of whole minutes before the cutoff, oldest first (the by-bucket index). */
  deleteStatsBefore(db: Database.Database, cutoff: number, limit: number, from: number): RetentionBatch<number> {
    const buckets = prepared(
      db,
      `DELETE FROM attempt_stats WHERE (app_id, endpoint_id, bucket_start) IN (
         SELECT app_id, endpoint_id, bucket_start FROM attempt_stats WHERE bucket_start >= ? AND bucket_start < ?
         ORDER BY bucket_start LIMIT ?)
       RETURNING bucket_start`,
    )
      .pluck()
      .all(from, cutoff, limit) as number[];
    return { changed: buckets.length, next: buckets.reduce((a, b) => Math.max(a, b), from) };
  },

  /** Deliveries go with their message (ON DELETE CASCADE), which needs foreign_keys = ON. */
  deleteMessagesBefore(db: Database.Database, cutoff: number, limit: number, from: string): RetentionBatch<string> {
    const ids = prepared(
      db,
      `DELETE FROM message WHERE id IN (
         SELECT m.id FROM message m WHERE m.id > ? AND m.id < ?
           AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.msg_id = m.id AND d.next_attempt_at IS NOT NULL)
         ORDER BY m.id LIMIT ?)
       RETURNING id`,
    )
      .pluck()
      .all(from, idFloorAt("msg", cutoff), limit) as string[];
    return { changed: ids.length, next: last(ids, from) };
  },
};

export type RetentionBatchKind = keyof typeof retentionBatches;

/** The largest id (RETURNING gives no order guarantee), or `from` when there is none. */
const last = (ids: string[], from: string) => ids.reduce((a, b) => (b > a ? b : a), from);
