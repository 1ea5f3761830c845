/**
 * A multi-host HOOKLINE_DATABASE_URL on a real primary and hot standby (streaming replication,
 * synchronous): the store finds the server that takes writes whatever the order of the list, says
 * "unavailable" (a 503) while no server takes writes, and follows the standby once it is promoted,
 * without being reopened: the pool, the writes and the LISTEN session. The failover under load,
 * with Hookline processes, is test/reliability/failover.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { isStoreUnavailable } from "../src/store/store-unavailable.ts";
import { findPostgresBin, freePort } from "./support/postgres-cluster.ts";
import { startReplicatedPair, type ReplicatedPair } from "./support/postgres-replication.ts";
import { waitUntil } from "./support/wait.ts";

const skip =
  findPostgresBin() === null
    ? "SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install Debian's `postgresql` package"
    : false;

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => assert.fail("succeeded without a server that takes writes"),
    (error: unknown) => error,
  );

describe("PostgreSQL failover with a multi-host database URL", { skip }, () => {
  let pair: ReplicatedPair;
  let db: string;
  const stores: PostgresStore[] = [];
  before(async () => {
    pair = await startReplicatedPair({ synchronous: true });
    db = await pair.createDatabase();
  });
  after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await pair?.stop();
  });

  it("a standby alone is refused as read-only, and a dead first host is skipped", async () => {
    const error = await failure(PostgresStore.open(`${pair.standbyUrl(db)}?target_session_attrs=read-write`));
    assert.ok(isStoreUnavailable(error), String(error));
    assert.match(String(error), /read-only \(a standby\)/);

    const deadPort = await freePort();
    const store = await PostgresStore.open(
      `postgresql://postgres@127.0.0.1:${deadPort},127.0.0.1:${pair.primary.port}/${db}`,
      { poolSize: 2 },
    );
    stores.push(store);
    await store.ping();
  });

  it("a write refused as read-only makes the store choose again instead of reusing the server", async () => {
    // One connection, so the write after the refusal needs a new one.
    const store = await PostgresStore.open(pair.multiHostUrl(db), { poolSize: 1 });
    stores.push(store);
    const admin = new pg.Client({ connectionString: pair.primaryUrl(db) });
    await admin.connect();
    try {
      assert.equal(await store.coordination.claimJob("read-only-probe", 1000, 1), false);
      await admin.query("ALTER SYSTEM SET default_transaction_read_only = on");
      await admin.query("SELECT pg_reload_conf()");
      const refused = await failure(
        waitUntil(
          async () => {
            await store.coordination.claimJob("read-only-probe", 1000, 10_000);
            return false;
          },
          30_000,
          "a write to be refused",
        ),
      );
      assert.equal((refused as { code?: string }).code, "25006", String(refused));
      // Chosen again: both servers are read-only now, and the store says so rather than reconnecting to the old one.
      const next = await failure(store.coordination.claimJob("read-only-probe", 1000, 20_000));
      assert.ok(isStoreUnavailable(next), String(next));
      assert.match(String(next), /no database server accepts writes/);
    } finally {
      await admin.query("SET default_transaction_read_only = off");
      await admin.query("ALTER SYSTEM RESET default_transaction_read_only");
      await admin.query("SELECT pg_reload_conf()");
      await admin.end();
    }
    await waitUntil(
      () =>
        store.coordination.claimJob("read-only-probe", 1000, 30_000).then(
          () => true,
          () => false,
        ),
      30_000,
      "writes to be accepted again",
    );
  });

  it("follows the promoted standby: 503s while no server takes writes, then writes and LISTEN resume", async () => {
    // The standby first: a client that took the first server that answers would land on it.
    const url = `postgresql://postgres@127.0.0.1:${pair.standbyPort},127.0.0.1:${pair.primary.port}/${db}?target_session_attrs=read-write`;
    const store = await PostgresStore.open(url, { poolSize: 4, connectTimeoutMs: 5000 });
    stores.push(store);
    let wakes = 0;
    const unwatch = await store.coordination.watchForWork(() => wakes++);
    try {
      // First sight of a job schedules it; the row is committed on the primary and, synchronously, the standby.
      assert.equal(await store.coordination.claimJob("failover-probe", 1000, 1), false);

      pair.killPrimary();
      await waitUntil(
        async () => isStoreUnavailable(await failure(store.coordination.claimJob("failover-probe", 1000, 2))),
        30_000,
        "writes to fail as 'store unavailable' once the primary is gone",
      );
      const refused = await failure(store.ping());
      assert.ok(isStoreUnavailable(refused), String(refused));

      await pair.promoteStandby();
      await waitUntil(
        () =>
          store.ping().then(
            () => true,
            () => false,
          ),
        30_000,
        "the store to reach the promoted standby",
      );
      // The row written before the failover is there: the claim finds it due.
      assert.equal(await store.coordination.claimJob("failover-probe", 1000, 10_000), true);

      // The LISTEN session reconnected to the promoted server: a NOTIFY there wakes the watcher.
      const admin = new pg.Client({ connectionString: pair.standbyUrl(db) });
      await admin.connect();
      try {
        await waitUntil(
          async () =>
            (
              await admin.query(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = 'hookline-listen' AND state = 'idle' " +
                  "AND query IN ('LISTEN hookline_work', 'SELECT 1')",
              )
            ).rowCount === 1,
          30_000,
          "the LISTEN session to reconnect to the promoted server",
        );
        const before = wakes;
        await admin.query("SELECT pg_notify('hookline_work', '')");
        await waitUntil(() => wakes > before, 10_000, "the notification to wake the watcher");
      } finally {
        await admin.end();
      }
    } finally {
      await unwatch();
    }
  });
});
