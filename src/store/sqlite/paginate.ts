import type Database from "better-sqlite3";
import { positional } from "../rows/bind.ts";
import { keysetPage, keysetStatement, type KeysetQuery } from "../rows/keyset-page.ts";
import type { Page, PageRequest } from "../store.ts";
import { prepared } from "./statements.ts";

/** Keyset pagination (../rows/keyset-page.ts); `params` are the values of the `where` conditions' `?`. */
export function paginate<Row, T>(
  db: Database.Database,
  query: KeysetQuery & { params: unknown[] },
  page: PageRequest,
  map: (row: Row) => T,
  keyOf: (row: Row) => string,
): Page<T> {
  const params = [...query.params];
  const { sql, position } = keysetStatement(query, page, positional(params));
  return keysetPage(prepared(db, sql).all(...params) as Row[], page, position, map, keyOf);
}
