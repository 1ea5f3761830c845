import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage } from "./support/setup.ts";

/**
 * Retries run on an injected clock: the test moves time forward and asks the worker to look for
 * due work, so hours of schedule take milliseconds and nothing sleeps.
 */
describe("retries, dead letters and response handling", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  const SCHEDULE = [5, 300, 1800];

  /** Moves time forward and lets the worker pick up whatever became due. */
  async function advance(ms: number) {
    clock.advance(ms);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline(
      {
        HOOKLINE_RETRY_SCHEDULE: SCHEDULE.join(","),
        HOOKLINE_REQUEST_TIMEOUT: "0.5",
        HOOKLINE_ENDPOINT_DISABLE_AFTER: "86400",
      },
      { clock, pollIntervalMs: 3_600_000 },
    );
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("retries on the schedule with ±20% jitter, keeps webhook-id, refreshes the timestamp, then dead-letters", async () => {
    receiver.respond(() => ({ status: 500, body: "boom" }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/fail`);
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    const seen = () => receiver.requests.filter((r) => r.path === "/fail");
    assert.equal(seen().length, 1, "first attempt is immediate");

    for (let i = 0; i < SCHEDULE.length; i++) {
      const state = await destination(h, appId, msgId, endpointId);
      assert.equal(state.statusText, "sending");
      const wait = Date.parse(state.nextAttempt!) - clock.now();
      assert.ok(wait >= SCHEDULE[i]! * 800 && wait <= SCHEDULE[i]! * 1200, `retry ${i + 1} in ${wait} ms`);
      await advance(wait - 1);
      assert.equal(seen().length, i + 1, "not attempted before it is due");
      await advance(1);
      assert.equal(seen().length, i + 2, `retry ${i + 1} happened`);
    }
    const final = await destination(h, appId, msgId, endpointId);
    assert.equal(final.statusText, "fail");
    assert.equal(final.nextAttempt, null);
    await advance(100 * 3600 * 1000);
    assert.equal(seen().length, SCHEDULE.length + 1, "no attempts after the schedule is spent");

    const ids = new Set(seen().map((r) => r.headers["webhook-id"]));
    assert.deepEqual([...ids], [msgId]);
    const stamps = new Set(seen().map((r) => r.headers["webhook-timestamp"]));
    assert.equal(stamps.size, SCHEDULE.length + 1, "every attempt carries its own timestamp");

    const log = await attempts(h, appId, msgId);
    assert.equal(log.length, SCHEDULE.length + 1);
    for (const a of log) {
      assert.equal(a.status, 2);
      assert.equal(a.responseStatusCode, 500);
      assert.equal(a.response, "boom");
      assert.equal(a.errorKind, "http_status");
      assert.equal(a.triggerType, 0);
      assert.equal(a.requestHeaders["webhook-id"], msgId);
    }

    // A dead letter stays listed and can be resent by hand once the receiver is fixed.
    receiver.respond(() => ({ status: 200 }));
    const resend = await h.api("POST", `/api/v1/app/${appId}/msg/${msgId}/endpoint/${endpointId}/resend`);
    assert.equal(resend.status, 202, resend.text);
    await advance(0);
    assert.equal(seen().length, SCHEDULE.length + 2);
    assert.equal((await destination(h, appId, msgId, endpointId)).statusText, "success");
    const last = (await attempts(h, appId, msgId)).at(-1)!;
    assert.equal(last.triggerType, 1, "resend is a manual attempt");
    assert.equal(last.status, 0);
  });

  it("honours Retry-After on 429 (seconds) and 503 (HTTP date) but never retries sooner than the schedule", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/busy`);
    receiver.respond(() => ({ status: 429, headers: { "retry-after": "120" } }));
    const m1 = await sendMessage(h, appId);
    await h.dispatcher.idle();
    let wait = Date.parse((await destination(h, appId, m1, endpointId)).nextAttempt!) - clock.now();
    assert.ok(wait >= 120_000 && wait <= 121_000, `429 waits Retry-After: ${wait}`);

    const date = new Date(clock.now() + 3600_000).toUTCString();
    receiver.respond(() => ({ status: 503, headers: { "retry-after": date } }));
    const m2 = await sendMessage(h, appId);
    await h.dispatcher.idle();
    wait = Date.parse((await destination(h, appId, m2, endpointId)).nextAttempt!) - clock.now();
    assert.ok(wait >= 3599_000 && wait <= 3601_000, `503 waits until the HTTP date: ${wait}`);

    receiver.respond(() => ({ status: 429, headers: { "retry-after": "1" } }));
    const m3 = await sendMessage(h, appId);
    await h.dispatcher.idle();
    wait = Date.parse((await destination(h, appId, m3, endpointId)).nextAttempt!) - clock.now();
    assert.ok(wait >= 4000, `a short Retry-After does not undercut the 5 s schedule: ${wait}`);
  });

  it("keeps the first 20 kB of a response body in the attempt log", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/verbose`);
    receiver.respond(() => ({ status: 200, body: "é".repeat(5000) + "x".repeat(50_000) }));
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    const [a] = await attempts(h, appId, msgId);
    assert.equal(a!.status, 0);
    assert.equal(Buffer.byteLength(a!.response), 20_000);
    assert.ok(a!.response.startsWith("é".repeat(5000)));
  });

  it("treats 3xx as a failure and never follows the redirect", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/moved`);
    receiver.respond((req) =>
      req.path === "/moved" ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : { status: 200 },
    );
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    assert.equal(receiver.requests.filter((r) => r.path === "/elsewhere").length, 0);
    const [a] = await attempts(h, appId, msgId);
    assert.equal(a!.responseStatusCode, 302);
    assert.equal(a!.errorKind, "redirect");
    assert.equal(a!.status, 2);
  });

  it("disables the endpoint on 410 Gone and stops sending to it", async () => {
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/gone`);
    receiver.respond(() => ({ status: 410 }));
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    const state = await destination(h, appId, msgId, endpointId);
    assert.equal(state.statusText, "fail", "no retries after 410");
    assert.equal(state.disabled, true);
    const [a] = await attempts(h, appId, msgId);
    assert.equal(a!.errorKind, "endpoint_gone");
    await sendMessage(h, appId);
    await advance(3600_000);
    assert.equal(receiver.requests.filter((r) => r.path === "/gone").length, 1, "a disabled endpoint receives nothing");
  });

  it("records timeouts, refused connections and resets with distinct error kinds", async () => {
    receiver.respond((req) => (req.path === "/slow" ? { status: 200, delayMs: 1500 } : { status: 200, reset: true }));
    const slow = await appWithEndpoint(h, `${receiver.url}/slow`);
    const reset = await appWithEndpoint(h, `${receiver.url}/reset`);
    // A port nothing listens on: bind one, note it, close it.
    const closed = await Receiver.start();
    const closedUrl = closed.url;
    await closed.close();
    const refused = await appWithEndpoint(h, `${closedUrl}/nobody`);

    const [m1, m2, m3] = await Promise.all([
      sendMessage(h, slow.appId),
      sendMessage(h, reset.appId),
      sendMessage(h, refused.appId),
    ]);
    await h.dispatcher.idle();
    assert.equal((await attempts(h, slow.appId, m1))[0]!.errorKind, "timeout");
    assert.equal((await attempts(h, reset.appId, m2))[0]!.errorKind, "connection_reset");
    const refusedAttempt = (await attempts(h, refused.appId, m3))[0]!;
    assert.equal(refusedAttempt.errorKind, "connection_refused");
    assert.equal(refusedAttempt.responseStatusCode, 0);
  });

  it("disables an endpoint that has failed continuously for the configured period", async () => {
    receiver.respond(() => ({ status: 500 }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/flaky`);
    const first = await sendMessage(h, appId);
    await h.dispatcher.idle();
    // A day of failures (the configured limit), with new messages failing along the way.
    await advance(12 * 3600_000);
    await sendMessage(h, appId);
    await h.dispatcher.idle();
    let ep = (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`)).body;
    assert.equal(ep.disabled, false, "half a day of failures is not enough");
    await advance(12 * 3600_000 + 1000);
    await sendMessage(h, appId);
    await h.dispatcher.idle();
    ep = (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`)).body;
    assert.equal(ep.disabled, true);
    assert.equal((await destination(h, appId, first, endpointId)).statusText, "fail");

    // Re-enabling clears the streak; a success keeps it clear.
    receiver.respond(() => ({ status: 200 }));
    await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: false });
    await sendMessage(h, appId);
    await h.dispatcher.idle();
    ep = (await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`)).body;
    assert.equal(ep.disabled, false);
  });

  it("recovers failed deliveries since a point in time", async () => {
    receiver.respond(() => ({ status: 500 }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/recover`);
    const since = new Date(clock.now() - 1000).toISOString();
    const ids = [await sendMessage(h, appId), await sendMessage(h, appId)];
    await h.dispatcher.idle();
    for (let i = 0; i < SCHEDULE.length; i++) await advance(3600_000); // spends the whole schedule
    for (const id of ids) assert.equal((await destination(h, appId, id, endpointId)).statusText, "fail");

    receiver.respond(() => ({ status: 204 }));
    const res = await h.api("POST", `/api/v1/app/${appId}/endpoint/${endpointId}/recover`, { since });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.task, "endpoint.recover");
    // A background task: it re-arms the failed deliveries in batches after the answer.
    for (let i = 0; ; i++) {
      const task = await h.api("GET", `/api/v1/background-task/${res.body.id}`);
      if (task.body.status !== "running") {
        assert.deepEqual([task.body.status, task.body.data], ["finished", { messagesSent: 2 }]);
        break;
      }
      assert.ok(i < 2400, "the recover task never finished");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await advance(0);
    for (const id of ids) assert.equal((await destination(h, appId, id, endpointId)).statusText, "success");
    const stats = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
    assert.deepEqual(stats.body, { success: 2, pending: 0, sending: 0, fail: 0, canceled: 0 });
  });
});
