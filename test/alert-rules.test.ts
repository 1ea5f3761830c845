import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * Alert rules (docs/operations.md, "Alert rules"): the API, the de-duplication of notices by the
 * injected clock, the notice when a condition clears, and the window rules.
 */

describe("alert rules", () => {
  let hookline: TestHookline;
  let clock: ManualClock;
  let notices: Receiver;
  let customer: Receiver;
  let endpointId: string;

  /** The notices received so far, parsed. */
  const received = () => notices.requests.map((r) => JSON.parse(r.body) as { type: string; data: any });

  /** Sends one message and waits until its first attempt is recorded and its operational work is done. */
  async function deliverOne(app = "shop", receiver = customer): Promise<void> {
    const before = receiver.requests.length;
    await hookline.api("POST", `/api/v1/app/${app}/msg`, { eventType: "order.paid", payload: { n: 1 } });
    await receiver.waitFor(before + 1);
    // The outcome is recorded after the response; the queued alert work runs after that.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await hookline.ctx.operational!.whenIdle();
  }

  before(async () => {
    clock = new ManualClock(Date.parse("2026-12-01T10:00:00Z"));
    hookline = await startTestHookline({}, { clock, pollIntervalMs: 20 });
    notices = await Receiver.start();
    customer = await Receiver.start();
    await hookline.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: notices.url,
      eventTypes: ["hookline.alert.*"],
    });
    await hookline.api("POST", "/api/v1/app", { name: "shop", uid: "shop" });
    endpointId = (await hookline.api("POST", "/api/v1/app/shop/endpoint", { url: customer.url, uid: "main" })).body.id;
  });
  after(async () => {
    await hookline.close();
    await Promise.all([notices.close(), customer.close()]);
  });
  beforeEach(async () => {
    for (const rule of (await hookline.api("GET", "/api/v1/alert-rule")).body.data)
      await hookline.api("DELETE", `/api/v1/alert-rule/${rule.id}`);
  });

  test("the API creates, lists, gets, replaces and deletes rules; bad input is a 4xx", async () => {
    const created = await hookline.api("POST", "/api/v1/alert-rule", {
      name: "main failing",
      kind: "consecutive_failures",
      appId: "shop",
      endpointId: "main",
      threshold: 5,
    });
    assert.equal(created.status, 201);
    assert.match(created.body.id, /^alert_/);
    assert.equal(created.body.endpointId, endpointId);
    assert.equal(created.body.dedupeSeconds, 3600);
    assert.equal((await hookline.api("GET", "/api/v1/alert-rule")).body.data.length, 1);
    const replaced = await hookline.api("PUT", `/api/v1/alert-rule/${created.body.id}`, {
      name: "error rate",
      kind: "failure_rate",
      threshold: 25,
      windowSeconds: 600,
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.appId, null);
    assert.equal((await hookline.api("GET", `/api/v1/alert-rule/${created.body.id}`)).body.windowSeconds, 600);
    assert.equal((await hookline.api("DELETE", `/api/v1/alert-rule/${created.body.id}`)).status, 204);
    assert.equal((await hookline.api("GET", `/api/v1/alert-rule/${created.body.id}`)).status, 404);

    const bad = async (body: object, loc: string) => {
      const res = await hookline.api("POST", "/api/v1/alert-rule", { name: "x", ...body });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.detail[0].loc.at(-1), loc, res.text);
    };
    await bad({ kind: "failure_rate", threshold: 150 }, "threshold");
    await bad({ kind: "backlog_age", appId: "shop" }, "appId");
    await bad({ kind: "consecutive_failures", endpointId: "main" }, "appId");
    await bad({ kind: "consecutive_failures", appId: "nope" }, "appId");
    await bad({ kind: "failure_rate", windowSeconds: 90 }, "windowSeconds");
    await bad({ kind: "sometimes" }, "kind");
  });

  test("consecutive failures: 50 and 100 % of the budget, one notice an hour, resolved by a success", async () => {
    await hookline.api("POST", "/api/v1/alert-rule", {
      name: "budget",
      kind: "consecutive_failures",
      appId: "shop",
      threshold: 2,
    });
    customer.respond(() => ({ status: 503 }));
    const start = notices.requests.length;
    await deliverOne();
    await waitUntil(() => notices.requests.length === start + 1, 15_000, "the 50 % notice");
    await deliverOne();
    await waitUntil(() => notices.requests.length === start + 2, 15_000, "the 100 % notice");
    const [half, full] = received().slice(start);
    assert.equal(half!.type, "hookline.alert.firing");
    assert.equal(half!.data.level, 50);
    assert.equal(full!.data.level, 100);
    assert.equal(full!.data.endpointId, endpointId);
    assert.equal(full!.data.value, 2);

    // Still failing within the hour: no new notice.
    await deliverOne();
    await deliverOne();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(notices.requests.length, start + 2);

    // An hour later the same level is worth a notice again.
    clock.advance(3_600_000);
    await deliverOne();
    await waitUntil(() => notices.requests.length === start + 3, 15_000, "the hourly repeat");
    assert.equal(received().at(-1)!.data.level, 100);

    customer.respond(() => ({ status: 200 }));
    await deliverOne();
    // The hour's jump also made the earlier failures' retries due: one still answered 503 may land
    // after the success and fire again after the resolution, so look for the resolved notice among
    // what follows the repeat rather than requiring it to be the last.
    const resolvedNotice = () =>
      received()
        .slice(start + 3)
        .find((n) => n.type === "hookline.alert.resolved");
    await waitUntil(() => resolvedNotice() !== undefined, 15_000, "the resolved notice");
    const resolved = resolvedNotice()!;
    assert.match(resolved.data.summary, /^\[budget\] Resolved: endpoint/);
  });

  test("failure rate over a window fires once, and resolves when the window is clean", async () => {
    // An application of its own: retries of the other tests' messages do not count here.
    const receiver = await Receiver.start();
    await hookline.api("POST", "/api/v1/app", { name: "rates", uid: "rates" });
    await hookline.api("POST", "/api/v1/app/rates/endpoint", { url: receiver.url });
    await hookline.api("POST", "/api/v1/alert-rule", {
      name: "rate",
      kind: "failure_rate",
      appId: "rates",
      threshold: 50,
      windowSeconds: 60,
      minAttempts: 2,
    });
    receiver.respond(() => ({ status: 500 }));
    const start = notices.requests.length;
    await deliverOne("rates", receiver);
    await deliverOne("rates", receiver);
    await hookline.ctx.alerts!.evaluateWindows();
    await waitUntil(() => notices.requests.length === start + 1, 15_000, "the rate notice");
    assert.equal(received().at(-1)!.data.kind, "failure_rate");
    assert.equal(received().at(-1)!.data.value, 100);
    await hookline.ctx.alerts!.evaluateWindows();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(notices.requests.length, start + 1, "a second evaluation within the hour sends nothing");

    // Three minutes later the window holds no attempts: too few to judge, so the condition cleared.
    receiver.respond(() => ({ status: 200 }));
    clock.advance(180_000);
    await hookline.ctx.alerts!.evaluateWindows();
    await waitUntil(() => notices.requests.length === start + 2, 15_000, "the resolved notice");
    assert.equal(received().at(-1)!.type, "hookline.alert.resolved");
    await receiver.close();
  });

  test("backlog age fires while the oldest due delivery waits past the bound", async () => {
    await hookline.api("POST", "/api/v1/alert-rule", { name: "backlog", kind: "backlog_age", threshold: 60 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const receiver = await Receiver.start();
    receiver.respond(() => ({ status: 200, until: held }));
    await hookline.api("POST", "/api/v1/app", { name: "slow", uid: "slow" });
    await hookline.api("POST", "/api/v1/app/slow/endpoint", { url: receiver.url });
    const start = notices.requests.length;
    await hookline.api("POST", "/api/v1/app/slow/msg", { eventType: "order.paid", payload: { n: 1 } });
    await waitUntil(() => receiver.requests.length === 1, 15_000, "the held delivery");
    clock.advance(120_000);
    await hookline.ctx.alerts!.evaluateWindows();
    await waitUntil(() => notices.requests.length === start + 1, 15_000, "the backlog notice");
    assert.equal(received().at(-1)!.data.kind, "backlog_age");
    assert.ok(received().at(-1)!.data.value >= 120);
    // Every due delivery done (the other tests' retries included): the backlog is gone.
    release();
    customer.respond(() => ({ status: 200 }));
    const deadline = Date.now() + 15_000;
    while ((await hookline.ctx.store.deliveries.queueStats(clock.now())).due > 0) {
      assert.ok(Date.now() < deadline, "deliveries still due after 15 s");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await hookline.ctx.alerts!.evaluateWindows();
    await waitUntil(() => notices.requests.length === start + 2, 15_000, "the resolved backlog notice");
    assert.equal(received().at(-1)!.type, "hookline.alert.resolved");
    await receiver.close();
  });
});
