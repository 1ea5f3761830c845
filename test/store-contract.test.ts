/**
 * The store contract: one list of cases (test/store-contract/) run on both implementations of
 * the Store interface, each case on a fresh store: SqliteStore in a temporary directory, and
 * PostgresStore in a fresh database of a throwaway cluster (copied from a migrated template, so a
 * case does not pay for the migrations). Both stores seal secrets with the same key, as a server
 * with a master key does. Where no PostgreSQL server binaries are installed, that half is skipped
 * loudly; CI installs them (scripts/run-tests.ts fails there without them).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { SecretBox } from "../src/core/secret-box.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.ts";
import { waitForValue } from "./support/wait.ts";
import { STORE_CASES } from "./store-contract/cases.ts";

const box = new SecretBox(Buffer.alloc(32, 7));
const skipPostgres =
  findPostgresBin() === null
    ? "SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install Debian's `postgresql` package"
    : false;

describe("store contract on SQLite", () => {
  for (const c of STORE_CASES) {
    test(c.name, { todo: c.todo }, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "hookline-contract-"));
      const store = SqliteStore.open(dir, { synchronous: "NORMAL", box });
      try {
        await c.run(store);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("store contract on PostgreSQL", { skip: skipPostgres }, () => {
  let cluster: PostgresCluster;
  let template: string;
  let copies = 0;

  before(async () => {
    cluster = await startPostgresCluster();
    const url = new URL(await cluster.createDatabase());
    await (await PostgresStore.open(url.toString(), { poolSize: 1 })).close();
    template = url.pathname.slice(1);
  });

  after(() => cluster?.stop());

  /** A fresh migrated database: a copy of the template, once its last session has gone. */
  async function freshDatabase(): Promise<string> {
    const name = `contract_${++copies}`;
    const admin = new pg.Client({ connectionString: cluster.url("postgres") });
    await admin.connect();
    try {
      await waitForValue(
        () =>
          admin.query(`CREATE DATABASE ${name} TEMPLATE ${pg.escapeIdentifier(template)}`).then(
            () => true,
            // 55006: the template still has a session (a closed pool's backends exit asynchronously).
            (error: { code?: string }) => (error.code === "55006" ? false : Promise.reject(error)),
          ),
        10_000,
        `a copy of the template database ${template}`,
      );
    } finally {
      await admin.end();
    }
    return cluster.url(name);
  }

  for (const c of STORE_CASES) {
    test(c.name, { todo: c.todo }, async () => {
      const store = await PostgresStore.open(await freshDatabase(), { poolSize: 4, box });
      try {
        await c.run(store);
      } finally {
        await store.close();
      }
    });
  }
});
