import type { Page, PageRequest } from "../store.ts";
import type { Bind } from "./bind.ts";

/**
 * Keyset pagination over a sortable key column (ids sort by creation time), the same in both
 * dialects: `iterator` continues after the last item of a page; `prevIterator` is the first
 * item's key prefixed with "-" and walks back. The statement is
 * `SELECT * FROM <from> WHERE <where> AND key ? ORDER BY key LIMIT n+1`; `where` conditions
 * already hold their placeholders, and the cursor and limit are bound here.
 */
export interface KeysetQuery {
  select?: string;
  from: string;
  where: string[];
  key: string;
}

/** Where a page request starts and which way it walks. */
export interface KeysetPosition {
  backwards: boolean;
  cursor: string | null;
}

export function keysetStatement(
  query: KeysetQuery,
  page: PageRequest,
  bind: Bind,
): { sql: string; position: KeysetPosition } {
  const backwards = page.iterator?.startsWith("-") ?? false;
  const cursor = page.iterator ? (backwards ? page.iterator.slice(1) : page.iterator) : null;
  const ascending = (page.order === "ascending") !== backwards;
  const where = [...query.where];
  if (cursor !== null) where.push(`${query.key} ${ascending ? ">" : "<"} ${bind(cursor)}`);
  const sql =
    `SELECT ${query.select ?? "*"} FROM ${query.from}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${query.key} ${ascending ? "ASC" : "DESC"} LIMIT ${bind(page.limit + 1)}`;
  return { sql, position: { backwards, cursor } };
}

/** The page made of the rows `keysetStatement` selected (one more than the limit when more follow). */
export function keysetPage<Row, T>(
  selected: Row[],
  page: PageRequest,
  { backwards, cursor }: KeysetPosition,
  map: (row: Row) => T,
  keyOf: (row: Row) => string,
): Page<T> {
  const more = selected.length > page.limit;
  const rows = more ? selected.slice(0, page.limit) : [...selected];
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
