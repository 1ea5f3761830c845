import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import pino from "pino";
import { ManualClock } from "../src/core/clock.ts";
import { emitDueCronEvents } from "../src/inbound/cron-emitter.ts";
import { servicesOf } from "../src/main/services.ts";
import { QUEUE_STATS_CACHE_MS } from "../src/observability/queue-metrics.ts";
import type { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import { startTestHookline, TEST_STORE, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { parseMetrics, PROMTOOL, prometheusToolsMissing, promtool, valueOf, type Sample } from "./support/metrics.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

/**
 * Makes the database refuse writes: SQLite's query_only, or PostgreSQL's default_transaction_read_only
 * for the test's database (open sessions keep their setting, so they are ended and the pool reconnects).
 */
async function setReadOnly(h: TestHookline, on: boolean): Promise<void> {
  if (TEST_STORE === "sqlite") {
    (h.ctx.store as SqliteStore).db.pragma(`query_only = ${on ? 1 : 0}`);
    return;
  }
  const name = new URL(h.ctx.config.databaseUrl!).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.HOOKLINE_TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET default_transaction_read_only = ${on}`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
  } finally {
    await admin.end();
  }
}

async function scrape(h: TestHookline): Promise<{ text: string; samples: Sample[] }> {
  const res = await h.api("GET", "/metrics");
  assert.equal(res.status, 200, res.text);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return { text: res.text, samples: parseMetrics(res.text) };
}

/**
 * GET /metrics against a real server delivering to real receivers (one endpoint succeeding, one
 * answering 500, one 410, one filtered), on an injected clock so retries and backlog ages are exact.
 */
describe("Prometheus metrics", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const clock = new ManualClock(Date.parse("2026-03-01T00:00:00Z"));
  const logLines: Record<string, unknown>[] = [];

  async function advance(ms: number) {
    clock.advance(ms);
    await h.dispatcher.pollNow();
    await h.dispatcher.idle();
  }

  before(async () => {
    receiver = await Receiver.start();
    receiver.respond((req) =>
      req.path === "/fail"
        ? { status: 500, body: "down" }
        : req.path === "/gone"
          ? { status: 410, body: "gone" }
          : { status: 200, body: "ok" },
    );
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n")) if (line) logLines.push(JSON.parse(line));
        done();
      },
    });
    h = await startTestHookline(
      { HOOKLINE_RETRY_SCHEDULE: "5", HOOKLINE_METRICS_PORT: "0" },
      { clock, pollIntervalMs: 3_600_000, logger: pino({ level: "info", base: undefined }, sink) },
    );
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("counts messages, attempts by outcome and trigger, latency, lag, give-ups, the backlog and API requests", async () => {
    const { appId, endpointId: okId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    const failing = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/fail` });
    assert.equal(failing.status, 201, failing.text);
    const msgIds = [];
    for (let i = 0; i < 3; i++) msgIds.push(await sendMessage(h, appId, { eventId: `evt_${i}` }));
    await h.dispatcher.idle();

    let { samples } = await scrape(h);
    assert.equal(valueOf(samples, "hookline_messages_created_total", { origin: "api" }), 3);
    const attempts = (labels: Record<string, string>) => valueOf(samples, "hookline_delivery_attempts_total", labels);
    assert.equal(attempts({ outcome: "success", status_class: "2xx", trigger: "scheduled" }), 3);
    assert.equal(attempts({ outcome: "http_status", status_class: "5xx", trigger: "scheduled" }), 3);
    assert.equal(valueOf(samples, "hookline_delivery_attempt_duration_seconds_count", { result: "success" }), 3);
    assert.equal(valueOf(samples, "hookline_delivery_attempt_duration_seconds_count", { result: "failure" }), 3);
    assert.equal(valueOf(samples, "hookline_delivery_latency_seconds_count"), 3);
    assert.equal(valueOf(samples, "hookline_worker_lag_seconds_count", { trigger: "scheduled" }), 6);
    assert.equal(valueOf(samples, "hookline_deliveries_given_up_total"), 0);
    // The three failed deliveries wait for their retry: scheduled, none due yet.
    assert.equal(valueOf(samples, "hookline_queue_deliveries", { scope: "cluster", state: "scheduled" }), 3);
    assert.equal(valueOf(samples, "hookline_queue_deliveries", { scope: "cluster", state: "due" }), 0);
    assert.equal(valueOf(samples, "hookline_queue_oldest_due_age_seconds", { scope: "cluster" }), 0);
    const msgRoute = { method: "POST", route: "/api/v1/app/:app_id/msg", status_class: "2xx" };
    assert.equal(valueOf(samples, "hookline_http_requests_total", msgRoute), 3);
    assert.equal(
      valueOf(samples, "hookline_store_operation_duration_seconds_count", {
        operation: "messages.insertWithDeliveries",
      }),
      3,
    );
    assert.ok(valueOf(samples, "process_cpu_seconds_total") > 0, "Node's process metrics are there");

    // The clock passes the retries' due time (5 s ± 20%) without the worker looking: a backlog 54 s old or more.
    clock.advance(60_000);
    ({ samples } = await scrape(h));
    assert.equal(valueOf(samples, "hookline_queue_deliveries", { scope: "cluster", state: "due" }), 3);
    const age = valueOf(samples, "hookline_queue_oldest_due_age_seconds", { scope: "cluster" });
    assert.ok(age >= 54 && age <= 56, `oldest due age ${age}`);

    // The retry is the last: the failing deliveries are given up as exhausted.
    await advance(QUEUE_STATS_CACHE_MS);
    ({ samples } = await scrape(h));
    assert.equal(attempts({ outcome: "http_status", status_class: "5xx", trigger: "scheduled" }), 6);
    assert.equal(valueOf(samples, "hookline_deliveries_given_up_total", { reason: "exhausted" }), 3);
    const lagSum = valueOf(samples, "hookline_worker_lag_seconds_sum", { trigger: "scheduled" });
    assert.ok(lagSum >= 3 * 54, `the retries were picked up ~60 s after falling due (sum ${lagSum})`);
    assert.equal(valueOf(samples, "hookline_queue_deliveries", { scope: "cluster" }), 0, "nothing left");

    // A manual resend is counted as such, and is not a first success.
    const resend = await h.api("POST", `/api/v1/app/${appId}/msg/${msgIds[0]}/endpoint/${okId}/resend`);
    assert.equal(resend.status, 202, resend.text);
    await advance(0);
    ({ samples } = await scrape(h));
    assert.equal(attempts({ outcome: "success", trigger: "manual" }), 1);
    assert.equal(valueOf(samples, "hookline_delivery_latency_seconds_count"), 3);

    // One structured log line per attempt, found by event id.
    const lines = logLines.filter((l) => l.msg === "delivery attempt" && l.eventId === "evt_1");
    assert.equal(lines.length, 3, "evt_1: one success, two failures");
    const failed = lines.filter((l) => l.outcome === "http_status");
    assert.equal(failed.length, 2);
    assert.equal(failed[1]!.nextAttemptAt, null, "the last attempt schedules nothing");
    for (const line of lines) {
      assert.equal(line.level, 30, "info");
      assert.equal(line.appId, appId);
      assert.equal(line.msgId, msgIds[1]);
      assert.equal(typeof line.endpointId, "string");
      assert.equal(typeof line.durationMs, "number");
      assert.equal(line.status, line.outcome === "success" ? 200 : 500);
      assert.equal(line.eventType, "test.event");
    }
  });

  it("counts endpoints disabled (410 Gone) and deliveries filtered out or given up on a disabled endpoint", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/gone`);
    const filtered = await h.api("POST", `/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}/ok`,
      filter: "payload.n > 100",
    });
    assert.equal(filtered.status, 201, filtered.text);
    const before = (await scrape(h)).samples;
    await sendMessage(h, appId);
    await h.dispatcher.idle();
    const { samples } = await scrape(h);
    const delta = (name: string, labels: Record<string, string>) =>
      valueOf(samples, name, labels) - valueOf(before, name, labels);
    assert.equal(delta("hookline_endpoints_disabled_total", { reason: "gone" }), 1);
    assert.equal(delta("hookline_deliveries_given_up_total", { reason: "endpoint_disabled" }), 1);
    assert.equal(delta("hookline_deliveries_given_up_total", { reason: "filtered" }), 1);
    assert.equal(delta("hookline_delivery_attempts_total", { outcome: "endpoint_gone", status_class: "4xx" }), 1);
    assert.equal(delta("hookline_delivery_attempts_total", { outcome: "filtered", status_class: "none" }), 1);
    assert.equal(delta("hookline_delivery_attempt_duration_seconds_count", {}), 1, "filtering sends nothing");
  });

  it("counts inbound requests by outcome, and messages from ingest and cron", async () => {
    const created = await h.api("POST", "/ingest/api/v1/source", {
      name: "GitHub",
      type: "github",
      config: { secret: "a-github-secret-of-some-length" },
    });
    assert.equal(created.status, 201, created.text);
    const open = await h.api("POST", "/ingest/api/v1/source", { name: "Open", type: "generic-webhook", config: {} });
    assert.equal(open.status, 201, open.text);
    for (const s of [created.body, open.body]) {
      const dest = await h.api("POST", `/ingest/api/v1/source/${s.id}/endpoint`, { url: `${receiver.url}/ok` });
      assert.equal(dest.status, 201, dest.text);
    }
    const post = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: "{}" });
    assert.equal((await post(created.body.ingestUrl)).status, 401, "no signature");
    assert.equal((await post(open.body.ingestUrl, { "idempotency-key": "k1" })).status, 200);
    assert.equal((await post(open.body.ingestUrl, { "idempotency-key": "k1" })).status, 200);
    assert.equal((await post(open.body.ingestUrl.replace(/[^/]+$/, "x".repeat(32)))).status, 404);

    const cron = await h.api("POST", "/ingest/api/v1/source", {
      name: "tick",
      type: "cron",
      config: { schedule: "* * * * *", payload: "{}" },
    });
    assert.equal(cron.status, 201, cron.text);
    assert.equal(await emitDueCronEvents(servicesOf(h.ctx).inbound, clock.now() + 60_000), 1);
    await h.dispatcher.idle();

    const { samples } = await scrape(h);
    const ingest = (outcome: string) => valueOf(samples, "hookline_ingest_requests_total", { outcome });
    assert.equal(ingest("verification_failed"), 1);
    assert.equal(ingest("accepted"), 1);
    assert.equal(ingest("duplicate"), 1);
    assert.equal(ingest("not_found"), 1);
    assert.equal(valueOf(samples, "hookline_messages_created_total", { origin: "ingest" }), 1);
    assert.equal(valueOf(samples, "hookline_messages_created_total", { origin: "cron" }), 1);
  });

  it("serves /metrics to admin tokens only on the API port, and to anyone on HOOKLINE_METRICS_PORT", async () => {
    assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    await sendMessage(h, appId);
    const portal = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, {});
    assert.equal(portal.status, 200, portal.text);
    const asPortal = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${portal.body.token}` } });
    assert.equal(asPortal.status, 403, "an application's token cannot read every tenant's metrics");
    const token = await h.api("POST", "/api/v1/auth/token", { name: "prometheus" });
    assert.equal(token.status, 201, token.text);
    const asAdmin = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${token.body.token}` } });
    assert.equal(asAdmin.status, 200);

    assert.ok(h.metricsUrl, "the metrics listener is up");
    const open = await fetch(h.metricsUrl);
    assert.equal(open.status, 200);
    assert.match(await open.text(), /^hookline_messages_created_total\{origin="api"\} \d+$/m);
    assert.equal((await fetch(h.metricsUrl.replace(/\/metrics$/, "/api/v1/app"))).status, 404);
    // A path no route matches is counted as `unmatched`, never under its own path.
    assert.equal((await h.api("GET", "/api/v1/no-such-thing/12345")).status, 404);
    const { samples } = await scrape(h);
    assert.ok(valueOf(samples, "hookline_http_requests_total", { route: "unmatched", status_class: "4xx" }) >= 1);
    assert.ok(samples.every((s) => !(s.labels.route ?? "").includes("no-such-thing")));
    // Without opting in, no metric carries an application or endpoint id.
    assert.ok(samples.every((s) => s.labels.app === undefined && s.labels.endpoint === undefined));
  });

  it("counts store errors by operation, such as a write the database refuses", async () => {
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ok`);
    await setReadOnly(h, true);
    try {
      // On PostgreSQL the pool may first hand out a session that was just ended (57P01, also a 503):
      // send until the refusal is the read-only one.
      let res = await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "x", payload: {} });
      for (let i = 0; i < 40 && !/25006|READONLY/.test(res.text); i++) {
        await new Promise((r) => setTimeout(r, 50));
        res = await h.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "x", payload: {} });
      }
      assert.equal(res.status, 503, res.text);
      assert.match(res.text, /25006|READONLY/);
    } finally {
      await setReadOnly(h, false);
    }
    const { samples } = await scrape(h);
    const errors = valueOf(samples, "hookline_store_errors_total", {
      operation: "messages.insertWithDeliveries",
      kind: "unavailable",
    });
    assert.ok(errors >= 1, `${errors} errors counted`);
    const failed = { route: "/api/v1/app/:app_id/msg", status_class: "5xx" };
    assert.ok(valueOf(samples, "hookline_http_requests_total", failed) >= 1);
  });

  it("passes promtool check metrics", async (t) => {
    const missing = prometheusToolsMissing(PROMTOOL);
    if (missing) return t.skip(missing);
    const { text } = await scrape(h);
    const checked = promtool(["check", "metrics"], text);
    assert.equal(checked.status, 0, checked.output);
  });
});

describe("tenant labels (HOOKLINE_METRICS_TENANT_LABELS)", () => {
  let h: TestHookline;
  let receiver: Receiver;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_METRICS_TENANT_LABELS: "true", HOOKLINE_METRICS_TENANT_LIMIT: "1" });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });

  it("labels delivery metrics with application and endpoint ids, folding those past the limit into `other`", async () => {
    const first = await appWithEndpoint(h, `${receiver.url}/a`);
    const second = await appWithEndpoint(h, `${receiver.url}/b`);
    await sendMessage(h, first.appId);
    await sendMessage(h, second.appId);
    await sendMessage(h, second.appId);
    await h.dispatcher.idle();
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const samples = parseMetrics(await res.text());
    const success = (labels: Record<string, string>) =>
      valueOf(samples, "hookline_delivery_attempts_total", { outcome: "success", ...labels });
    assert.equal(success({ app: first.appId, endpoint: first.endpointId }), 1);
    assert.equal(success({ app: "other", endpoint: "other" }), 2);
    assert.equal(valueOf(samples, "hookline_messages_created_total", { app: first.appId }), 1);
    assert.equal(valueOf(samples, "hookline_messages_created_total", { app: "other" }), 2);
    const ids = new Set(samples.flatMap((s) => [s.labels.app, s.labels.endpoint]).filter((v) => v !== undefined));
    assert.deepEqual([...ids].sort(), [first.appId, first.endpointId, "other"].sort());
  });
});

describe("metrics of a worker-only process (HOOKLINE_ROLE=worker)", () => {
  let h: TestHookline;

  before(async () => {
    h = await startTestHookline({ HOOKLINE_ROLE: "worker" });
  });
  after(async () => {
    await h.close();
  });

  it("serves /metrics to admin tokens, with the worker's gauges, though it serves no API", async () => {
    assert.equal((await h.api("GET", "/api/v1/app")).status, 404, "no API here");
    assert.equal((await fetch(`${h.url}/metrics`)).status, 401);
    const { samples } = await scrape(h);
    assert.equal(valueOf(samples, "hookline_info", { role: "worker" }), 1);
    assert.ok(samples.some((s) => s.name === "hookline_worker_held_deliveries"));
    assert.ok(samples.some((s) => s.name === "hookline_queue_deliveries" && s.labels.scope === "cluster"));
  });
});
