import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { runRetention } from "../src/main/housekeeping.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, sendMessage } from "./support/setup.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe("retention, expunging and cluster-once jobs", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline(
      { HOOKLINE_RETENTION_DAYS: "2", HOOKLINE_RETRY_SCHEDULE: "86400" },
      { clock, pollIntervalMs: 3_600_000 },
    );
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  const retention = () => runRetention(h.ctx.store, clock, { retentionDays: 2 });

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

    clock.advance(2 * DAY);
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
      assert.equal((await claimAll()).filter(Boolean).length, 1, "one claim in the first interval");
      clock.advance(30_000);
      assert.equal((await claimAll()).filter(Boolean).length, 0, "none before the interval has passed");
      clock.advance(30_000);
      assert.equal((await claimAll()).filter(Boolean).length, 1, "one claim in the next interval");
    } finally {
      await other.close();
    }
  });
});
