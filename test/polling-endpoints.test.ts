import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, AutoConfigConsumer, Svix, type EndpointOut, type PollingEndpointOut } from "svix";
import { ManualClock } from "../src/core/clock.ts";
import { STREAM_VISIBILITY_DELAY_MS } from "../src/core/polling-endpoint.ts";
import { runRetention } from "../src/retention/run-retention.ts";
import { spawn } from "node:child_process";
import { cli, explain, removeTempDirs, tempDir } from "./support/cli-client.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { BIN, childEnv, REPO_ROOT } from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";

/** The status code the SDK threw with; fails the test if the call succeeded. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return error.code;
  }
  assert.fail("expected the call to fail");
}

interface PollPage {
  data: { id: string; eventType: string; payload: Record<string, unknown>; offset?: number }[];
  iterator?: string;
  done: boolean;
}

/**
 * Polling endpoints (docs/api.md, "Polling endpoints"): routing into the stream, reading it by
 * iterator, by consumers with their own positions, with leases and commits, seeking, poller tokens,
 * and the official SDK's poller calls. The clock is injected: a message becomes visible to polls
 * once it is STREAM_VISIBILITY_DELAY_MS old, which the tests pass by moving the clock.
 */
describe("polling endpoints", () => {
  let h: TestHookline;
  let svix: Svix;
  let appId: string;
  const clock = new ManualClock(Date.now());
  /** Moves the clock past the visibility horizon of everything sent so far. */
  const settle = () => clock.advance(STREAM_VISIBILITY_DELAY_MS + 1000);

  before(async () => {
    // Retention runs when a test runs it, not on the process's own tick.
    // Retention of 2 days, as the retention test's own pass uses: on PostgreSQL the history's time
    // partitions are sized from it (6-hour windows). With the default 90 days they are 7-day
    // windows aligned on Thursdays, and a message sent from Thursday to Monday outlived a 4-day jump.
    h = await startTestHookline({ HOOKLINE_RETENTION_DAYS: "2" }, { clock, withoutJobs: ["retention"] });
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    for (const name of ["invoice.paid", "invoice.void", "user.created"]) {
      await svix.eventType.create({ name, description: name });
    }
    appId = (await svix.application.create({ name: "polling", uid: "polling-app" })).id;
  });
  after(async () => {
    await h?.close();
    removeTempDirs();
  });

  const send = async (eventType: string, n: number, channels?: string[]) =>
    (await svix.message.create(appId, { eventType, payload: { n }, channels })).id;

  const poll = async (path: string, token = TEST_TOKEN): Promise<{ status: number; body: PollPage; text: string }> => {
    const res = await h.api("GET", path, undefined, { authorization: `Bearer ${token}` });
    return { status: res.status, body: res.body as PollPage, text: res.text };
  };

  const pollingEndpoint = (url: string, extra: { eventTypes?: string[]; channels?: string[] } = {}) =>
    svix.endpoint.create(appId, { url, ...extra });

  it("routes messages into the stream by event type and channel, shows them once settled, and never dials", async () => {
    const invoices = await pollingEndpoint("polling://invoices", { eventTypes: ["invoice.paid", "invoice.void"] });
    const eu = await pollingEndpoint("polling://eu", { channels: ["eu"] });
    const paid = await send("invoice.paid", 1);
    await send("user.created", 2);
    const voided = await send("invoice.void", 3, ["eu"]);
    const paidUs = await send("invoice.paid", 4, ["us"]);

    // Not yet past the visibility horizon: nothing to read.
    const early = await poll(`/api/v1/app/${appId}/poller/${invoices.id}`);
    assert.equal(early.status, 200, early.text);
    assert.deepEqual(early.body.data, []);

    settle();
    const page = await poll(`/api/v1/app/${appId}/poller/${invoices.id}`);
    assert.deepEqual(
      page.body.data.map((m) => m.id),
      [paid, voided, paidUs],
    );
    assert.equal(page.body.done, true);
    assert.deepEqual(page.body.data[0]!.payload, { n: 1 });
    const euPage = await poll(`/api/v1/app/polling-app/poller/${eu.id}`);
    assert.deepEqual(
      euPage.body.data.map((m) => m.id),
      [voided],
    );

    // Stored as delivered to the stream; no attempt was made.
    const attempts = await h.api("GET", `/api/v1/app/${appId}/attempt/endpoint/${invoices.id}`);
    assert.deepEqual((attempts.body as { data: unknown[] }).data, []);
    const destinations = await svix.messageAttempt.listAttemptedDestinations(appId, paid);
    const entry = destinations.data.find((d) => d.id === invoices.id);
    assert.equal(entry?.status, 0);
    assert.equal(await statusOf(svix.messageAttempt.resend(appId, paid, invoices.id)), 409);
  });

  it("pages with the iterator until done, and filters by event type and time", async () => {
    const all = await pollingEndpoint("polling://all");
    const ids: string[] = [];
    for (let n = 0; n < 7; n++) ids.push(await send(n % 2 === 0 ? "invoice.paid" : "user.created", n));
    settle();
    const path = `/api/v1/app/${appId}/poller/${all.id}`;
    const seen: string[] = [];
    let iterator: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await poll(`${path}?limit=3${iterator ? `&iterator=${iterator}` : ""}`);
      assert.equal(page.status, 200, page.text);
      seen.push(...page.body.data.map((m) => m.id));
      iterator = page.body.iterator;
      pages++;
      if (page.body.done) break;
      assert.equal(page.body.data.length, 3);
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, ids);
    // At the end, the iterator stays put until something new arrives.
    const end = await poll(`${path}?iterator=${iterator}`);
    assert.deepEqual(end.body.data, []);
    assert.equal(end.body.iterator, iterator);
    const later = await send("invoice.paid", 99);
    settle();
    assert.deepEqual(
      (await poll(`${path}?iterator=${iterator}`)).body.data.map((m) => m.id),
      [later],
    );

    const paidOnly = await poll(`${path}?event_type=invoice.paid`);
    assert.deepEqual(
      paidOnly.body.data.map((m) => m.payload.n),
      [0, 2, 4, 6, 99],
    );
    const afterAll = await poll(`${path}?after=${encodeURIComponent(new Date(clock.now()).toISOString())}`);
    assert.deepEqual(afterAll.body.data, []);
  });

  it("gives each consumer its own position, and seeks a consumer to a time", async () => {
    const ep = await pollingEndpoint("polling://consumers");
    const first = [await send("invoice.paid", 1), await send("invoice.paid", 2), await send("invoice.paid", 3)];
    settle();
    const consumer = (c: string, query = "") => poll(`/api/v1/app/${appId}/poller/${ep.id}/consumer/${c}${query}`);
    assert.deepEqual(
      (await consumer("a", "?limit=2")).body.data.map((m) => m.id),
      first.slice(0, 2),
    );
    assert.deepEqual(
      (await consumer("b")).body.data.map((m) => m.id),
      first,
    );
    assert.deepEqual(
      (await consumer("a")).body.data.map((m) => m.id),
      first.slice(2),
    );
    assert.deepEqual((await consumer("b")).body.data, []);

    // Seek: a consumer set to after the first batch's time reads only what came later.
    const cut = new Date(clock.now());
    clock.advance(1000);
    const second = [await send("invoice.void", 4), await send("invoice.void", 5)];
    settle();
    const seek = await h.api("POST", `/api/v1/app/${appId}/poller/${ep.id}/consumer/c/seek`, {
      after: cut.toISOString(),
    });
    assert.equal(seek.status, 200, seek.text);
    assert.equal(typeof (seek.body as { iterator: string }).iterator, "string");
    assert.deepEqual(
      (await consumer("c")).body.data.map((m) => m.id),
      second,
    );
    // Seeking back to before everything rewinds.
    await h.api("POST", `/api/v1/app/${appId}/poller/${ep.id}/consumer/a/seek`, { after: "2000-01-01T00:00:00Z" });
    assert.deepEqual(
      (await consumer("a")).body.data.map((m) => m.id),
      [...first, ...second],
    );
  });

  it("leases what it hands out, gives it again when not committed, and resumes after a commit", async () => {
    const ep = await pollingEndpoint("polling://leases");
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push(await send("invoice.paid", n));
    settle();
    const receive = (c: string, query = "?limit=2&lease_duration_ms=60000") =>
      poll(`/api/v1/app/${appId}/polling-endpoint/${ep.id}/consumer/${c}${query}`);
    const commit = (c: string, offset: number) =>
      h.api("POST", `/api/v1/app/${appId}/polling-endpoint/${ep.id}/consumer/${c}/commit`, { offset });

    const one = await receive("worker");
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      one.body.data.map((m) => m.id),
      ids.slice(0, 2),
    );
    assert.ok(one.body.data.every((m) => Number.isInteger(m.offset)));
    // Under the lease, the next read goes on; another consumer starts at the beginning.
    assert.deepEqual(
      (await receive("worker")).body.data.map((m) => m.id),
      ids.slice(2, 4),
    );
    assert.deepEqual(
      (await receive("auditor", "?limit=10")).body.data.map((m) => m.id),
      ids,
    );

    // The worker "crashes": nothing committed, the lease runs out, the same messages come again.
    clock.advance(61_000);
    const again = await receive("worker");
    assert.deepEqual(
      again.body.data.map((m) => m.id),
      ids.slice(0, 2),
    );
    const committed = await commit("worker", again.body.data[1]!.offset!);
    assert.equal(committed.status, 204, committed.text);
    // A new poll resumes after the commit, whatever happened to the lease.
    clock.advance(61_000);
    const resumed = await receive("worker", "?limit=10");
    assert.deepEqual(
      resumed.body.data.map((m) => m.id),
      ids.slice(2),
    );
    assert.equal(resumed.body.done, true);

    // A commit never moves back, and an offset that is not in the stream is refused.
    await commit("worker", again.body.data[0]!.offset!);
    await commit("worker", resumed.body.data.at(-1)!.offset!);
    assert.deepEqual((await receive("worker")).body.data, []);
    const unknown = await commit("worker", 987_654_321);
    assert.equal(unknown.status, 422, unknown.text);

    // "latest" starts a new consumer after everything already there.
    assert.deepEqual((await receive("late", "?starting_position=latest")).body.data, []);
    const fresh = await send("invoice.void", 9);
    settle();
    assert.deepEqual(
      (await receive("late")).body.data.map((m) => m.id),
      [fresh],
    );
  });

  it("refuses bad iterators, bad limits, endpoints that are not polling endpoints, and kind changes", async () => {
    const ep = await pollingEndpoint("polling://strict");
    const path = `/api/v1/app/${appId}/poller/${ep.id}`;
    for (const iterator of ["not-an-iterator", Buffer.from('{"p":"msg_x"}').toString("base64url"), "%7B%7D"]) {
      const res = await poll(`${path}?iterator=${iterator}`);
      assert.equal(res.status, 422, res.text);
      assert.match(res.text, /iterator/);
    }
    const consumerBad = await poll(`${path}/consumer/c?iterator=zzz`);
    assert.equal(consumerBad.status, 422, consumerBad.text);
    assert.equal((await poll(`${path}?limit=0`)).status, 422);
    assert.equal((await poll(`${path}?limit=251`)).status, 422);
    assert.equal((await poll(`${path}?after=yesterday`)).status, 422);
    const badSeek = await h.api("POST", `${path}/consumer/c/seek`, { after: "not a date" });
    assert.equal(badSeek.status, 422, badSeek.text);

    const http = await svix.endpoint.create(appId, { url: "https://example.com/hook" });
    assert.equal((await poll(`/api/v1/app/${appId}/poller/${http.id}`)).status, 404);
    assert.equal((await poll(`/api/v1/app/${appId}/poller/ep_missing`)).status, 404);
    assert.equal((await poll(`/api/v1/app/app_missing/poller/${ep.id}`)).status, 404);

    // An endpoint keeps its kind; a malformed polling URL is refused.
    assert.equal(await statusOf(svix.endpoint.patch(appId, ep.id, { url: "https://example.com/x" })), 422);
    assert.equal(await statusOf(svix.endpoint.patch(appId, http.id, { url: "polling://x" })), 422);
    assert.equal(await statusOf(svix.endpoint.create(appId, { url: "polling://has space" })), 422);
    const renamed = await svix.endpoint.patch(appId, ep.id, { url: "polling://strict-renamed" });
    assert.equal(renamed.url, "polling://strict-renamed");
  });

  it("a poller token polls its own endpoint and nothing else; a rotation retires it", async () => {
    const ep = await pollingEndpoint("polling://tokened");
    const other = await pollingEndpoint("polling://other");
    const otherApp = await svix.application.create({ name: "someone else" });
    const msg = await send("invoice.paid", 1);
    settle();

    const got = await h.api("GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`);
    assert.equal(got.status, 200, got.text);
    const { token, id } = got.body as { token: string; id: string };
    assert.match(token, /^hk_poll_/);
    assert.match(id, /^tok_/);
    // Asked again, the same token.
    assert.equal(
      ((await h.api("GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`)).body as { token: string }).token,
      token,
    );

    const as = (method: string, path: string, body?: unknown) =>
      h.api(method, path, body, { authorization: `Bearer ${token}` });
    const polled = await as("GET", `/api/v1/app/${appId}/poller/${ep.id}`);
    assert.equal(polled.status, 200, polled.text);
    assert.deepEqual(
      (polled.body as PollPage).data.map((m) => m.id),
      [msg],
    );
    assert.equal((await as("GET", `/api/v1/app/polling-app/poller/${ep.id}/consumer/x`)).status, 200);
    assert.equal((await as("GET", `/api/v1/app/${appId}/polling-endpoint/${ep.id}/consumer/x`)).status, 200);
    assert.equal(
      (await as("POST", `/api/v1/app/${appId}/poller/${ep.id}/consumer/x/seek`, { after: "2000-01-01T00:00:00Z" }))
        .status,
      200,
    );

    // Anything else: refused.
    assert.equal((await as("GET", `/api/v1/app/${appId}/poller/${other.id}`)).status, 404);
    assert.equal((await as("GET", `/api/v1/app/${otherApp.id}/poller/${ep.id}`)).status, 404);
    for (const [method, path] of [
      ["GET", `/api/v1/app/${appId}`],
      ["GET", `/api/v1/app/${appId}/msg`],
      ["GET", `/api/v1/app/${appId}/endpoint`],
      ["GET", `/api/v1/app/${appId}/endpoint/${ep.id}`],
      ["GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`],
      ["POST", `/api/v1/auth/app/${appId}/poller/${ep.id}/token/rotate`],
      ["GET", "/api/v1/event-type"],
      ["GET", "/api/v1/app"],
    ] as const) {
      const res = await as(method, path, method === "POST" ? {} : undefined);
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    }
    const sent = await as("POST", `/api/v1/app/${appId}/msg`, { eventType: "invoice.paid", payload: {} });
    assert.equal(sent.status, 403, sent.text);

    // Rotation with no grace: the old token stops at once, the new one works.
    const rotated = await h.api("POST", `/api/v1/auth/app/${appId}/poller/${ep.id}/token/rotate`, {
      oldTokenExpiry: 0,
    });
    assert.equal(rotated.status, 201, rotated.text);
    const second = (rotated.body as { token: string }).token;
    assert.notEqual(second, token);
    assert.equal((await as("GET", `/api/v1/app/${appId}/poller/${ep.id}`)).status, 401);
    const withSecond = await h.api("GET", `/api/v1/app/${appId}/poller/${ep.id}`, undefined, {
      authorization: `Bearer ${second}`,
    });
    assert.equal(withSecond.status, 200, withSecond.text);
    assert.equal(
      ((await h.api("GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`)).body as { token: string }).token,
      second,
    );

    // The default grace: the previous token works for 300 s more, then not.
    const third = await h.api("POST", `/api/v1/auth/app/${appId}/poller/${ep.id}/token/rotate`, { expiry: 3600 });
    assert.equal(third.status, 201, third.text);
    assert.ok((third.body as { expiresAt: string | null }).expiresAt !== null);
    const bySecond = () =>
      h.api("GET", `/api/v1/app/${appId}/poller/${ep.id}`, undefined, { authorization: `Bearer ${second}` });
    assert.equal((await bySecond()).status, 200);
    clock.advance(301_000);
    assert.equal((await bySecond()).status, 401);

    // A token for an HTTP endpoint does not exist.
    const http = await svix.endpoint.create(appId, { url: "https://example.com/hook" });
    assert.equal((await h.api("GET", `/api/v1/auth/app/${appId}/poller/${http.id}/token`)).status, 404);
  });

  it("the official SDK's poller calls work, the v2 ones through AutoConfigConsumer", async () => {
    const ep: EndpointOut = await pollingEndpoint("polling://sdk", { eventTypes: ["invoice.paid"] });
    const ids = [await send("invoice.paid", 1), await send("user.created", 2), await send("invoice.paid", 3)];
    settle();

    const page: PollingEndpointOut = await svix.message.poller.poll(appId, ep.id, { limit: 1 });
    assert.deepEqual(
      page.data.map((m) => m.id),
      [ids[0]],
    );
    assert.ok(page.data[0]!.timestamp instanceof Date);
    assert.equal(page.done, false);
    const rest = await svix.message.poller.poll(appId, ep.id, { iterator: page.iterator });
    assert.deepEqual(
      rest.data.map((m) => m.id),
      [ids[2]],
    );
    assert.equal(rest.done, true);

    const consumed = await svix.message.poller.consumerPoll(appId, ep.id, "sdk-consumer");
    assert.deepEqual(
      consumed.data.map((m) => m.id),
      [ids[0], ids[2]],
    );
    const seek = await svix.message.poller.consumerSeek(appId, ep.id, "sdk-consumer", { after: new Date(0) });
    assert.equal(typeof seek.iterator, "string");
    assert.equal((await svix.message.poller.consumerPoll(appId, ep.id, "sdk-consumer")).data.length, 2);

    // The v2 calls live behind AutoConfigConsumer; its v1 token names the app, the endpoint, the
    // server and the API token, here the endpoint's poller token.
    const pollerToken = (
      (await h.api("GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`)).body as {
        token: string;
      }
    ).token;
    const autoconfig =
      "auto_v1_" +
      Buffer.from(
        JSON.stringify({ aid: appId, eid: ep.id, surl: h.url, esec: "whsec_unused", tok: pollerToken }),
      ).toString("base64");
    const consumer = new AutoConfigConsumer(autoconfig, {});
    const received = await consumer.receive("v2", { limit: 1, leaseDurationMs: 60_000 });
    assert.deepEqual(
      received.data.map((m) => m.id),
      [ids[0]],
    );
    await consumer.commit("v2", received.data[0]!.offset);
    const next = await consumer.receive("v2", { limit: 5 });
    assert.deepEqual(
      next.data.map((m) => m.id),
      [ids[2]],
    );
    assert.equal(next.done, true);
  });

  it("hookline endpoint poll prints the stream, keeps a consumer's place, and follows", async () => {
    const ep = await pollingEndpoint("polling://cli", { eventTypes: ["invoice.void"] });
    const ids = [await send("invoice.void", 1), await send("invoice.void", 2)];
    settle();
    // The poller token is all the CLI needs.
    const token = ((await h.api("GET", `/api/v1/auth/app/${appId}/poller/${ep.id}/token`)).body as { token: string })
      .token;
    const env = { HOOKLINE_URL: h.url, HOOKLINE_TOKEN: token, XDG_CONFIG_HOME: tempDir() };
    const lines = (stdout: string) =>
      stdout
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => (JSON.parse(l) as { id: string }).id);

    const all = await cli(["endpoint", "poll", ep.id, "--app", appId, "--limit", "1"], env);
    assert.equal(all.code, 0, explain(all));
    assert.deepEqual(lines(all.stdout), ids);
    const first = await cli(["endpoint", "poll", ep.id, "--app", appId, "--consumer", "cli"], env);
    assert.deepEqual(lines(first.stdout), ids);
    const again = await cli(["endpoint", "poll", ep.id, "--app", appId, "--consumer", "cli"], env);
    assert.equal(again.code, 0, explain(again));
    assert.deepEqual(lines(again.stdout), []);
    const bad = await cli(["endpoint", "poll", ep.id, "--app", appId, "--limit", "0"], env);
    assert.notEqual(bad.code, 0);

    // --follow: prints what arrives later, until interrupted.
    const child = spawn(process.execPath, [BIN, "endpoint", "poll", ep.id, "--app", appId, "--follow"], {
      cwd: REPO_ROOT,
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const waitFor = (count: number) =>
      waitUntil(
        () => lines(stdout).length >= count,
        60_000,
        () => `${count} lines; stdout: ${stdout}; stderr: ${stderr}`,
        100,
      );
    try {
      await waitFor(2);
      const later = await send("invoice.void", 3);
      settle();
      await waitFor(3);
      assert.deepEqual(lines(stdout), [...ids, later]);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
  });

  it("loses what retention removes: the stream goes with its messages", async () => {
    // An application of its own: the others' HTTP endpoints have deliveries still due, which keep
    // their messages past retention until they settle.
    const own = await svix.application.create({ name: "retained" });
    const ep = await svix.endpoint.create(own.id, { url: "polling://retained" });
    await svix.message.create(own.id, { eventType: "invoice.paid", payload: {} });
    settle();
    const path = `/api/v1/app/${own.id}/poller/${ep.id}`;
    assert.equal((await poll(path)).body.data.length, 1);
    // Four days on, with two days kept: the message and its stream entry are gone (on PostgreSQL
    // with their time partition, which ends up to a window after the row's own cutoff).
    clock.advance(4 * 86_400_000);
    await runRetention(h.retention, clock, { retentionDays: 2 });
    assert.deepEqual((await poll(path)).body.data, []);
  });
});
