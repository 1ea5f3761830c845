import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-03-01T10:00:30Z");

/**
 * What the console's overview shows beside its charts: the delivery backlog (due now, waiting for
 * a retry) and the endpoints disabled or failing over a range, for the instance, an application
 * or an endpoint; the effective configuration of the administration page, secrets hidden; and the
 * lookup of a message's application by its id (the command palette's).
 */
describe("backlog, endpoint health, the effective configuration and the message lookup", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(T0);
  const masterKey = randomBytes(32).toString("base64");
  let appA: string;
  let appB: string;
  const ep: Record<string, string> = {};
  let portalToken: string;
  let msgB: string;

  before(async () => {
    receiver = await Receiver.start();
    receiver.respond((req) => (req.path === "/bad" ? { status: 500 } : { status: 200 }));
    h = await startTestHookline(
      { HOOKLINE_RETRY_SCHEDULE: "3600", HOOKLINE_MASTER_KEY: masterKey, HOOKLINE_REQUEST_TIMEOUT: "20" },
      { clock, pollIntervalMs: 3_600_000, withoutJobs: ["retention"] },
    );
    const a = await appWithEndpoint(h, `${receiver.url}/ok`);
    appA = a.appId;
    ep.ok = a.endpointId;
    for (const [name, url] of [
      ["bad", `${receiver.url}/bad`],
      ["off", `${receiver.url}/off`],
    ] as const) {
      const res = await h.api("POST", `/api/v1/app/${appA}/endpoint`, { url });
      assert.equal(res.status, 201, res.text);
      ep[name] = res.body.id;
    }
    const off = await h.api("PATCH", `/api/v1/app/${appA}/endpoint/${ep.off}`, { disabled: true });
    assert.equal(off.status, 200, off.text);
    appB = (await appWithEndpoint(h, `${receiver.url}/ok`)).appId;
    await sendMessage(h, appA);
    msgB = await sendMessage(h, appB);
    await h.dispatcher.idle();
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${appA}`, {});
    assert.equal(access.status, 200, access.text);
    portalToken = access.body.token;
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  const get = async (path: string) => {
    const res = await h.api("GET", path);
    assert.equal(res.status, 200, res.text);
    return res.body;
  };

  it("counts the backlog: a failed first attempt waits for its retry, and is due once its time comes", async () => {
    const waiting = { due: 0, scheduled: 1, oldestDueAt: new Date(T0 + HOUR).toISOString() };
    const retryAt = (await get("/api/v1/stats/backlog")).oldestDueAt as string;
    // The retry is an hour later, ±20% jitter.
    assert.ok(Math.abs(Date.parse(retryAt) - (T0 + HOUR)) <= 0.2 * HOUR + 1000, retryAt);
    waiting.oldestDueAt = retryAt;
    assert.deepEqual(await get("/api/v1/stats/backlog"), waiting);
    assert.deepEqual(await get(`/api/v1/app/${appA}/stats/backlog`), waiting);
    assert.deepEqual(await get(`/api/v1/app/${appA}/endpoint/${ep.bad}/stats/backlog`), waiting);
    const none = { due: 0, scheduled: 0, oldestDueAt: null };
    assert.deepEqual(await get(`/api/v1/app/${appA}/endpoint/${ep.ok}/stats/backlog`), none);
    assert.deepEqual(await get(`/api/v1/app/${appB}/stats/backlog`), none);

    // Past the retry's time, with the worker not polling yet: due now.
    clock.set(T0 + 2 * HOUR);
    assert.deepEqual(await get(`/api/v1/app/${appA}/endpoint/${ep.bad}/stats/backlog`), {
      due: 1,
      scheduled: 0,
      oldestDueAt: retryAt,
    });
    clock.set(T0);
  });

  it("lists disabled and failing endpoints with their failure rate over the range, worst first", async () => {
    const range = `?since=${new Date(T0 - HOUR).toISOString()}&until=${new Date(T0 + HOUR).toISOString()}`;
    const all = await get(`/api/v1/stats/endpoints${range}`);
    assert.deepEqual(
      all.data.map((e: Record<string, unknown>) => [e.endpointId, e.disabled, e.total, e.failure, e.failureRate]),
      [
        [ep.off, true, 0, 0, null],
        [ep.bad, false, 1, 1, 1],
      ],
    );
    assert.equal(all.data[1].url, `${receiver.url}/bad`);
    assert.equal(all.data[1].appId, appA);
    assert.equal(all.since, new Date(T0 - HOUR - 30_000).toISOString(), "widened to whole minutes");
    const ofA = await get(`/api/v1/app/${appA}/stats/endpoints${range}`);
    assert.deepEqual(ofA.data, all.data);
    assert.deepEqual((await get(`/api/v1/app/${appB}/stats/endpoints${range}`)).data, []);
    // A range before the failure holds only the disabled endpoint.
    const earlier = `?since=${new Date(T0 - 3 * HOUR).toISOString()}&until=${new Date(T0 - 2 * HOUR).toISOString()}`;
    assert.deepEqual(
      (await get(`/api/v1/stats/endpoints${earlier}`)).data.map((e: { endpointId: string }) => e.endpointId),
      [ep.off],
    );
  });

  it("refuses unbounded or reversed ranges with 422", async () => {
    const long = await h.api("GET", "/api/v1/stats/endpoints?since=2026-01-01T00:00:00Z&until=2026-03-01T00:00:00Z");
    assert.equal(long.status, 422, long.text);
    assert.deepEqual(long.body.detail[0].loc, ["query", "since"]);
    const reversed = await h.api(
      "GET",
      "/api/v1/stats/endpoints?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z",
    );
    assert.equal(reversed.status, 422, reversed.text);
    assert.deepEqual(reversed.body.detail[0].loc, ["query", "until"]);
    const unknown = await h.api("GET", "/api/v1/app/app_nope/stats/backlog");
    assert.equal(unknown.status, 404, unknown.text);
  });

  it("shows every setting with its value and source, secrets hidden", async () => {
    const res = await h.api("GET", "/api/v1/environment/configuration");
    assert.equal(res.status, 200, res.text);
    const byEnv = new Map(res.body.data.map((s: { env: string }) => [s.env, s]));
    assert.deepEqual(byEnv.get("HOOKLINE_ADMIN_TOKEN"), {
      name: "adminToken",
      env: "HOOKLINE_ADMIN_TOKEN",
      flag: "--admin-token",
      source: "environment",
      value: "(hidden)",
      secret: true,
      meaning: (byEnv.get("HOOKLINE_ADMIN_TOKEN") as { meaning: string }).meaning,
    });
    assert.equal((byEnv.get("HOOKLINE_MASTER_KEY") as { value: string }).value, "(hidden)");
    assert.equal((byEnv.get("HOOKLINE_RETRY_SCHEDULE") as { value: string }).value, "3600");
    const webhookOrigin = byEnv.get("HOOKLINE_WEBHOOK_ORIGIN") as { source: string };
    assert.equal(webhookOrigin.source, "default");
    assert.ok(!res.text.includes(TEST_TOKEN), "the admin token never appears");
    assert.ok(!res.text.includes(masterKey), "the master key never appears");
    const url = h.ctx.config.databaseUrl;
    if (url && new URL(url).password) assert.ok(!res.text.includes(new URL(url).password), "nor the database password");
  });

  it("finds the application of a message id, and answers 404 for an unknown one", async () => {
    assert.deepEqual(await get(`/api/v1/msg/${msgB}`), { id: msgB, appId: appB });
    const unknown = await h.api("GET", "/api/v1/msg/msg_2Znotthere");
    assert.equal(unknown.status, 404, unknown.text);
    const bad = await h.api("GET", "/api/v1/msg/no%20such");
    assert.equal(bad.status, 422, bad.text);
  });

  it("answers admin tokens only: a portal token is refused", async () => {
    const as = (path: string) =>
      fetch(h.url + path, { headers: { authorization: `Bearer ${portalToken}` } }).then((r) => r.status);
    assert.equal(await as("/api/v1/environment/configuration"), 403);
    assert.equal(await as(`/api/v1/msg/${msgB}`), 403);
    assert.equal(await as("/api/v1/stats/backlog"), 403);
    assert.equal(await as("/api/v1/stats/endpoints"), 403);
    assert.equal(await as(`/api/v1/app/${appA}/stats/backlog`), 403);
    assert.equal(await as(`/api/v1/app/${appA}/stats/endpoints`), 403);
  });
});
