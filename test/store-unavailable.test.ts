/**
 * When the database refuses writes (read-only, disk full, server going away), the API answers 503
 * store_unavailable with Retry-After instead of acknowledging or failing with a 500, nothing is
 * stored, and the same process serves normally once the condition clears. A delivery whose attempt
 * could not be recorded is not lost: it is sent again once its lease expires.
 *
 * The conditions are real refusals of the real database: on SQLite `PRAGMA query_only`
 * (SQLITE_READONLY) and `PRAGMA max_page_count` (SQLITE_FULL, what a full disk returns); on
 * PostgreSQL the test database is made read-only (`default_transaction_read_only`, as on a standby:
 * SQLSTATE 25006) and its sessions are ended so the pool reconnects into the new setting.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import pg from "pg";
import { ManualClock } from "../src/core/clock.ts";
import type { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { isStoreUnavailable } from "../src/store/store-unavailable.ts";
import { startTestHookline, TEST_STORE, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage } from "./support/setup.ts";

describe("which store errors mean 'unavailable'", () => {
  it("disk, permission and connection failures are; input and logic errors are not", () => {
    const unavailable = [
      { code: "SQLITE_FULL" },
      { code: "SQLITE_READONLY" },
      { code: "SQLITE_READONLY_DBMOVED" },
      { code: "SQLITE_IOERR_WRITE" },
      { code: "SQLITE_IOERR" },
      { code: "SQLITE_CANTOPEN" },
      { code: "SQLITE_BUSY" },
      { code: "53100" },
      { code: "25006" },
      { code: "57P01" },
      { code: "08006" },
      { code: "ECONNREFUSED" },
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new Error("timeout expired"),
    ];
    const other = [
      { code: "SQLITE_CONSTRAINT_PRIMARYKEY" },
      { code: "SQLITE_ERROR" },
      { code: "SQLITE_FULLX" },
      { code: "23505" },
      { code: "22P02" },
      { code: "08P01" },
      new Error("boom"),
      null,
      "SQLITE_FULL",
    ];
    for (const e of unavailable) assert.equal(isStoreUnavailable(e), true, JSON.stringify(e) + String(e));
    for (const e of other) assert.equal(isStoreUnavailable(e), false, JSON.stringify(e) + String(e));
  });
});

/** Makes the test instance's database refuse writes as read-only, or take them again. */
let readOnly = false;
async function setReadOnly(h: TestHookline, on: boolean): Promise<void> {
  readOnly = on;
  if (TEST_STORE === "sqlite") {
    (h.ctx.store as SqliteStore).db.pragma(`query_only = ${on ? 1 : 0}`);
    return;
  }
  const name = new URL(h.ctx.config.databaseUrl!).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.HOOKLINE_TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET default_transaction_read_only = ${on}`);
    // Open sessions keep the setting they started with; ended, the pool reconnects into the new one.
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
  } finally {
    await admin.end();
  }
}

/**
 * Retries a request the first moments after the change: the pool may first hand out a connection
 * that was just ended, which PostgreSQL answers with 57P01 (also a 503, but not the refusal under
 * test), so a 503 counts only once its detail names the expected cause.
 */
async function settledStatus<R extends { status: number; body?: { detail?: string } }>(
  send: () => Promise<R>,
  want: number,
  detail?: RegExp,
): Promise<R> {
  let last = await send();
  for (let i = 0; i < 40; i++) {
    if (last.status === want && (!detail || detail.test(String(last.body?.detail)))) break;
    await new Promise((r) => setTimeout(r, 50));
    last = await send();
  }
  return last;
}

/**
 * Runs up to `ticks` of the dispatcher's polling (claim, then send) until `done`. One tick may not
 * be enough on PostgreSQL: setReadOnly ends every session, and the pool can hand out a connection
 * whose end it has not processed yet (57P01), which fails that tick's claim; the next tick retries,
 * as the dispatcher's own timer would. A run where the suite's previous test had filled the pool
 * (ten sessions to end) once needed the retry.
 */
async function pollTicks(h: TestHookline, ticks: number, done: () => boolean): Promise<void> {
  for (let tick = 0; tick < ticks && !done(); tick++) {
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
    if (!done()) await new Promise((r) => setTimeout(r, 25));
  }
}

describe("the store refusing writes", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock();
  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_LEASE: "5" }, { clock, pollIntervalMs: 3_600_000 });
  });
  // A failed test must not leave the next one a read-only database.
  beforeEach(async () => {
    if (readOnly) await setReadOnly(h, false);
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("read-only: a message is answered 503 store_unavailable with Retry-After, not stored, and accepted once writable", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, receiver.url + "/ro");
    const ready = () => h.api("GET", "/api/v1/health/ready", undefined, { authorization: "" });
    assert.equal((await ready()).status, 204, "ready while writable, without a token");
    await setReadOnly(h, true);
    const notReady = await settledStatus(ready, 503, TEST_STORE === "sqlite" ? /SQLITE_READONLY/ : /25006/);
    assert.equal(notReady.status, 503, notReady.text);
    assert.equal(notReady.body.code, "store_unavailable");
    assert.equal(notReady.headers.get("retry-after"), "5");
    assert.equal((await h.api("GET", "/api/v1/health")).status, 204, "still live");
    const post = () => h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "a.b", payload: { n: 1 } });
    const cause = TEST_STORE === "sqlite" ? /SQLITE_READONLY/ : /25006/;
    const refused = await settledStatus(post, 503, cause);
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.code, "store_unavailable");
    assert.match(refused.body.detail, cause);
    assert.equal(refused.headers.get("retry-after"), "5");

    await setReadOnly(h, false);
    assert.equal((await settledStatus(ready, 204)).status, 204, "ready again");
    const accepted = await settledStatus(post, 202);
    assert.equal(accepted.status, 202, accepted.text);
    const listed = await h.api("GET", `/api/v1/app/${appId}/msg`);
    assert.deepEqual(
      listed.body.data.map((m: { id: string }) => m.id),
      [accepted.body.id],
      "only the accepted message was stored",
    );
    await h.dispatcher.idle();
    assert.equal((await destination(h, appId, accepted.body.id, endpointId)).statusText, "success");
  });

  it(
    "disk full: SQLITE_FULL is a 503 too, and the next write after space returns succeeds",
    {
      skip: TEST_STORE === "sqlite" ? false : "SQLite's page cap; the reliability suite fills a real disk",
    },
    async () => {
      const { appId } = await appWithEndpoint(h, receiver.url + "/full");
      const db = (h.ctx.store as SqliteStore).db;
      const pages = db.pragma("page_count", { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
      const big = { eventType: "a.b", payload: { blob: "x".repeat(200_000) } };
      const refused = await h.api("POST", `/api/v1/app/${appId}/msg`, big);
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.body.code, "store_unavailable");
      assert.match(refused.body.detail, /SQLITE_FULL/);
      db.pragma("max_page_count = 4294967294");
      const accepted = await h.api("POST", `/api/v1/app/${appId}/msg`, big);
      assert.equal(accepted.status, 202, accepted.text);
    },
  );

  it(
    "readiness answers 503 within its 2 s when the database does not answer, and 204 once it does",
    { skip: TEST_STORE === "postgres" ? false : "SQLite answers in-process; it cannot keep a caller waiting" },
    async () => {
      // Every pooled connection taken: what a stalled server or a partition looks like from here.
      const pool = (h.ctx.store as PostgresStore).pool;
      const held = await Promise.all(Array.from({ length: h.ctx.config.databasePoolSize }, () => pool.connect()));
      try {
        const started = Date.now();
        const ready = await h.api("GET", "/api/v1/health/ready");
        const tookMs = Date.now() - started;
        assert.equal(ready.status, 503, ready.text);
        assert.match(ready.body.detail, /did not answer within 2000 ms \(ETIMEDOUT\)/);
        assert.ok(tookMs >= 1900 && tookMs < 10_000, `readiness answered after ${tookMs} ms`);
      } finally {
        for (const client of held) client.release();
      }
      assert.equal((await h.api("GET", "/api/v1/health/ready")).status, 204);
    },
  );

  it("a delivery whose attempt could not be recorded is sent again once its lease expires", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, receiver.url + "/unrecorded");
    const before = receiver.requests.length;
    let made = 0;
    // The first request makes the database read-only before it is answered: its attempt cannot be recorded.
    receiver.respond(() => (made++ === 0 ? { status: 200, delayMs: 1000 } : { status: 200 }));
    const msgId = await sendMessage(h, appId);
    // Arrived, not yet answered (waitFor would resolve only after the answer).
    while (receiver.requests.length === before) await new Promise((r) => setTimeout(r, 5));
    await setReadOnly(h, true);
    await h.dispatcher.idle();
    await setReadOnly(h, false);
    assert.equal((await attempts(h, appId, msgId)).length, 0, "the first attempt went unrecorded");
    assert.notEqual((await destination(h, appId, msgId, endpointId)).statusText, "success");

    // Not before the lease expires (another process might still hold it), then once more.
    await pollTicks(h, 3, () => receiver.requests.length > before + 1);
    assert.equal(receiver.requests.length, before + 1, "not re-sent while the lease holds");
    clock.advance(5_001);
    await pollTicks(h, 20, () => receiver.requests.length > before + 1);
    assert.equal(receiver.requests.length, before + 2, "sent again after the lease expired");
    const log = await attempts(h, appId, msgId);
    assert.deepEqual(
      log.map((a) => a.status),
      [0],
      "the second attempt is recorded as a success",
    );
    assert.equal((await destination(h, appId, msgId, endpointId)).statusText, "success");
    receiver.respond(() => ({ status: 200 }));
  });
});
