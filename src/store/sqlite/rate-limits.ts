import type Database from "better-sqlite3";
import { refillAndTake } from "../rows/rate-bucket.ts";
import type { RateGrant, RateLimitRepository } from "../store.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

/**
 * The read-modify-write runs inside the batcher's IMMEDIATE transaction, which holds SQLite's
 * write lock: another process on the same file cannot interleave between the read and the write.
 */
export class SqliteRateLimits implements RateLimitRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  take(endpointId: string, ratePerSecond: number, want: number, now: number): Promise<RateGrant> {
    return this.writer.run(() => {
      const row = prepared(
        this.db,
        "SELECT tokens, refilled_at AS refilledAt FROM rate_bucket WHERE endpoint_id = ?",
      ).get(endpointId) as { tokens: number; refilledAt: number } | undefined;
      const { tokens, grant } = refillAndTake(row, ratePerSecond, want, now);
      prepared(
        this.db,
        `INSERT INTO rate_bucket (endpoint_id, tokens, refilled_at) VALUES (?, ?, ?)
         ON CONFLICT (endpoint_id) DO UPDATE SET tokens = excluded.tokens, refilled_at = excluded.refilled_at`,
      ).run(endpointId, tokens, Math.max(now, row?.refilledAt ?? now));
      return grant;
    });
  }
}
