import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { DatabaseConnector, DEFAULT_CONNECT_TIMEOUT_MS } from "./connection.ts";

const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/postgres/", import.meta.url));

/**
 * The advisory-lock key every Hookline process migrates under: the ASCII bytes of "hookline" read
 * as a signed 64-bit integer (0x686f6f6b6c696e65), so it is unlikely to collide with another
 * application's key in a shared database. Sent as text: it exceeds 2^53.
 */
const MIGRATION_LOCK_KEY = "7525749416441425509";

export interface MigrateOptions {
  /** Stops after this file (tests that upgrade a database with data in an older schema). */
  through?: string;
}

/**
 * Applies numbered, forward-only migrations (`NNNN_name.sql`), each in its own transaction with
 * its `schema_migration` row, so a failed file leaves no half-applied schema behind.
 *
 * Everything, including creating `schema_migration` itself, happens under a session-level
 * advisory lock: several processes starting at once against an empty database queue up here and
 * each file runs exactly once. (Two concurrent `CREATE TABLE IF NOT EXISTS` can both pass the
 * existence check and one then fails on pg_type's unique index, so that too needs the lock.)
 * A migration file therefore must not use CREATE INDEX CONCURRENTLY, which refuses to run inside
 * a transaction block.
 */
export async function migrate(client: pg.ClientBase, options: MigrateOptions = {}): Promise<string[]> {
  await client.query("SELECT pg_advisory_lock($1::bigint)", [MIGRATION_LOCK_KEY]);
  try {
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migration (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    );
    const applied = new Set(
      (await client.query<{ name: string }>("SELECT name FROM schema_migration")).rows.map((r) => r.name),
    );
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_.+\.sql$/.test(f))
      .sort();
    const ran: string[] = [];
    for (const file of files) {
      if (options.through !== undefined && file > options.through) break;
      if (applied.has(file)) continue;
      const sql = readFileSync(path.join(MIGRATIONS_DIR, file), "utf8");
      await client.query("BEGIN");
      try {
        // No parameters: node-postgres sends this as a simple query, which may hold many statements.
        await client.query(sql);
        await client.query("INSERT INTO schema_migration (name, applied_at) VALUES ($1, $2)", [file, Date.now()]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
      }
      ran.push(file);
    }
    return ran;
  } finally {
    // If the connection broke, the lock went with the session; nothing more to release.
    await client.query("SELECT pg_advisory_unlock($1::bigint)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
  }
}

/**
 * For `hookline migrate` and for `PostgresStore.open`: connects (to the server that takes writes,
 * when the URL lists several), migrates, disconnects; returns the files applied. No query timeout:
 * a migration may wait for another process's (the advisory lock) or rewrite a large table.
 */
export async function migratePostgres(
  database: string | DatabaseConnector,
  options: MigrateOptions & { connectTimeoutMs?: number } = {},
): Promise<string[]> {
  const connector =
    typeof database === "string"
      ? new DatabaseConnector(database, {
          connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          queryTimeoutMs: 0,
        })
      : database;
  const client = await connector.connect("hookline-migrate", { queryTimeoutMs: 0 });
  try {
    return await migrate(client, options);
  } finally {
    await client.end();
  }
}
