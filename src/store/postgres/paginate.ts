import type { QueryResultRow } from "pg";
import { keysetPage, keysetStatement, type KeysetQuery } from "../rows/keyset-page.ts";
import type { Page, PageRequest } from "../store.ts";
import type { Params, Queryable } from "./sql.ts";

/**
 * Keyset pagination (../rows/keyset-page.ts). Key columns are `COLLATE "C"` in the schema, so
 * `>`/`<` and ORDER BY compare bytes as SQLite does (ids are base62 whose byte order is creation
 * order) whatever the database's default collation, and the (app_id, id)-style indexes serve the
 * scan. `where` conditions already hold placeholders bound in `params`.
 */
export async function paginate<Row extends QueryResultRow, T>(
  db: Queryable,
  query: KeysetQuery & { params: Params },
  page: PageRequest,
  map: (row: Row) => T,
  keyOf: (row: Row) => string,
): Promise<Page<T>> {
  const params = query.params;
  const { sql, position } = keysetStatement(query, page, (value) => params.add(value));
  const { rows } = await db.query<Row>(sql, params.values);
  return keysetPage(rows, page, position, map, keyOf);
}
