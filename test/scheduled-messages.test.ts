import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix } from "svix";
import { Svix as SvixV1 } from "svix-v1";
import { ManualClock } from "../src/core/clock.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { partitionWidthMs } from "../src/store/postgres/partitions.ts";
import { startTestHookline, TEST_STORE, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The status code and body the SDK threw with; fails the test if the call succeeded. */
async function failureOf(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return { code: error.code, body: error.body };
  }
  assert.fail("expected the call to fail");
}

/**
 * Scheduled messages (`deliverAt`) through the official v2 SDK. Time is an injected clock the test
 * moves by hand, and the regular poll is an hour apart, so nothing here can be delivered by a
 * poll that happens to run: the test asks the worker to look (`pollNow`) at the moments it checks.
 */
describe("scheduled messages (deliverAt)", () => {
  const clock = new ManualClock(Date.parse("2026-05-01T00:00:00Z"));
  let h: TestHookline;
  let receiver: Receiver;
  let svix: Svix;
  const hooklineOptions = () => ({ clock, pollIntervalMs: HOUR, dataDir: h?.dataDir });
  const env = { HOOKLINE_RETENTION_DAYS: "1" };

  async function start(): Promise<void> {
    h = await startTestHookline(env, hooklineOptions());
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
  }

  /**
   * Lets the worker claim whatever is due at the clock's time and finish sending it. Twice: a poll
   * already running (one a settled ordered delivery asked for) began before the clock moved, and
   * answers the first call; the second gets a poll that began after it.
   */
  async function settle(): Promise<void> {
    await h.dispatcher.pollNow();
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }

  /** The endpoint through the plain API: `ordered` is Hookline's own field, which the SDK does not send. */
  async function appWithEndpoint(path: string, endpoint: Record<string, unknown> = {}) {
    const app = await svix.application.create({ name: `scheduled ${path}` });
    const ep = await h.api("POST", `/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}`, ...endpoint });
    assert.equal(ep.status, 201, ep.text);
    return { appId: app.id, endpointId: ep.body.id as string };
  }

  const received = (path: string) => receiver.requests.filter((r) => r.path === path);

  before(async () => {
    receiver = await Receiver.start();
    await start();
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
    if (h) rmSync(h.dataDir, { recursive: true, force: true });
  });

  it("holds a message until its time, never before, then delivers it; echoes and lists the schedule", async () => {
    const { appId, endpointId } = await appWithEndpoint("/held");
    const deliverAt = new Date(clock.now() + 60 * SECOND);
    const created = await svix.message.create(appId, { eventType: "invoice.due", payload: { n: 1 }, deliverAt });
    assert.equal(created.deliverAt?.toISOString(), deliverAt.toISOString(), "echoed in the create response");

    await settle();
    assert.equal(received("/held").length, 0, "not delivered at creation");

    const fetched = await svix.message.get(appId, created.id);
    assert.equal(fetched.deliverAt?.toISOString(), deliverAt.toISOString());
    const listed = await svix.message.list(appId);
    assert.equal(listed.data.find((m) => m.id === created.id)?.deliverAt?.toISOString(), deliverAt.toISOString());
    const byEndpoint = await svix.messageAttempt.listAttemptedMessages(appId, endpointId);
    const pending = byEndpoint.data.find((m) => m.id === created.id);
    assert.equal(pending?.deliverAt?.toISOString(), deliverAt.toISOString());
    assert.equal(pending?.nextAttempt?.toISOString(), deliverAt.toISOString(), "its first attempt is due then");

    clock.advance(60 * SECOND - 1);
    await settle();
    assert.equal(received("/held").length, 0, "one millisecond early is still early");

    clock.advance(1);
    await settle();
    assert.equal(received("/held").length, 1, "delivered once due");
    assert.deepEqual(JSON.parse(received("/held")[0]!.body), { n: 1 });
    const attempts = await svix.messageAttempt.listByMsg(appId, created.id);
    assert.equal(attempts.data.length, 1);
  });

  it("the v1 SDK (1.99) sends and reads deliverAt the same way", async () => {
    const { appId } = await appWithEndpoint("/v1");
    const v1 = new SvixV1(TEST_TOKEN, { serverUrl: h.url });
    const deliverAt = new Date(clock.now() + 5 * 60 * SECOND);
    const created = await v1.message.create(appId, { eventType: "x", payload: { v: 1 }, deliverAt });
    assert.equal(created.deliverAt?.toISOString(), deliverAt.toISOString());
    assert.equal((await v1.message.get(appId, created.id)).deliverAt?.toISOString(), deliverAt.toISOString());
    await settle();
    assert.equal(received("/v1").length, 0);
    clock.advance(5 * 60 * SECOND);
    await settle();
    assert.equal(received("/v1").length, 1);
  });

  it("keeps a schedule across a restart", async () => {
    const { appId } = await appWithEndpoint("/restart");
    const deliverAt = new Date(clock.now() + 2 * HOUR);
    const created = await svix.message.create(appId, { eventType: "invoice.due", payload: { r: 1 }, deliverAt });

    await h.stop();
    await start();
    await settle();
    assert.equal(received("/restart").length, 0, "still held after the restart");
    assert.equal((await svix.message.get(appId, created.id)).deliverAt?.toISOString(), deliverAt.toISOString());

    clock.advance(2 * HOUR);
    await settle();
    assert.equal(received("/restart").length, 1, "delivered by the restarted worker once due");
  });

  it("refuses a time in the past or beyond 24 hours with 422, and creates nothing", async () => {
    const { appId } = await appWithEndpoint("/refused");
    const before = (await svix.message.list(appId)).data.length;

    const past = await failureOf(
      svix.message.create(appId, { eventType: "x", payload: {}, deliverAt: new Date(clock.now() - 5 * 60 * SECOND) }),
    );
    assert.equal(past.code, 422);
    assert.deepEqual(past.body.detail[0].loc, ["body", "deliverAt"]);

    const far = await failureOf(
      svix.message.create(appId, { eventType: "x", payload: {}, deliverAt: new Date(clock.now() + DAY + SECOND) }),
    );
    assert.equal(far.code, 422);
    assert.deepEqual(far.body.detail[0].loc, ["body", "deliverAt"]);

    // Nor may a refused schedule create the application the path names.
    const onTheFly = await h.api("POST", "/api/v1/app/not-yet-there/msg", {
      eventType: "x",
      payload: {},
      application: { name: "on the fly" },
      deliverAt: new Date(clock.now() - HOUR).toISOString(),
    });
    assert.equal(onTheFly.status, 422, onTheFly.text);
    assert.equal((await h.api("GET", "/api/v1/app/not-yet-there")).status, 404);

    assert.equal((await svix.message.list(appId)).data.length, before, "no message was created");
    await settle();
    assert.equal(received("/refused").length, 0);
  });

  it("accepts up to 24 hours ahead, and a time slightly behind (clock skew), which goes out at once", async () => {
    const { appId } = await appWithEndpoint("/skew");
    const latest = await svix.message.create(appId, {
      eventType: "x",
      payload: { latest: true },
      deliverAt: new Date(clock.now() + DAY),
    });
    assert.ok(latest.deliverAt);

    const skewed = new Date(clock.now() - 30 * SECOND);
    const created = await svix.message.create(appId, { eventType: "x", payload: { skew: true }, deliverAt: skewed });
    assert.equal(created.deliverAt?.toISOString(), skewed.toISOString());
    await h.dispatcher.idle();
    await settle();
    assert.deepEqual(
      received("/skew").map((r) => JSON.parse(r.body)),
      [{ skew: true }],
      "the skewed one at once, the other still held",
    );
    clock.advance(DAY);
    await settle();
  });

  it("an ordered endpoint's next message keeps its schedule when the one before it settles", async () => {
    const { appId } = await appWithEndpoint("/ordered", { ordered: true });
    await svix.message.create(appId, { eventType: "x", payload: { first: true } });
    const deliverAt = new Date(clock.now() + 10 * 60 * SECOND);
    await svix.message.create(appId, { eventType: "x", payload: { second: true }, deliverAt });
    await h.dispatcher.idle();
    await settle();
    assert.deepEqual(
      received("/ordered").map((r) => JSON.parse(r.body)),
      [{ first: true }],
      "the first settling does not make the scheduled one due early",
    );
    clock.advance(10 * 60 * SECOND);
    await settle();
    assert.equal(received("/ordered").length, 2);
  });

  it("counts a payload's retention from the delivery time, not from creation", async () => {
    const { appId } = await appWithEndpoint("/payload");
    const deliverAt = new Date(clock.now() + 3 * HOUR);
    const created = await svix.message.create(appId, {
      eventType: "x",
      payload: { keep: "me" },
      deliverAt,
      payloadRetentionHours: 1,
    });
    clock.advance(2 * HOUR);
    await runRetention(h.retention, clock, { retentionDays: 1 });
    assert.deepEqual(
      (await svix.message.get(appId, created.id, { withContent: true })).payload,
      { keep: "me" },
      "not purged before sent",
    );

    clock.advance(HOUR);
    await settle();
    assert.deepEqual(
      received("/payload").map((r) => JSON.parse(r.body)),
      [{ keep: "me" }],
    );
  });

  it("retention keeps a message whose delivery is still scheduled", async () => {
    const { appId } = await appWithEndpoint("/retained");
    const deliverAt = new Date(clock.now() + 23 * HOUR);
    const created = await svix.message.create(appId, { eventType: "x", payload: { still: "due" }, deliverAt });
    // Past the global retention (1 day, and on PostgreSQL the rest of its partition's window) but
    // not claimed yet: the delivery is still due, so the message may not go.
    const window = TEST_STORE === "postgres" ? partitionWidthMs(1) : 0;
    clock.advance(DAY + window + HOUR);
    await runRetention(h.retention, clock, { retentionDays: 1 });
    assert.deepEqual((await svix.message.get(appId, created.id, { withContent: true })).payload, { still: "due" });

    await settle();
    assert.deepEqual(
      received("/retained").map((r) => JSON.parse(r.body)),
      [{ still: "due" }],
    );
  });
});

/**
 * On the real clock, with the regular poll a minute apart: the worker of the process that accepted
 * the message wakes for its time by itself (Dispatcher.wakeAt), within a second of it.
 */
describe("scheduled messages on the real clock", () => {
  let h: TestHookline;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { pollIntervalMs: 60_000 });
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("arrives after its time, not before, without waiting for the next poll", async () => {
    const svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    const app = await svix.application.create({ name: "real clock" });
    await svix.endpoint.create(app.id, { url: `${receiver.url}/timer` });
    const deliverAt = Date.now() + 1500;
    await svix.message.create(app.id, { eventType: "x", payload: {}, deliverAt: new Date(deliverAt) });
    await receiver.waitFor(1, 20_000);
    const at = receiver.requests[0]!.at;
    assert.ok(at >= deliverAt, `arrived ${deliverAt - at} ms early`);
    // Generous for a busy machine, yet far below the minute until the next regular poll.
    assert.ok(at < deliverAt + 15_000, `arrived ${at - deliverAt} ms late`);
  });
});
