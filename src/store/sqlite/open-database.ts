import Database from "better-sqlite3";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DATABASE_FILE = "hookline.sqlite3";
const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/sqlite/", import.meta.url));

export interface SqliteOptions {
  /** FULL fsyncs every commit (survives power loss); NORMAL only survives a process crash in WAL mode. */
  synchronous: "FULL" | "NORMAL";
}

export function openSqlite(dataDir: string, options: SqliteOptions): Database.Database {
  const db = openConnection(dataDir, options);
  migrate(db);
  return db;
}

/** For `hookline migrate`: applies pending migrations and returns the files it applied. */
export function migrateSqlite(dataDir: string, options: SqliteOptions): string[] {
  const db = openConnection(dataDir, options);
  try {
    return migrate(db);
  } finally {
    db.close();
  }
}

/** One more connection with the store's settings, without migrating (the retention thread's). */
export function openConnection(dataDir: string, options: SqliteOptions): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, DATABASE_FILE));
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma("foreign_keys = ON");
  // Another process holding the write lock (e.g. `hookline migrate`) makes us wait, not fail.
  db.pragma("busy_timeout = 5000");
  // Keeps the WAL from growing without bound under sustained writes (pages, ~4 MB).
  db.pragma("wal_autocheckpoint = 1000");
  return db;
}

/** Applies numbered, forward-only migrations inside one write transaction each. */
export function migrate(db: Database.Database): string[] {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)");
  const applied = new Set(db.prepare("SELECT name FROM schema_migration").pluck().all() as string[]);
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort();
  const ran: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = readFileSync(path.join(MIGRATIONS_DIR, file), "utf8");
    // IMMEDIATE takes the write lock first, so two processes starting together apply each file once.
    db.transaction(() => {
      const again = db.prepare("SELECT 1 FROM schema_migration WHERE name = ?").get(file);
      if (again) return;
      db.exec(sql);
      db.prepare("INSERT INTO schema_migration (name, applied_at) VALUES (?, ?)").run(file, Date.now());
      ran.push(file);
    }).immediate();
  }
  return ran;
}
