import { PLAINTEXT, type Sealer } from "../../core/secret-box.ts";
import type { IdempotencyRepository, IdempotentResponse } from "../store.ts";
import type { Queryable } from "./sql.ts";

/** Rows one purge() deletes, as in SQLite: bounds the statement's locks and WAL at ~5,000 small rows. */
const PURGE_BATCH = 5000;

/** Remembered responses are sealed under the master key, as in SQLite (see ../sqlite/idempotency.ts). */
export class PostgresIdempotency implements IdempotencyRepository {
  constructor(
    private readonly db: Queryable,
    private readonly box: Sealer = PLAINTEXT,
  ) {}

  async get(scope: string, key: string): Promise<IdempotentResponse | undefined> {
    const { rows } = await this.db.query<IdempotentResponse>(
      `SELECT scope, key, status_code AS "statusCode", body FROM idempotency_key WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    return row && { ...row, body: this.box.open(row.body) };
  }

  /** First response wins (SQLite's INSERT OR IGNORE). */
  async put(r: IdempotentResponse, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO idempotency_key (scope, key, status_code, body, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (scope, key) DO NOTHING`,
      [r.scope, r.key, r.statusCode, this.box.seal(r.body), now],
    );
  }

  /**
   * Every Hookline process purges once a minute; SKIP LOCKED lets two of them delete disjoint
   * batches side by side instead of one waiting on the other's row locks.
   */
  async purge(before: number): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM idempotency_key WHERE (scope, key) IN (
         SELECT scope, key FROM idempotency_key WHERE created_at < $1 LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`,
      [before],
    );
    return result.rowCount ?? 0;
  }
}
