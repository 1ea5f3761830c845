import pg from "pg";

/** Anything that runs a query: the pool (one implicit transaction per statement) or a checked-out client. */
export type Queryable = Pick<pg.Pool, "query"> | Pick<pg.ClientBase, "query">;

/**
 * Collects bound values and hands out their placeholders, so filters and the paginator can
 * append conditions in any order without counting `$n` by hand.
 */
export class Params {
  readonly values: unknown[] = [];

  /** Binds `value` and returns its placeholder (`$1`, `$2`, …). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * JSONB parameters must be sent as JSON text: node-postgres would turn a JS array into a
 * PostgreSQL array literal (`{a,b}`), which is not JSON. Nullish stays SQL NULL.
 */
export const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

/**
 * Type parsers for this store's pool only (the global `pg.types` is shared with anything else in
 * the process). int8 arrives as text because it can exceed 2^53; our BIGINTs are millisecond
 * times (~1.7e12) and counts, far below 2^53 ≈ 9e15, so Number is exact.
 */
export function storeTypes(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(20 /* int8 */, Number);
  return types;
}

export const UNIQUE_VIOLATION = "23505";
const DEADLOCK_DETECTED = "40P01";

export const isDatabaseError = (error: unknown, code: string): error is pg.DatabaseError =>
  error instanceof pg.DatabaseError && error.code === code;

/**
 * Runs a single-statement write again when PostgreSQL picked it as a deadlock victim. Batched
 * lease and outcome updates lock many delivery/endpoint rows in plan order, so two workers can
 * cross; the victim's statement was rolled back whole, so running it again is safe. Three tries:
 * a deadlock needs two transactions interleaving within ~1 s (deadlock_timeout), so a second
 * collision in a row is already rare.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= tries || !isDatabaseError(error, DEADLOCK_DETECTED)) throw error;
    }
  }
}
