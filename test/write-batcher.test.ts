/**
 * The SQLite group commit: a failing write takes back only its own changes, and a failed commit
 * rejects the whole batch without wedging later ones.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { WriteBatcher } from "../src/store/sqlite/write-batcher.ts";

const dir = mkdtempSync(path.join(tmpdir(), "hookline-batcher-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string): Database.Database {
  const db = new Database(path.join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY);
           CREATE TABLE child (id TEXT PRIMARY KEY,
             parent_id TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)`);
  return db;
}

const ids = (db: Database.Database, table: string) =>
  (db.prepare(`SELECT id FROM ${table} ORDER BY id`).pluck().all() as string[]).join(",");

test("a write that fails halfway takes back only its own rows; the rest of the batch commits", async () => {
  const db = open("partial.db");
  const batcher = new WriteBatcher(db);
  const insert = db.prepare("INSERT INTO parent (id) VALUES (?)");
  // All three are requested in one turn, so they share one transaction.
  const results = await Promise.allSettled([
    batcher.run(() => insert.run("a").changes),
    batcher.run(() => {
      insert.run("b1");
      insert.run("a"); // primary-key conflict after b1 was written
    }),
    batcher.run(() => insert.run("c").changes),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "rejected", "fulfilled"],
  );
  assert.equal(ids(db, "parent"), "a,c", "b1 was rolled back with its failing write, a and c committed");
  db.close();
});

test("a failed commit rejects every write of the batch, and the next batch commits", async () => {
  const db = open("commit.db");
  const batcher = new WriteBatcher(db);
  // The deferred foreign key is checked only at COMMIT, so the commit itself fails.
  const doomed = await Promise.allSettled([
    batcher.run(() => db.prepare("INSERT INTO parent (id) VALUES ('p1')").run()),
    batcher.run(() => db.prepare("INSERT INTO child (id, parent_id) VALUES ('c1', 'missing')").run()),
  ]);
  assert.deepEqual(
    doomed.map((r) => r.status),
    ["rejected", "rejected"],
  );
  assert.match(String((doomed[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
  assert.equal(db.inTransaction, false, "the failed transaction was ended");
  assert.equal(ids(db, "parent"), "", "nothing of the failed batch is durable");

  await batcher.run(() => db.prepare("INSERT INTO parent (id) VALUES ('p2')").run());
  assert.equal(ids(db, "parent"), "p2");
  db.close();
});

test("with a gate set, a flush waits for it, and a gate that fails does not strand the writes", async () => {
  const db = open("gated.db");
  const batcher = new WriteBatcher(db);
  let release!: () => void;
  batcher.yieldTo = () => new Promise<void>((resolve) => (release = resolve));
  let done = false;
  const write = batcher.run(() => db.prepare("INSERT INTO parent (id) VALUES ('g1')").run()).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(done, false, "held by the gate");
  assert.equal(ids(db, "parent"), "");
  release();
  await write;
  assert.equal(ids(db, "parent"), "g1");

  batcher.yieldTo = () => Promise.reject(new Error("gate broke"));
  await batcher.run(() => db.prepare("INSERT INTO parent (id) VALUES ('g2')").run());
  assert.equal(ids(db, "parent"), "g1,g2");
  batcher.yieldTo = null;
  await batcher.run(() => db.prepare("INSERT INTO parent (id) VALUES ('g3')").run());
  assert.equal(ids(db, "parent"), "g1,g2,g3");
  db.close();
});
