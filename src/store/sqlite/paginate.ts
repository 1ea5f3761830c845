import type Database from "better-sqlite3";
import type { Page, PageRequest } from "../store.ts";
import { prepared } from "./statements.ts";

/**
 * Keyset pagination over a sortable key column (ids sort by creation time). `iterator` continues
 * after the last item of a page; `prevIterator` is the first item's key prefixed with "-" and
 * walks back. Runs `SELECT * FROM <from> WHERE <where> AND key ? ORDER BY key LIMIT n+1`.
 */
export function paginate<Row, T>(
  db: Database.Database,
  query: { select?: string; from: string; where: string[]; params: unknown[]; key: string },
  page: PageRequest,
  map: (row: Row) => T,
  keyOf: (row: Row) => string,
): Page<T> {
  const backwards = page.iterator?.startsWith("-") ?? false;
  const cursor = page.iterator ? (backwards ? page.iterator.slice(1) : page.iterator) : null;
  const ascending = (page.order === "ascending") !== backwards;
  const where = [...query.where];
  const params = [...query.params];
  if (cursor !== null) {
    where.push(`${query.key} ${ascending ? ">" : "<"} ?`);
    params.push(cursor);
  }
  const sql =
    `SELECT ${query.select ?? "*"} FROM ${query.from}` +
    (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
    ` ORDER BY ${query.key} ${ascending ? "ASC" : "DESC"} LIMIT ?`;
  params.push(page.limit + 1);
  let rows = prepared(db, sql).all(...params) as Row[];
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
