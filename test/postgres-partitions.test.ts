/**
 * PostgreSQL's time-partitioned history (store/postgres/partitions.ts): ids and partition bounds,
 * upgrading a database that already has history, and partitions created on demand. Retention's
 * dropping of whole windows is covered with the real server in retention.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { ManualClock } from "../src/core/clock.ts";
import type { Message } from "../src/core/entities.ts";
import { ApiError } from "../src/core/errors.ts";
import { idFloorAt, idTimeMs, newId } from "../src/core/ids.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { PostgresRetention } from "../src/store/postgres/retention.ts";
import { migratePostgres } from "../src/store/postgres/migrate.ts";
import { partitionWidthMs, uncovered, type HistoryPartition } from "../src/store/postgres/partitions.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const skip =
  findPostgresBin() === null
    ? "SKIPPED: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); install Debian's `postgresql` package"
    : false;

/**
 * An id made at `ms`, whatever ids this process made before (newId never goes back in time: it
 * counts up from the latest millisecond it has seen).
 */
const idAt = (prefix: "msg" | "dlv" | "atmpt" | "app" | "ep", ms: number) => idFloorAt(prefix, ms);

const insertApp = (store: PostgresStore, id: string, t: number) =>
  store.applications.insert({
    id,
    uid: null,
    name: "app",
    throttleRate: null,
    metadata: {},
    createdAt: t,
    updatedAt: t,
  });

const message = (appId: string, t: number, eventId: string | null = null): Message => ({
  id: idAt("msg", t),
  appId,
  eventType: "invoice.paid",
  eventId,
  payload: '{"n":1}',
  channels: null,
  tags: null,
  createdAt: t,
  payloadExpiresAt: null,
  inbound: null,
});

test("partition windows: the epoch-aligned grid, cut where partitions already cover part of a cell", () => {
  const width = 6 * HOUR;
  const legacy: HistoryPartition = { suffix: "legacy", fromMs: 0, toMs: 10 * HOUR };
  const made = uncovered([legacy], 8 * HOUR, 20 * HOUR, width);
  assert.deepEqual(
    made.map((w) => [w.fromMs / HOUR, w.toMs / HOUR]),
    [
      [10, 12],
      [12, 18],
      [18, 24],
    ],
  );
  assert.deepEqual(uncovered([legacy, ...made], 0, 24 * HOUR, width), [], "nothing left to create");
  assert.equal(made[1]!.suffix, "p19700101t1200");
  assert.equal(partitionWidthMs(2), 6 * HOUR, "an eighth of the period, at least 6 h");
  assert.equal(partitionWidthMs(30), 90 * HOUR);
  assert.equal(partitionWidthMs(90), 7 * DAY, "at most 7 days");
});

test("an id's time is read back exactly from any id", () => {
  for (const ms of [0, 1, 1_700_000_000_123, Date.UTC(2026, 10, 27, 18, 0)]) {
    assert.equal(idTimeMs(idFloorAt("msg", ms)), ms);
    assert.equal(idTimeMs(idFloorAt("atmpt", ms + 5)), ms + 5);
  }
  // With its 104 random bits: the time is read from the top 48 of the 160.
  const made = newId("msg", Date.UTC(2030, 0, 1));
  assert.equal(idTimeMs(made), Date.UTC(2030, 0, 1));
});

describe("PostgreSQL history partitions", { skip }, () => {
  let cluster: PostgresCluster;
  const stores: PostgresStore[] = [];
  let admin: pg.Pool;

  before(async () => {
    cluster = await startPostgresCluster();
    admin = new pg.Pool({ connectionString: cluster.url("postgres"), max: 2 });
  });
  after(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await admin?.end();
    await cluster?.stop();
  });

  async function open(url: string, retentionDays = 90): Promise<PostgresStore> {
    const store = await PostgresStore.open(url, { poolSize: 4, retentionDays });
    stores.push(store);
    return store;
  }

  test("the migration's id bound in SQL is idFloorAt's", async () => {
    const store = await open(await cluster.createDatabase());
    for (const ms of [0, 86_399_999, 1_700_000_000_000, Date.now()]) {
      const { rows } = await store.pool.query("SELECT hookline_id_floor('msg', $1) AS id", [ms]);
      assert.equal(rows[0].id, idFloorAt("msg", ms));
    }
  });

  test("upgrading keeps the existing history in a legacy partition, purged row by row, then dropped whole", async () => {
    const url = await cluster.createDatabase();
    await migratePostgres(url, { through: "0007_inbound.sql" });
    const now = Date.now();
    const old = idAt("msg", now - 10 * DAY);
    const recent = idAt("msg", now - DAY);
    const appId = idAt("app", now - 20 * DAY);
    const endpointId = idAt("ep", now - 20 * DAY);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await db.query("INSERT INTO application (id, name, created_at, updated_at) VALUES ($1, 'legacy', $2, $2)", [
        appId,
        now - 20 * DAY,
      ]);
      await db.query(
        `INSERT INTO endpoint (id, app_id, url, secret, created_at, updated_at)
         VALUES ($1, $2, 'https://example.test/hook', 'whsec_x', $3, $3)`,
        [endpointId, appId, now - 20 * DAY],
      );
      for (const [id, eventId] of [
        [old, "legacy-event"],
        [recent, null],
      ] as const) {
        const t = idTimeMs(id);
        await db.query(
          `INSERT INTO message (id, app_id, event_type, event_id, payload, created_at) VALUES ($1, $2, 'a.b', $3, '{}', $4)`,
          [id, appId, eventId, t],
        );
        await db.query(
          `INSERT INTO delivery (id, app_id, msg_id, endpoint_id, status, attempt_count, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 0, 1, $5, $5)`,
          [idAt("dlv", t), appId, id, endpointId, t],
        );
        await db.query(
          `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code,
             response_duration_ms, trigger_type, request_headers, created_at)
           VALUES ($1, $2, $3, $4, 'https://example.test/hook', 0, 200, 5, 0, '{}', $5)`,
          [idAt("atmpt", t + 100), appId, id, endpointId, t + 100],
        );
      }
    } finally {
      await db.end();
    }

    const store = await open(url, 5);
    const windows = await store.partitions.list();
    assert.equal(windows[0]!.suffix, "legacy");
    assert.equal(windows[0]!.fromMs, 0);
    assert.ok(
      Math.abs(windows[0]!.toMs - (now + 60_000)) < 30_000,
      "the legacy window ends a minute after the upgrade",
    );
    assert.ok(windows.at(-1)!.toMs >= now + 3 * DAY, "and time partitions follow it, ahead of the clock");
    assert.equal((await store.messages.get(appId, "legacy-event"))?.id, old, "found by its eventId");
    const duplicate = await store.messages.insertWithDeliveries(message(appId, now, "legacy-event"), []).then(
      () => "inserted",
      (error: unknown) => (error instanceof ApiError ? error.statusCode : error),
    );
    assert.equal(duplicate, 409, "an eventId from before the upgrade is still taken");

    const count = async (table: string, msgId: string) =>
      (await store.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE msg_id = $1`, [msgId])).rows[0].n;
    const clock = new ManualClock(now);
    await runRetention(new PostgresRetention(store.pool, store.partitions), clock, { retentionDays: 5 });
    assert.equal(await store.messages.get(appId, old), undefined, "10 days old: deleted as a row");
    assert.equal(await count("delivery", old), 0, "with its delivery");
    assert.equal(await count("attempt", old), 0, "and its attempt");
    assert.equal((await store.messages.get(appId, recent))?.id, recent, "1 day old: kept");
    assert.equal(await store.messages.get(appId, "legacy-event"), undefined);
    assert.equal(
      (await store.pool.query("SELECT count(*)::int AS n FROM message_event_key")).rows[0].n,
      0,
      "the eventId key went with its message",
    );
    await store.messages.insertWithDeliveries(message(appId, now + 1, "legacy-event"), []);

    clock.advance(5 * DAY + 2 * 60_000);
    await runRetention(new PostgresRetention(store.pool, store.partitions), clock, { retentionDays: 5 });
    const gone = await store.pool.query(
      "SELECT to_regclass('message_legacy') AS m, to_regclass('delivery_legacy') AS d, to_regclass('attempt_legacy') AS a",
    );
    assert.deepEqual(gone.rows[0], { m: null, d: null, a: null }, "the legacy window expired whole and was dropped");
    assert.equal(await store.messages.get(appId, recent), undefined);
    assert.equal((await store.partitions.list())[0]!.suffix.startsWith("p"), true);
  });

  test("a message with no partition for its time gets one, also from several processes at once", async () => {
    const url = await cluster.createDatabase();
    const three = await Promise.all([1, 2, 3].map(() => open(url)));
    const t = Date.UTC(2021, 0, 1);
    const appId = idAt("app", t);
    await insertApp(three[0]!, appId, t);
    const messages = Array.from({ length: 9 }, (_, i) => message(appId, t + i * HOUR));
    await Promise.all(messages.map((m, i) => three[i % 3]!.messages.insertWithDeliveries(m, [])));
    for (const m of messages) assert.equal((await three[1]!.messages.get(appId, m.id))?.id, m.id);
    // 7-day windows (90 days of retention) on the epoch's grid: 2020-12-31 to 2021-01-07 holds all nine.
    const covering = (await three[2]!.partitions.list()).filter((w) => w.fromMs <= t + 8 * HOUR && w.toMs > t);
    assert.deepEqual(
      covering.map((w) => [w.fromMs, w.toMs]),
      [[Date.UTC(2020, 11, 31), Date.UTC(2021, 0, 7)]],
    );
  });

  test("deleting an endpoint or an application deletes its history, which has no foreign keys", async () => {
    const store = await open(await cluster.createDatabase());
    const t = Date.now();
    const appId = idAt("app", t);
    await insertApp(store, appId, t);
    const endpoints = [idAt("ep", t), idAt("ep", t + 1)];
    const db = store.pool;
    for (const id of endpoints)
      await db.query(
        `INSERT INTO endpoint (id, app_id, url, secret, created_at, updated_at)
         VALUES ($1, $2, 'https://example.test/hook', 'whsec_x', $3, $3)`,
        [id, appId, t],
      );
    const m = message(appId, t + 2, "doomed-event");
    await store.messages.insertWithDeliveries(
      m,
      endpoints.map((endpointId, i) => ({
        id: idAt("dlv", t + 3 + i),
        endpointId,
        leaseOwner: null,
        leaseUntil: null,
      })),
    );
    for (const [i, endpointId] of endpoints.entries())
      await db.query(
        `INSERT INTO attempt (id, app_id, msg_id, endpoint_id, url, status, response_status_code,
           response_duration_ms, trigger_type, request_headers, created_at)
         VALUES ($1, $2, $3, $4, 'https://example.test/hook', 0, 200, 5, 0, '{}', $5)`,
        [idAt("atmpt", t + 10 + i), appId, m.id, endpointId, t + 10 + i],
      );
    const rows = async (table: string) =>
      (await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE app_id = $1`, [appId])).rows[0].n;

    await store.endpoints.delete(appId, endpoints[0]!);
    assert.deepEqual([await rows("delivery"), await rows("attempt"), await rows("message")], [1, 1, 1]);
    await store.endpoints.delete("app_someoneelse", endpoints[1]!);
    assert.deepEqual([await rows("delivery"), await rows("attempt")], [1, 1], "only the owner deletes");
    await store.applications.delete(appId);
    assert.deepEqual(
      [await rows("delivery"), await rows("attempt"), await rows("message"), await rows("message_event_key")],
      [0, 0, 0, 0],
    );
  });

  test("drops expired windows a second apart when they held rows, back to back when empty", async () => {
    const store = await open(await cluster.createDatabase(), 2); // 6-hour windows
    const t0 = Date.UTC(2022, 5, 1);
    const appId = idAt("app", t0);
    await insertApp(store, appId, t0);
    // Four windows: rows, empty, rows, rows.
    await store.partitions.ensureCovering(t0, t0 + 24 * HOUR);
    for (const hour of [1, 13, 19]) await store.messages.insertWithDeliveries(message(appId, t0 + hour * HOUR), []);
    const pauses: number[] = [];
    const before: number[] = [];
    const drop = await store.partitions.dropExpired(t0 + 24 * HOUR, {
      before: async () => void before.push(pauses.length),
      pause: async (ms) => void pauses.push(ms),
    });
    assert.equal(drop.removed, 3);
    assert.equal(drop.rowCutoff, t0 + 24 * HOUR);
    assert.deepEqual(pauses, [1000, 1000], "after the first and the third window, not after the empty second");
    assert.deepEqual(before, [0, 1, 1, 2], "and a quiet moment awaited before each drop");
    assert.equal((await store.partitions.list()).filter((w) => w.toMs <= t0 + 24 * HOUR).length, 0);
  });

  test("a pass that finds a window already dropped by another pass goes on with the next", async () => {
    const store = await open(await cluster.createDatabase(), 2);
    const t0 = Date.UTC(2022, 7, 1);
    const appId = idAt("app", t0);
    await insertApp(store, appId, t0);
    await store.partitions.ensureCovering(t0, t0 + 12 * HOUR);
    for (const hour of [1, 7]) await store.messages.insertWithDeliveries(message(appId, t0 + hour * HOUR), []);
    let other: Promise<{ removed: number }> | null = null;
    // The first pass has listed the windows and is about to drop the first one when a second pass
    // (another process's, whose interval came round while this one ran) drops them all.
    const first = await store.partitions.dropExpired(t0 + 12 * HOUR, {
      before: async () => {
        other ??= store.partitions.dropExpired(t0 + 12 * HOUR, { pause: async () => {} });
        await other;
      },
      pause: async () => {},
    });
    assert.equal((await other!).removed, 2);
    assert.equal(first.removed, 0, "nothing left for the first pass, and no error");
    assert.equal((await store.partitions.list()).filter((w) => w.toMs <= t0 + 12 * HOUR).length, 0);
  });

  test("counts a small window's rows exactly, whatever an ANALYZE part-way through its inserts estimated", async () => {
    const store = await open(await cluster.createDatabase(), 2);
    const t0 = Date.UTC(2022, 6, 1);
    const appId = idAt("app", t0);
    await insertApp(store, appId, t0);
    await store.partitions.ensureCovering(t0, t0 + 6 * HOUR);
    const [window] = await store.partitions.list();
    for (let i = 0; i < 200; i++) {
      // What autovacuum may do at any moment: estimate the window from its first half.
      if (i === 100) await store.pool.query(`ANALYZE message_${window!.suffix}`);
      await store.messages.insertWithDeliveries(message(appId, t0 + i), []);
    }
    const { rows } = await store.pool.query("SELECT reltuples FROM pg_class WHERE relname = $1", [
      `message_${window!.suffix}`,
    ]);
    assert.equal(rows[0].reltuples, 100, "the estimate is stale");
    const drop = await store.partitions.dropExpired(t0 + 6 * HOUR, { pause: async () => {} });
    assert.equal(drop.removed, 200);
  });
});
