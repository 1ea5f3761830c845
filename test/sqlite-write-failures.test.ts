/**
 * The SQLite group commit when the database refuses writes. SQLite answers some failures inside a
 * transaction (SQLITE_FULL outside a statement journal, any SQLITE_IOERR) by rolling the whole
 * transaction back, and a failed COMMIT leaves nothing committed: in both cases every waiter of
 * the batch must be told, with the real cause (SQLITE_FULL maps to a 503, not a 500), nothing of
 * the batch may be committed behind its callers' backs, and the next batch must commit normally.
 *
 * The disk is filled for real: PRAGMA max_page_count is SQLite's own cap on the file's size and
 * fails a write exactly as a full disk does (SQLITE_FULL); the root-only case fills a tmpfs.
 * A retention batch that fails on its own thread must not leave the write lock held.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { ManualClock } from "../src/core/clock.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { SqliteRetention } from "../src/store/sqlite/retention.ts";
import { openSqlite } from "../src/store/sqlite/open-database.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { FREE } from "../src/store/sqlite/write-lock.ts";
import { WriteBatcher } from "../src/store/sqlite/write-batcher.ts";
import { SmallFilesystem } from "./reliability/support/small-filesystem.ts";

const skip = process.env.HOOKLINE_TEST_STORE === "postgres" ? "SQLite only (runs in the SQLite leg)" : false;

function table(db: Database.Database) {
  db.exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v BLOB NOT NULL)");
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
  return {
    write: (bytes: number) => () => Number(insert.run(Buffer.alloc(bytes, 1)).lastInsertRowid),
    rows: () => db.prepare("SELECT id, length(v) AS bytes FROM t ORDER BY id").all() as { id: number; bytes: number }[],
  };
}

const codes = (results: PromiseSettledResult<unknown>[]) =>
  results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string }).code));

describe("SQLite group commit when the disk refuses writes", { skip }, () => {
  it("a write that makes SQLite roll back the whole batch fails every waiter with its cause and commits none", async () => {
    const db = new Database(":memory:");
    const t = table(db);
    t.write(10)();
    // No page beyond the ones in use: the first write needing a new page fails with SQLITE_FULL.
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
    const writer = new WriteBatcher(db);

    // One batch (same turn): small, too big, small. The small ones fit in the existing page.
    const results = await Promise.allSettled([
      writer.run(t.write(10)),
      writer.run(t.write(100_000)),
      writer.run(t.write(10)),
    ]);
    assert.deepEqual(codes(results), ["SQLITE_FULL", "SQLITE_FULL", "SQLITE_FULL"]);
    assert.deepEqual(t.rows(), [{ id: 1, bytes: 10 }], "nothing of the failed batch was committed");
    assert.equal(db.inTransaction, false);

    // Space again: the next batch commits as if nothing happened.
    db.pragma("max_page_count = 1000000");
    const ids = await Promise.all([writer.run(t.write(10)), writer.run(t.write(100_000))]);
    assert.equal(ids.length, 2);
    assert.deepEqual(
      t.rows().map((r) => r.bytes),
      [10, 10, 100_000],
    );
  });

  it("a write failing on its own (a constraint) still rejects only its caller", async () => {
    const db = new Database(":memory:");
    const t = table(db);
    const writer = new WriteBatcher(db);
    const results = await Promise.allSettled([
      writer.run(t.write(10)),
      writer.run(() => db.prepare("INSERT INTO t (id, v) VALUES (1, x'00')").run()),
      writer.run(t.write(10)),
    ]);
    assert.deepEqual(codes(results), ["ok", "SQLITE_CONSTRAINT_PRIMARYKEY", "ok"]);
    assert.equal(t.rows().length, 2);
  });

  const noTmpfs = SmallFilesystem.unavailableReason();
  it(
    "a COMMIT failing on a full disk fails every waiter; freeing space makes the next commit work",
    {
      skip: noTmpfs ?? false,
    },
    async () => {
      const disk = SmallFilesystem.mount(4);
      const db = openSqlite(path.join(disk.mountPoint, "data"), { synchronous: "FULL" });
      after(() => {
        db.close();
        disk.remove();
      });
      const t = table(db);
      const writer = new WriteBatcher(db);
      await writer.run(t.write(10));
      disk.fill();
      // 200 kB more than the WAL has room for: the commit cannot append its frames (ENOSPC).
      const results = await Promise.allSettled([writer.run(t.write(10)), writer.run(t.write(200_000))]);
      assert.deepEqual(codes(results), ["SQLITE_FULL", "SQLITE_FULL"]);
      assert.equal(db.inTransaction, false);
      assert.equal(t.rows().length, 1);

      disk.clear();
      await Promise.all([writer.run(t.write(10)), writer.run(t.write(200_000))]);
      assert.deepEqual(
        t.rows().map((r) => r.bytes),
        [10, 10, 200_000],
      );
    },
  );

  it("a retention batch failing on its thread rejects the pass with its cause and leaves the store writable", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-retention-fail-"));
    const store = SqliteStore.open(dir, { synchronous: "FULL" });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const clock = new ManualClock(Date.now());
    // The thread prepares its statements on its own connection: a missing table fails its batch.
    store.db.exec("ALTER TABLE attempt RENAME TO attempt_elsewhere");
    const retention = new SqliteRetention(store);
    await assert.rejects(runRetention(retention, clock, { retentionDays: 1 }), (error: Error & { code?: string }) => {
      assert.match(error.message, /no such table: attempt/);
      assert.equal(error.code, "SQLITE_ERROR");
      return true;
    });
    assert.equal(store.writeLock.holder, FREE, "the write lock is free after the failed pass");
    assert.equal(retention.threadRunning, false, "the pass stopped its thread");

    store.db.exec("ALTER TABLE attempt_elsewhere RENAME TO attempt");
    await store.applications.insert({
      id: "app_after_failure",
      uid: null,
      name: "after",
      throttleRate: null,
      metadata: {},
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    assert.equal(await runRetention(retention, clock, { retentionDays: 1 }), 0, "the next pass runs on a new thread");
    assert.ok(await store.applications.get("app_after_failure"));
  });
});
