import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { TestHookline } from "./hookline.ts";

/** Every table value in the store, as text, for "is this secret anywhere in the database?". */
export async function databaseDump(h: TestHookline): Promise<string> {
  if (h.ctx.config.databaseUrl) {
    const tables = await sql<{ tablename: string }>(h, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    let out = "";
    for (const { tablename } of tables) out += JSON.stringify(await sql(h, `SELECT * FROM "${tablename}"`));
    return out;
  }
  const db = new Database(path.join(h.dataDir, "hookline.sqlite3"), { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    return tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())).join("");
  } finally {
    db.close();
  }
}

/**
 * The SQLite files' raw bytes (database, write-ahead log), as Latin-1 text: also what sits in
 * pages no table reaches any more. Empty on the PostgreSQL leg.
 */
export function databaseFileBytes(h: TestHookline): string {
  if (h.ctx.config.databaseUrl) return "";
  const file = path.join(h.dataDir, "hookline.sqlite3");
  return [file, `${file}-wal`]
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString("latin1"))
    .join("");
}

/**
 * One statement on the instance's database from outside Hookline (a second connection), for
 * tests that plant rows as an older version wrote them. Placeholders are `?`; on PostgreSQL they
 * become `$1`, `$2`…
 */
export async function sql<T = Record<string, unknown>>(h: TestHookline, text: string, params: unknown[] = []) {
  if (h.ctx.config.databaseUrl) {
    const client = new pg.Client({ connectionString: h.ctx.config.databaseUrl });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(path.join(h.dataDir, "hookline.sqlite3"));
  try {
    const statement = db.prepare(text);
    return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as T[];
  } finally {
    db.close();
  }
}
