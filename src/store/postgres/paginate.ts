import type { QueryResultRow } from "pg";
import type { Page, PageRequest } from "../store.ts";
import type { Params, Queryable } from "./sql.ts";

/**
 * Keyset pagination over a sortable key column, identical in behaviour to the SQLite one:
 * `iterator` continues after the last item of a page; `prevIterator` is the first item's key
 * prefixed with "-" and walks back. Key columns are `COLLATE "C"` in the schema, so `>`/`<` and
 * ORDER BY compare bytes as SQLite does (ids are base62 whose byte order is creation order)
 * whatever the database's default collation, and the (app_id, id)-style indexes serve the scan.
 * `where` conditions already hold placeholders bound in `params`; the cursor and limit are added here.
 */
export async function paginate<Row extends QueryResultRow, T>(
  db: Queryable,
  query: { select?: string; from: string; where: string[]; params: Params; key: string },
  page: PageRequest,
  map: (row: Row) => T,
  keyOf: (row: Row) => string,
): Promise<Page<T>> {
  const backwards = page.iterator?.startsWith("-") ?? false;
  const cursor = page.iterator ? (backwards ? page.iterator.slice(1) : page.iterator) : null;
  const ascending = (page.order === "ascending") !== backwards;
  const where = [...query.where];
  const params = query.params;
  if (cursor !== null) where.push(`${query.key} ${ascending ? ">" : "<"} ${params.add(cursor)}`);
  const sql =
    `SELECT ${query.select ?? "*"} FROM ${query.from}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${query.key} ${ascending ? "ASC" : "DESC"} LIMIT ${params.add(page.limit + 1)}`;
  let rows = (await db.query<Row>(sql, params.values)).rows;
  const more = rows.length > page.limit;
  if (more) rows = rows.slice(0, page.limit);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    data: rows.map(map),
    // Walking back past the first item leaves nothing to continue from: start over from the top.
    iterator: last ? keyOf(last) : backwards ? null : (cursor ?? null),
    prevIterator: first ? "-" + keyOf(first) : null,
    done: backwards ? false : !more,
  };
}
