import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { DeliveryStatus, type Attempt } from "../src/core/entities.ts";
import { idTimeMs, newId } from "../src/core/ids.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage, storeEndpointUrl } from "./support/setup.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-01T10:00:00Z");

interface Bucket {
  start: string;
  total: number;
  success: number;
  failure: number;
  outcomes: Record<string, number>;
  attemptDurationMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null; count: number };
  endToEndMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null; count: number };
}

/** Sums every bucket of a stats answer, so a test need not know which bucket an attempt fell in. */
function sum(data: Bucket[]) {
  const outcomes: ReturnType<typeof zero> = zero();
  for (const b of data) for (const [k, v] of Object.entries(b.outcomes)) outcomes[k as keyof typeof outcomes] += v;
  return {
    outcomes,
    total: data.reduce((a, b) => a + b.total, 0),
    failure: data.reduce((a, b) => a + b.failure, 0),
    timed: data.reduce((a, b) => a + b.attemptDurationMs.count, 0),
    endToEnd: data.reduce((a, b) => a + b.endToEndMs.count, 0),
  };
}

describe("attempt stats API", () => {
  let h: TestHookline;
  let receiver: Receiver;
  // Half past: retries an hour later (±20% jitter) then all fall in the next hourly bucket.
  const clock = new ManualClock(T0 + 30 * 60_000);

  async function advance(ms: number) {
    clock.advance(ms);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }
  const stats = async (path: string, query = "") => {
    const res = await h.api("GET", `${path}${query}`);
    assert.equal(res.status, 200, res.text);
    return res.body as { interval: string; since: string; until: string; data: Bucket[] };
  };
  const range = `?since=${new Date(T0 - HOUR).toISOString()}&until=${new Date(T0 + 3 * HOUR).toISOString()}`;

  let teardown!: () => void;
  const neverBeforeTeardown = new Promise<void>((resolve) => (teardown = resolve));
  let appA: string;
  let appB: string;
  const ep: Record<string, string> = {};

  before(async () => {
    receiver = await Receiver.start();
    receiver.respond((req) => {
      if (req.path === "/e4") return { status: 404 };
      if (req.path === "/e5") return { status: 503 };
      if (req.path === "/slow") return { status: 200, until: neverBeforeTeardown };
      if (req.path === "/reset") return { status: 200, reset: true };
      if (req.path === "/moved") return { status: 302, headers: { location: "/ok" } };
      return { status: 200 };
    });
    h = await startTestHookline(
      {
        HOOKLINE_RETRY_SCHEDULE: "3600",
        // Generous, so that on a busy machine only the held request times out.
        HOOKLINE_REQUEST_TIMEOUT: "3",
        HOOKLINE_ENDPOINT_DISABLE_AFTER: "864000",
        // Sizes PostgreSQL's history windows (6 h) for the retention test's 2 days.
        HOOKLINE_RETENTION_DAYS: "2",
      },
      { clock, pollIntervalMs: 3_600_000, withoutJobs: ["retention"] },
    );
    const a = await appWithEndpoint(h, `${receiver.url}/ok`);
    appA = a.appId;
    ep.ok = a.endpointId;
    const add = async (name: string, body: Record<string, unknown>) => {
      const res = await h.api("POST", `/api/v1/app/${appA}/endpoint`, body);
      assert.equal(res.status, 201, res.text);
      ep[name] = res.body.id;
    };
    await add("e4", { url: `${receiver.url}/e4` });
    await add("e5", { url: `${receiver.url}/e5` });
    await add("slow", { url: `${receiver.url}/slow` });
    await add("reset", { url: `${receiver.url}/reset` });
    await add("moved", { url: `${receiver.url}/moved` });
    // Outside the allow-listed loopback range: the SSRF guard refuses it without connecting. The API
    // refuses such a URL too, so it is stored past it (as one set before the allow-list narrowed).
    await add("blocked", { url: "http://hookline-test.invalid/hook" });
    await storeEndpointUrl(h, appA, ep.blocked!, "http://10.255.255.1/hook");
    await add("filtered", { url: `${receiver.url}/filtered`, filter: "false" });
    appB = (await appWithEndpoint(h, `${receiver.url}/ok`)).appId;

    await sendMessage(h, appA);
    await sendMessage(h, appB);
    await h.dispatcher.idle();
  });
  after(async () => {
    teardown();
    await h.close();
    await receiver.close();
  });

  it("counts each attempt once, in its outcome class and its bucket, at endpoint, application and instance level", async () => {
    const app = await stats(`/api/v1/app/${appA}/stats/attempts`, range);
    assert.equal(app.interval, "1h");
    assert.equal(app.since, new Date(T0 - HOUR).toISOString());
    assert.equal(app.data.length, 4, "every bucket of the range, empty ones included");
    const first = app.data[1]!;
    assert.equal(first.start, new Date(T0).toISOString());
    assert.deepEqual(first.outcomes, {
      success: 1,
      http4xx: 1,
      http5xx: 1,
      timeout: 1,
      network: 1,
      ssrfBlocked: 1,
      otherError: 1,
      canceled: 1,
    });
    assert.equal(first.total, 8);
    assert.equal(first.success, 1);
    assert.equal(first.failure, 6, "everything but success and canceled");
    assert.equal(first.attemptDurationMs.count, 5, "only attempts that made a request are timed");
    assert.ok(first.attemptDurationMs.max! >= 3000, `the timeout took the 3 s limit: ${first.attemptDurationMs.max}`);
    assert.equal(first.endToEndMs.count, 1, "one delivery succeeded");
    assert.equal(app.data[0]!.total, 0);
    assert.equal(app.data[0]!.attemptDurationMs.p50, null, "no percentile for an empty bucket");

    const e4 = await stats(`/api/v1/app/${appA}/endpoint/${ep.e4}/stats/attempts`, range);
    assert.deepEqual(sum(e4.data).outcomes, { ...zero(), http4xx: 1 });
    const instance = await stats(`/api/v1/stats/attempts`, range);
    assert.equal(sum(instance.data).outcomes.success, 2, "both applications");
    assert.equal(sum(instance.data).total, 9);
    const b = await stats(`/api/v1/app/${appB}/stats/attempts`, range);
    assert.deepEqual(sum(b.data).outcomes, { ...zero(), success: 1 });

    // The retries (an hour later) land in the next bucket; the failures that retry are counted again there.
    await advance(1.3 * HOUR);
    const later = await stats(`/api/v1/app/${appA}/stats/attempts`, range);
    assert.equal(later.data[1]!.total, 8, "the first bucket is unchanged");
    assert.deepEqual(later.data[2]!.outcomes, {
      ...zero(),
      http4xx: 1,
      http5xx: 1,
      timeout: 1,
      network: 1,
      otherError: 1,
    });
    const fiveMinutes = `?since=${new Date(T0).toISOString()}&until=${new Date(T0 + 3 * HOUR).toISOString()}&interval=5m`;
    const byFive = await stats(`/api/v1/app/${appA}/stats/attempts`, fiveMinutes);
    assert.equal(byFive.data.length, 36);
    assert.equal(sum(byFive.data).total, 13, "five-minute buckets sum the same minutes");
    assert.equal(byFive.data[6]!.total, 8, "the first attempts all fell in 10:30-10:35");
  });

  it("agrees with the endpoint stats route where they overlap", async () => {
    // Without manual resends, each delivery has at most one success and one canceled attempt, and
    // a delivery that never succeeded has only failed attempts.
    let svixSuccess = 0;
    let svixCanceled = 0;
    for (const [name, id] of Object.entries(ep)) {
      const svix = await h.api("GET", `/api/v1/app/${appA}/endpoint/${id}/stats`);
      assert.equal(svix.status, 200, svix.text);
      const ours = sum((await stats(`/api/v1/app/${appA}/endpoint/${id}/stats/attempts`, range)).data);
      assert.equal(svix.body.success, ours.outcomes.success, `${name}: success`);
      assert.equal(svix.body.canceled, ours.outcomes.canceled, `${name}: canceled`);
      const unsettled = svix.body.fail + svix.body.sending + svix.body.pending;
      assert.equal(unsettled > 0, ours.failure > 0, `${name}: failures`);
      assert.equal(ours.total, ours.outcomes.success + ours.outcomes.canceled + ours.failure);
      svixSuccess += svix.body.success;
      svixCanceled += svix.body.canceled;
    }
    const app = sum((await stats(`/api/v1/app/${appA}/stats/attempts`, range)).data);
    assert.equal(app.outcomes.success, svixSuccess);
    assert.equal(app.outcomes.canceled, svixCanceled);
  });

  it("puts latencies in their histogram bins and reports the bin's bound as the percentile", async () => {
    // The message's own delivery is filtered out (canceled: counted, but not timed).
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/ok`, { filter: "false" });
    const msgId = await sendMessage(h, appId);
    await h.dispatcher.idle();
    const at = idTimeMs(msgId) + 1000;
    const minute = at - (at % 60_000);
    const attempt = (durationMs: number): Attempt => ({
      id: newId("atmpt", at),
      appId,
      msgId,
      endpointId,
      url: `${receiver.url}/ok`,
      status: DeliveryStatus.Success,
      responseStatusCode: 200,
      response: "",
      responseDurationMs: durationMs,
      triggerType: 0,
      errorKind: null,
      requestHeaders: {},
      responseHeaders: null,
      createdAt: at,
    });
    // 50 × 3 ms, 45 × 150 ms, 5 × 2.5 s, through the store's own write path.
    for (const [n, ms] of [
      [50, 3],
      [45, 150],
      [5, 2500],
    ] as const)
      for (let i = 0; i < n; i++) await h.ctx.store.attempts.insert(attempt(ms));
    const q = `?since=${new Date(minute).toISOString()}&until=${new Date(minute + 60_000).toISOString()}&interval=1m`;
    const res = await stats(`/api/v1/app/${appId}/endpoint/${endpointId}/stats/attempts`, q);
    assert.equal(res.data.length, 1);
    const d = res.data[0]!.attemptDurationMs;
    assert.deepEqual(d, { p50: 3, p95: 200, p99: 2500, max: 2500, count: 100 });
    // End to end: 1 s from the message's creation to the attempt's start, plus its duration.
    const e = res.data[0]!.endToEndMs;
    assert.deepEqual(e, { p50: 2000, p95: 2000, p99: 3500, max: 3500, count: 100 });
  });

  it("lets an application's token read its own application's and endpoints' stats only", async () => {
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${appA}`, {});
    assert.equal(access.status, 200, access.text);
    const as = (path: string) =>
      fetch(h.url + path, { headers: { authorization: `Bearer ${access.body.token}` } }).then((r) => r.status);
    assert.equal(await as(`/api/v1/app/${appA}/stats/attempts`), 200);
    assert.equal(await as(`/api/v1/app/${appA}/endpoint/${ep.e4}/stats/attempts`), 200);
    assert.equal(await as(`/api/v1/app/${appB}/stats/attempts`), 404);
    assert.equal(await as(`/api/v1/stats/attempts`), 403, "the instance is for admin tokens");
    const otherEndpoint = (await h.api("GET", `/api/v1/app/${appB}/endpoint`)).body.data[0].id;
    assert.equal(await as(`/api/v1/app/${appA}/endpoint/${otherEndpoint}/stats/attempts`), 404);
    assert.equal(await as(`/api/v1/app/${appB}/endpoint/${otherEndpoint}/stats/attempts`), 404);
  });

  it("answers only bounded ranges of fixed-width buckets", async () => {
    const day = await stats(
      `/api/v1/stats/attempts`,
      `?since=2026-03-01T00:00:00Z&until=2026-03-02T00:00:00Z&interval=1m`,
    );
    assert.equal(day.data.length, 1440, "a day of minutes is the most one answer holds");
    const tooMany = await h.api(
      "GET",
      `/api/v1/stats/attempts?since=2026-03-01T00:00:00Z&until=2026-03-02T00:01:00Z&interval=1m`,
    );
    assert.equal(tooMany.status, 422, tooMany.text);
    assert.deepEqual(tooMany.body.detail[0].loc, ["query", "since"]);
    // A day that does not start on a minute spans 1,441 minutes once widened: still answered.
    const unaligned = await stats(
      `/api/v1/stats/attempts`,
      `?since=2026-03-01T00:00:30Z&until=2026-03-02T00:00:30Z&interval=1m`,
    );
    assert.equal(unaligned.data.length, 1441);
    const badWidth = await h.api("GET", `/api/v1/stats/attempts?interval=2m`);
    assert.equal(badWidth.status, 422, badWidth.text);
    assert.equal(badWidth.body.detail[0].loc[0], "query");
    const backwards = await h.api(
      "GET",
      `/api/v1/stats/attempts?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z`,
    );
    assert.equal(backwards.status, 422, backwards.text);
    assert.deepEqual(backwards.body.detail[0].loc, ["query", "until"]);
    const notADate = await h.api("GET", `/api/v1/stats/attempts?since=yesterday`);
    assert.equal(notADate.status, 422, notADate.text);
    const unknownApp = await h.api("GET", `/api/v1/app/app_nope/stats/attempts`);
    assert.equal(unknownApp.status, 404, unknownApp.text);
    // Defaults: the last day in hours, up to now (rounded up to the hour).
    const recent = await stats(`/api/v1/stats/attempts`);
    assert.equal(recent.interval, "1h");
    assert.ok(recent.data.length === 24 || recent.data.length === 25, `${recent.data.length} buckets`);
  });

  it("drops stats rows with the history retention purges", async () => {
    const before = sum((await stats(`/api/v1/app/${appA}/stats/attempts`, range)).data);
    assert.ok(before.total > 0);
    // Move past the retention period (2 days), then record a fresh attempt that must stay.
    await advance(3 * 24 * HOUR);
    await sendMessage(h, appB);
    await h.dispatcher.idle();
    const removed = await runRetention(h.retention, clock, { retentionDays: 2, pause: async () => {} });
    assert.ok(removed > 0);
    const after = sum((await stats(`/api/v1/app/${appA}/stats/attempts`, range)).data);
    assert.equal(after.total, 0, "the old minutes are gone");
    const now = clock.now();
    const fresh = await stats(
      `/api/v1/app/${appB}/stats/attempts`,
      `?since=${new Date(now - HOUR).toISOString()}&until=${new Date(now + HOUR).toISOString()}`,
    );
    assert.equal(sum(fresh.data).outcomes.success, 1, `recent minutes stay: ${JSON.stringify(fresh)}`);
  });
});

const zero = () => ({
  success: 0,
  http4xx: 0,
  http5xx: 0,
  timeout: 0,
  network: 0,
  ssrfBlocked: 0,
  otherError: 0,
  canceled: 0,
});
