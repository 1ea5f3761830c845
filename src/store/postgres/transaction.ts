import type pg from "pg";
import type { Queryable } from "./sql.ts";

/**
 * Runs `work` on one checked-out connection between BEGIN and COMMIT; any error rolls it back
 * (a failed ROLLBACK, on a connection already gone, is ignored) and is thrown again.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
