import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const DATABASE_FILE = "hookline.sqlite3";
/** The database and its -wal and -shm files: readable and writable by the user Hookline runs as only. */
const DATABASE_FILE_MODE = 0o600;
/** As src/main/data-dir.ts creates it, for the commands that open the store without starting a server. */
const DATA_DIR_MODE = 0o700;
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
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  const file = path.join(dataDir, DATABASE_FILE);
  restrictDatabaseFiles(file);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma("foreign_keys = ON");
  // Another process holding the write lock (e.g. `hookline migrate`) makes us wait, not fail.
  db.pragma("busy_timeout = 5000");
  // Keeps the WAL from growing without bound under sustained writes (pages, ~4 MB).
  db.pragma("wal_autocheckpoint = 1000");
  return db;
}

/**
 * SQLite creates a database 0644 (less the umask), and its -wal and -shm files with the database
 * file's mode. Creating the file 0600 before SQLite opens it (an empty file is an empty database)
 * therefore makes all three 0600; files left wider by an older version are narrowed here.
 */
function restrictDatabaseFiles(file: string): void {
  if (!existsSync(file)) closeSync(openSync(file, "a", DATABASE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o777 & ~DATABASE_FILE_MODE) !== 0) chmodSync(f, DATABASE_FILE_MODE);
    } catch (error) {
      // A -wal or -shm file exists only while a connection has the database open; a file owned by
      // another user cannot be narrowed by this one, which can still use it as before.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "EPERM") throw error;
    }
  }
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
