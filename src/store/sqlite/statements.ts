import type Database from "better-sqlite3";

const caches = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** Prepares each distinct SQL text once per connection; dynamic list queries repeat a handful of shapes. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

export const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);
export const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
