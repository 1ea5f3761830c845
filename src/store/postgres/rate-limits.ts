import type pg from "pg";
import { refillAndTake } from "../rows/rate-bucket.ts";
import type { RateGrant, RateLimitRepository } from "../store.ts";
import { inTransaction } from "./transaction.ts";

/**
 * One short transaction per take: the bucket row is locked (FOR UPDATE) between reading and
 * writing it, so concurrent takes from any number of processes serialise on the row and the
 * endpoint's rate holds across the cluster.
 */
export class PostgresRateLimits implements RateLimitRepository {
  constructor(private readonly pool: pg.Pool) {}

  take(endpointId: string, ratePerSecond: number, want: number, now: number): Promise<RateGrant> {
    return inTransaction(this.pool, async (client) => {
      // Create the bucket (full) first if it is missing: a second process racing to create it
      // waits on the unique key here, then reads the row the first one wrote instead of also
      // starting from a full bucket.
      await client.query(
        "INSERT INTO rate_bucket (endpoint_id, tokens, refilled_at) VALUES ($1, $2, $3) ON CONFLICT (endpoint_id) DO NOTHING",
        [endpointId, ratePerSecond, now],
      );
      const { rows } = await client.query<{ tokens: number; refilledAt: number }>(
        `SELECT tokens, refilled_at AS "refilledAt" FROM rate_bucket WHERE endpoint_id = $1 FOR UPDATE`,
        [endpointId],
      );
      const row = rows[0];
      const { tokens, grant } = refillAndTake(row, ratePerSecond, want, now);
      await client.query(
        `INSERT INTO rate_bucket (endpoint_id, tokens, refilled_at) VALUES ($1, $2, $3)
         ON CONFLICT (endpoint_id) DO UPDATE SET tokens = EXCLUDED.tokens, refilled_at = EXCLUDED.refilled_at`,
        [endpointId, tokens, Math.max(now, row?.refilledAt ?? now)],
      );
      return grant;
    });
  }
}
