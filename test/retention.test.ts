import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { createMessage } from "../src/core/create-message.ts";
import { idTimeMs } from "../src/core/ids.ts";
import { startHousekeeping } from "../src/main/housekeeping.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { partitionWidthMs } from "../src/store/postgres/partitions.ts";
import type { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import type { SqliteRetention } from "../src/store/sqlite/retention.ts";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { FREE, RETENTION_THREAD } from "../src/store/sqlite/write-lock.ts";
import { startTestHookline, TEST_STORE, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, sendMessage } from "./support/setup.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * PostgreSQL drops the history a time partition at a time, so a row goes once its whole window
 * has expired: up to one window (6 h for 2 days of retention) after the row itself.
 */
const WINDOW = TEST_STORE === "postgres" ? partitionWidthMs(2) : 0;

describe("retention, expunging and cluster-once jobs", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline(
      { HOOKLINE_RETENTION_DAYS: "2", HOOKLINE_RETRY_SCHEDULE: "86400" },
      // The tests run each retention pass themselves: the process's own periodic pass, ticking in
      // real time while a slow machine runs them, would remove rows a test is about to count.
      { clock, pollIntervalMs: 3_600_000, withoutJobs: ["retention"] },
    );
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  const retention = () => runRetention(h.retention, clock, { retentionDays: 2 });

  it("purges payloads past their own retention, then whole messages and attempts past the global one", async () => {
    receiver.respond((req) => (req.path === "/down" ? { status: 500 } : { status: 200 }));
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    const down = await appWithEndpoint(h, `${receiver.url}/down`);
    const short = await sendMessage(h, appId, { payload: { secret: "short-lived" }, payloadRetentionHours: 1 });
    const long = await sendMessage(h, appId, { payload: { keep: true } });
    const stuck = await sendMessage(h, down.appId, { payload: { retry: "pending" } });
    await h.dispatcher.idle();
    assert.equal((await attempts(h, appId, short)).length, 1);

    clock.advance(HOUR + 1000);
    assert.ok((await retention()) >= 1);
    const expired = await h.api("GET", `/api/v1/app/${appId}/msg/${short}`);
    assert.deepEqual(expired.body.payload, {}, "payload purged after its own hour");
    assert.deepEqual((await h.api("GET", `/api/v1/app/${appId}/msg/${long}`)).body.payload, { keep: true });

    clock.advance(2 * DAY + WINDOW);
    await retention();
    for (const id of [short, long]) {
      assert.equal((await h.api("GET", `/api/v1/app/${appId}/msg/${id}`)).status, 404, "message gone after 2 days");
      assert.equal((await h.api("GET", `/api/v1/app/${appId}/attempt/msg/${id}`)).status, 404);
    }
    // A message whose delivery still has a retry due is kept until it is settled.
    const kept = await h.api("GET", `/api/v1/app/${down.appId}/msg/${stuck}`);
    assert.equal(kept.status, 200);
    assert.deepEqual(kept.body.payload, { retry: "pending" });
  });

  it("removes many expired rows in bounded batches", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => sendMessage(h, appId, { payload: { i } })));
    }
    await h.dispatcher.idle();
    clock.advance(3 * DAY);
    const removed = await retention();
    assert.ok(removed >= 5000, `2,500 messages and their 2,500 attempts removed, got ${removed}`);
    assert.equal((await h.api("GET", `/api/v1/app/${appId}/msg`)).body.data.length, 0);
  });

  it("expunges a message's content and an attempt's content on request", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    receiver.respond(() => ({ status: 200, body: "receipt-123" }));
    const msgId = await sendMessage(h, appId, { payload: { card: "4111" } });
    await h.dispatcher.idle();
    const [attempt] = (await h.api("GET", `/api/v1/app/${appId}/attempt/msg/${msgId}`)).body.data;
    assert.equal(attempt.response, "receipt-123");

    assert.equal((await h.api("DELETE", `/api/v1/app/${appId}/msg/${msgId}/content`)).status, 204);
    assert.deepEqual((await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}`)).body.payload, {});
    const del = await h.api("DELETE", `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}/content`);
    assert.equal(del.status, 204);
    const after = await h.api("GET", `/api/v1/app/${appId}/msg/${msgId}/attempt/${attempt.id}`);
    assert.equal(after.body.response, "");
  });

  it("runs a periodic job once per interval across processes sharing the store", async () => {
    const other = await startTestHookline({}, { dataDir: h.dataDir, clock, pollIntervalMs: 3_600_000 });
    try {
      const claimAll = () =>
        Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : h).ctx.store.coordination.claimJob("test-job", 60_000, clock.now()),
          ),
        );
      assert.equal((await claimAll()).filter(Boolean).length, 0, "first sight: scheduled an interval ahead");
      clock.advance(30_000);
      assert.equal((await claimAll()).filter(Boolean).length, 0, "none before the interval has passed");
      clock.advance(30_000);
      assert.equal((await claimAll()).filter(Boolean).length, 1, "one claim once the interval has passed");
      clock.advance(59_999);
      assert.equal((await claimAll()).filter(Boolean).length, 0);
      clock.advance(1);
      assert.equal((await claimAll()).filter(Boolean).length, 1, "one claim in the next interval");
    } finally {
      await other.close();
    }
  });

  it("first runs a job one interval after first seeing it, but an overdue job at the next tick", async () => {
    const store = h.ctx.store;
    // Seen long ago, so overdue now: as after a restart that missed the job's time.
    assert.equal(await store.coordination.claimJob("overdue-job", 50, clock.now() - DAY), false);
    const ran: string[] = [];
    let overdueRan!: () => void;
    let freshRan!: () => void;
    const overdue = new Promise<void>((resolve) => (overdueRan = resolve));
    const fresh = new Promise<void>((resolve) => (freshRan = resolve));
    // Both jobs tick every 50 ms of real time; their intervals pass only on the manual clock.
    const stop = startHousekeeping(store, clock, h.ctx.log, [
      { name: "fresh-job", intervalMs: 50, run: async () => void (ran.push("fresh"), freshRan()) },
      { name: "overdue-job", intervalMs: 50, run: async () => void (ran.push("overdue"), overdueRan()) },
    ]);
    try {
      await overdue;
      assert.deepEqual(ran, ["overdue"], "the fresh job was claimed first in that tick, and did not run");
      clock.advance(50);
      await fresh;
      assert.ok(ran.includes("fresh"));
    } finally {
      await stop();
    }
  });

  it("resumes each batch after the last row it changed, skipping none", async () => {
    receiver.respond((req) => (req.path === "/down" ? { status: 500 } : { status: 200 }));
    const ok = await appWithEndpoint(h, `${receiver.url}/ok`);
    const down = await appWithEndpoint(h, `${receiver.url}/down`);
    // The clock stands still: all 25 payloads expire in the same millisecond, more than one batch.
    const expiring: string[] = [];
    for (let i = 0; i < 25; i++) expiring.push(await sendMessage(h, ok.appId, { payloadRetentionHours: 1 }));
    // Messages whose retry is still due are kept, between messages that go.
    const kept: string[] = [];
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) await sendMessage(h, ok.appId);
      kept.push(await sendMessage(h, down.appId));
    }
    await h.dispatcher.idle();
    const small = { initialBatch: 10, minBatch: 10, maxBatch: 10 };
    const pass = () => runRetention(h.retention, clock, { retentionDays: 2, pacing: small, pause: async () => {} });

    // Totals include whatever earlier tests left (on PostgreSQL, notifications wake the worker,
    // which retries their due deliveries), so the rows themselves are checked.
    clock.advance(HOUR + 1000);
    assert.ok((await pass()) >= 25);
    for (const id of expiring)
      assert.deepEqual((await h.api("GET", `/api/v1/app/${ok.appId}/msg/${id}`)).body.payload, {});

    clock.advance(2 * DAY + WINDOW);
    // All 41 messages (and the 45 attempts) go, but the 4 with a retry due.
    assert.ok((await pass()) >= 86);
    assert.equal((await h.api("GET", `/api/v1/app/${ok.appId}/msg`)).body.data.length, 0);
    const left = (await h.api("GET", `/api/v1/app/${down.appId}/msg`)).body.data.map((m: { id: string }) => m.id);
    assert.deepEqual(left.sort(), [...kept].sort());
  });

  /**
   * A message with a retry due keeps its window from being dropped whole on PostgreSQL: the
   * window's other expired rows are then deleted in batches, as SQLite deletes all of them.
   */
  async function keepWindowForRowDeletes(): Promise<void> {
    const down = await appWithEndpoint(h, `${receiver.url}/down`);
    const stuck = await sendMessage(h, down.appId, { payload: { retry: "due" } });
    await h.dispatcher.idle();
    assert.equal((await attempts(h, down.appId, stuck)).length, 1, "failed once, its retry scheduled");
  }

  it("pauses between batches, holding nothing: the API and deliveries work while a purge is under way", async () => {
    receiver.respond((req) => (req.path === "/down" ? { status: 500 } : { status: 200 }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    for (let batch = 0; batch < 10; batch++)
      await Promise.all(Array.from({ length: 20 }, (_, i) => sendMessage(h, appId, { payload: { i } })));
    await keepWindowForRowDeletes();
    clock.advance(3 * DAY);

    let paused!: (ms: number) => void;
    const firstPause = new Promise<number>((resolve) => (paused = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const pauses: number[] = [];
    let finished = false;
    const purge = runRetention(h.retention, clock, {
      retentionDays: 2,
      pacing: { initialBatch: 20, minBatch: 20, maxBatch: 20 },
      pause: async (ms) => {
        pauses.push(ms);
        paused(ms);
        await resumed;
      },
    }).finally(() => (finished = true));

    assert.ok((await firstPause) > 0, "a real pause, proportional to the batch's time");
    const requests = receiver.requests.length;
    const fresh = await sendMessage(h, appId, { payload: { during: "purge" } });
    await receiver.waitFor(requests + 1);
    assert.ok(receiver.requests.slice(requests).some((r) => r.headers["webhook-id"] === fresh));
    assert.equal((await h.api("GET", `/api/v1/app/${appId}/msg/${fresh}`)).status, 200);
    const old = (await h.api("GET", `/api/v1/app/${appId}/attempt/endpoint/${endpointId}?limit=250`)).body.data.filter(
      (a: { msgId: string }) => a.msgId !== fresh,
    );
    assert.ok(!finished, "the purge waits in its pause while the message is accepted and delivered");
    // The first batch took the 20 oldest attempts: these, unless an earlier test left older ones.
    assert.ok(old.length >= 180 && old.length < 200, `some old attempts gone, not all: ${old.length} left`);

    resume();
    assert.ok((await purge) >= 400, "200 messages and 200 attempts");
    assert.ok(pauses.length >= 20, `a pause after each full batch (10 of attempts, 10 of messages): ${pauses.length}`);
    const rest = (await h.api("GET", `/api/v1/app/${appId}/msg`)).body.data.map((m: { id: string }) => m.id);
    assert.deepEqual(rest, [fresh]);
  });
  it("starts each batch only once the deliveries just handed over are on the wire", async () => {
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    receiver.respond((req) => (req.path === "/held" ? { status: 200, until: held } : { status: 200 }));
    const prompt = await appWithEndpoint(h, `${receiver.url}/prompt`);
    const slow = await appWithEndpoint(h, `${receiver.url}/held`);
    const send = async (appId: string) =>
      createMessage(h.ctx, (await h.ctx.store.applications.get(appId))!, { eventType: "a.b", payload: { n: 1 } });

    // Answered at once: waited for until the answer, so it has arrived by then.
    const requests = receiver.requests.length;
    await send(prompt.appId);
    assert.equal(h.dispatcher.pendingSends.size, 1, "committed and handed over, not yet on the wire");
    let beforeBatch = 0;
    let pauses = 0;
    const arrivedWhenIdle: boolean[] = [];
    await runRetention(h.retention, clock, {
      retentionDays: 2,
      beforeBatch: async () => {
        beforeBatch++;
        assert.equal(await h.dispatcher.pendingSends.whenIdle(60_000), true, "idle, not the 60-s limit");
        arrivedWhenIdle.push(receiver.requests.length > requests);
      },
      pause: async () => {
        pauses++;
      },
    });
    // Sent means answered, or written and out for 1 ms (pending-sends.test.ts). The receiver runs in
    // this process: when the event loop was held up past that millisecond, the timer that ends the
    // wait runs before the loop reads the receiver's socket, so the request is on the wire but not
    // yet read (one CI run). It must then be read at once.
    if (!arrivedWhenIdle[0]) await receiver.waitFor(requests + 1, 1000).catch(() => undefined);
    assert.ok(receiver.requests.length > requests, "the first batch started once the webhook was on the wire");
    // Four steps on SQLite (payloads, attempts, messages, stats rows); PostgreSQL also asks before
    // dropping each window and before its fifth step (eventId keys).
    if (TEST_STORE === "sqlite") assert.equal(beforeBatch, pauses + 4, "asked before every batch of the four steps");
    else assert.ok(beforeBatch >= pauses + 5, "asked before every batch of the five steps");

    // Never answered: sent is enough (it has been out for a moment), or one hanging endpoint would stall the purge.
    await send(slow.appId);
    assert.equal(h.dispatcher.pendingSends.size, 1);
    assert.equal(await h.dispatcher.pendingSends.whenIdle(60_000), true);
    assert.equal(h.dispatcher.heldCount, 1, "still waiting for its answer");
    answer();
    await h.dispatcher.idle();
  });
  it(
    "makes the group commit wait for the gate while a pass runs, and only then",
    { skip: TEST_STORE === "sqlite" ? false : "PostgreSQL's commits do not block the event loop" },
    async () => {
      let gateCalls = 0;
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      let batches = 0;
      const purge = runRetention(h.retention, clock, {
        retentionDays: 2,
        commitGate: () => {
          gateCalls++;
          return gate;
        },
        beforeBatch: async () => {
          if (batches++ > 0) return;
          holding();
          await resumed;
        },
      });
      await held;
      let settled = false;
      const during = h.api("POST", "/api/v1/app", { name: "written during a pass" }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(settled, false, "the commit waits for the gate");
      assert.ok(gateCalls >= 1);
      open();
      assert.equal((await during).status, 201);
      resume();
      await purge;

      const calls = gateCalls;
      assert.equal((await h.api("POST", "/api/v1/app", { name: "written after it" })).status, 201);
      assert.equal(gateCalls, calls, "no gate once the pass is over");
    },
  );
  it(
    "runs SQLite's batches on a thread of its own, which the group commit waits for without blocking",
    { skip: TEST_STORE === "sqlite" ? false : "PostgreSQL's deletes run in the database server" },
    async () => {
      receiver.respond(() => ({ status: 200 }));
      const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
      for (let batch = 0; batch < 5; batch++)
        await Promise.all(Array.from({ length: 20 }, (_, i) => sendMessage(h, appId, { payload: { i } })));
      await h.dispatcher.idle();
      clock.advance(3 * DAY);

      const store = h.ctx.store as SqliteStore;
      let finished = false;
      const purge = runRetention(h.retention, clock, {
        retentionDays: 2,
        pacing: { initialBatch: 10, minBatch: 10, maxBatch: 10 },
        pause: async () => {},
      }).finally(() => (finished = true));
      // The event loop keeps turning while a batch holds the write lock: seen from here, the
      // thread holds it (on the event loop no turn could see a batch's hold).
      let seenHeldByThread = 0;
      const writes: Promise<unknown>[] = [];
      while (!finished) {
        if (store.writeLock.holder === RETENTION_THREAD) {
          seenHeldByThread++;
          // A write that arrives meanwhile waits for the batch, then commits.
          if (writes.length < 3) writes.push(h.api("POST", "/api/v1/app", { name: `during batch ${writes.length}` }));
        }
        await new Promise((r) => setImmediate(r));
      }
      assert.ok((await purge) >= 200, "100 messages and 100 attempts");
      assert.ok(seenHeldByThread > 0, "a batch held the lock while the event loop ran");
      for (const write of await Promise.all(writes)) assert.equal((write as { status: number }).status, 201);
      assert.equal(store.writeLock.holder, FREE);
      assert.equal((h.retention as SqliteRetention).threadRunning, false, "the thread stops with the pass");
      // Each batch was checkpointed by the thread, outside the lock: the database file alone (a copy
      // without its WAL; the test's writes are far below the 1,000-page automatic checkpoint) has
      // none of the purged rows left.
      const fileOnly = path.join(mkdtempSync(path.join(tmpdir(), "hookline-file-only-")), "copy.sqlite3");
      copyFileSync(store.db.name, fileOnly);
      const copy = new Database(fileOnly);
      try {
        const old = copy.prepare("SELECT count(*) FROM message WHERE app_id = ?").pluck().get(appId);
        assert.equal(old, 0, "the purge's deletions reached the database file");
      } finally {
        copy.close();
        rmSync(path.dirname(fileOnly), { recursive: true, force: true });
      }
    },
  );
  it(
    "drops PostgreSQL's expired windows whole, and deletes the rows of a window with a retry due one by one",
    { skip: TEST_STORE === "postgres" ? false : "SQLite deletes expired rows one by one" },
    async () => {
      const store = h.ctx.store as PostgresStore;
      receiver.respond((req) => (req.path === "/down" ? { status: 500 } : { status: 200 }));
      const ok = await appWithEndpoint(h, `${receiver.url}/ok`);
      const dropped: string[] = [];
      for (let i = 0; i < 30; i++) dropped.push(await sendMessage(h, ok.appId, { eventId: `drop-${i}` }));
      await h.dispatcher.idle();
      // The next window: a message whose retry is due keeps it, with a message that can go.
      clock.advance(WINDOW);
      const down = await appWithEndpoint(h, `${receiver.url}/down`);
      const stuck = await sendMessage(h, down.appId);
      const rowDeleted = await sendMessage(h, ok.appId, { eventId: "row-deleted" });
      await h.dispatcher.idle();

      const windows = await store.partitions.list();
      const windowOf = (id: string) => windows.find((w) => w.fromMs <= idTimeMs(id) && idTimeMs(id) < w.toMs)!;
      const [first, second] = [windowOf(dropped[0]!), windowOf(stuck)];
      assert.equal(windowOf(dropped[29]!), first);
      assert.notEqual(first, second);
      assert.equal(windowOf(rowDeleted), second);
      const exists = async (table: string) =>
        (await store.pool.query("SELECT to_regclass($1) AS t", [table])).rows[0].t !== null;

      clock.advance(2 * DAY + WINDOW);
      assert.ok((await retention()) >= 60, "30 messages and 30 attempts dropped with their window");
      for (const table of ["message", "delivery", "attempt"]) {
        assert.equal(await exists(`${table}_${first.suffix}`), false, `${table} partition dropped`);
        assert.equal(await exists(`${table}_${second.suffix}`), true, `${table} partition kept: a retry is due`);
      }
      for (const id of [dropped[0]!, rowDeleted])
        assert.equal((await h.api("GET", `/api/v1/app/${ok.appId}/msg/${id}`)).status, 404);
      assert.equal((await h.api("GET", `/api/v1/app/${down.appId}/msg/${stuck}`)).status, 200);
      // Partitions exist ahead of the clock, so new messages never wait for one to be created.
      const ahead = (await store.partitions.list()).at(-1)!;
      assert.ok(ahead.toMs >= clock.now() + 2 * WINDOW);
      // The eventIds of messages that are gone are free again.
      await sendMessage(h, ok.appId, { eventId: "drop-0" });
      const duplicate = await h.api("POST", `/api/v1/app/${ok.appId}/msg`, {
        eventType: "test.event",
        eventId: "drop-0",
        payload: {},
      });
      assert.equal(duplicate.status, 409);
    },
  );
});
