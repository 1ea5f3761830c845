import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiException, Svix, Webhook } from "svix";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * Operational webhooks (docs/operations.md, "Operational webhooks"): the official SDK manages the
 * endpoints, and Hookline's own delivery engine sends them Svix's events, signed.
 */

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return error.code;
  }
  assert.fail("expected the call to fail");
}

function headersOf(req: ReceivedRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  return headers;
}

/** The requests carrying an operational event of `type` (parsed), in arrival order. */
const eventsOf = (receiver: Receiver, type: string) =>
  receiver.requests.map((r) => ({ req: r, body: JSON.parse(r.body) })).filter((e) => e.body.type === type);

/** What the failing-endpoint test has seen so far, for a timeout's message. */
let progress: (() => string) | null = null;
const waitingFor = (what: string) => () => `${what}${progress ? ": " + progress() : ""}`;

describe("operational webhook endpoints through the svix SDK", () => {
  let hookline: TestHookline;
  let svix: Svix;

  before(async () => {
    hookline = await startTestHookline();
    svix = new Svix(TEST_TOKEN, { serverUrl: hookline.url });
  });
  after(() => hookline.close());

  test("create, list, get, upsert, headers, secret, rotate and delete", async () => {
    const ops = svix.operationalWebhook.endpoint;
    const created = await ops.create({
      url: "https://ops.example.com/hook",
      description: "on-call",
      uid: "oncall",
      eventTypes: ["endpoint.disabled", "message.attempt.failing"],
      metadata: { team: "platform" },
      headers: { "X-Team": "platform" },
    });
    assert.match(created.id, /^ep_/);
    assert.equal(created.uid, "oncall");
    assert.deepEqual(created.eventTypes, ["endpoint.disabled", "message.attempt.failing"]);
    assert.equal(created.disabled, false);
    assert.deepEqual(created.metadata, { team: "platform" });

    const listed = await ops.list();
    assert.deepEqual(
      listed.data.map((e) => e.id),
      [created.id],
    );
    assert.equal((await ops.get("oncall")).id, created.id);

    const updated = await ops.upsert(created.id, { url: "https://ops.example.com/v2", disabled: true });
    assert.equal(updated.url, "https://ops.example.com/v2");
    assert.equal(updated.disabled, true);
    const upserted = await ops.upsert("pager", { url: "https://pager.example.com/" });
    assert.equal(upserted.uid, "pager");

    assert.deepEqual(await ops.getHeaders(created.id), { headers: { "X-Team": "platform" }, sensitive: [] });
    await ops.setHeaders(created.id, { headers: { Authorization: "Bearer s3cret", "X-Other": "1" } });
    assert.deepEqual(await ops.getHeaders(created.id), { headers: { "X-Other": "1" }, sensitive: ["Authorization"] });

    const { key } = await ops.getSecret(created.id);
    assert.match(key, /^whsec_/);
    await ops.rotateSecret(created.id, {});
    const rotated = (await ops.getSecret(created.id)).key;
    assert.notEqual(rotated, key);
    const chosen = "whsec_" + Buffer.alloc(32, 7).toString("base64");
    await ops.rotateSecret(created.id, { key: chosen });
    assert.equal((await ops.getSecret(created.id)).key, chosen);

    await ops.delete(created.id);
    assert.equal(await statusOf(ops.get(created.id)), 404);
    assert.equal(await statusOf(ops.get("nope")), 404);
  });

  test("bad input is a 422 that says what is wrong", async () => {
    const res = await hookline.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: "https://ops.example.com/",
      eventTypes: ["invoice.paid"],
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.detail[0].loc, ["body", "eventTypes", "0"]);
    assert.match(res.body.detail[0].msg, /not an operational event type/);
    const badUrl = await hookline.api("POST", "/api/v1/operational-webhook/endpoint", { url: "ftp://x" });
    assert.equal(badUrl.status, 422);
  });

  test("only admin tokens manage them, and the hidden application is not listed", async () => {
    const app = (await hookline.api("POST", "/api/v1/app", { name: "tenant" })).body;
    const access = await hookline.api("POST", `/api/v1/auth/app-portal-access/${app.id}`, {});
    const res = await fetch(`${hookline.url}/api/v1/operational-webhook/endpoint`, {
      headers: { authorization: `Bearer ${access.body.token}` },
    });
    assert.equal(res.status, 403);
    const apps = await hookline.api("GET", "/api/v1/app");
    assert.deepEqual(
      apps.body.data.map((a: { id: string }) => a.id),
      [app.id],
    );
    const hidden = hookline.ctx.operational!.app.knownId!;
    assert.equal((await hookline.api("GET", `/api/v1/app/${hidden}`)).status, 404);
    assert.equal((await hookline.api("GET", `/api/v1/app/${hidden}/endpoint`)).status, 404);
  });
});

describe("operational events and alert notices for a failing endpoint", () => {
  let hookline: TestHookline;
  let svix: Svix;
  let ops: Receiver;
  let slack: Receiver;
  let teams: Receiver;
  let customer: Receiver;
  let opsSecret: string;
  let appId: string;

  before(async () => {
    // Quick retries: six attempts within a fraction of a second.
    hookline = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "0.02,0.02,0.02,0.02,0.02" }, { pollIntervalMs: 20 });
    svix = new Svix(TEST_TOKEN, { serverUrl: hookline.url });
    ops = await Receiver.start();
    slack = await Receiver.start();
    teams = await Receiver.start();
    customer = await Receiver.start();
    const opsEndpoint = await svix.operationalWebhook.endpoint.create({
      url: ops.url + "/ops",
      eventTypes: ["message.attempt.*", "endpoint.*"],
    });
    opsSecret = (await svix.operationalWebhook.endpoint.getSecret(opsEndpoint.id)).key;
    const chat = await hookline.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: slack.url + "/services/T000/B000/XXXX",
      eventTypes: ["hookline.alert.*"],
      format: "slack",
    });
    assert.equal(chat.status, 201);
    assert.equal(chat.body.format, "slack");
    const card = await hookline.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: teams.url + "/webhookb2/x",
      eventTypes: ["hookline.alert.*"],
      format: "teams",
    });
    assert.equal(card.status, 201);
    appId = (await hookline.api("POST", "/api/v1/app", { name: "shop", uid: "shop" })).body.id;
  });
  after(async () => {
    await hookline.close();
    await Promise.all([ops.close(), slack.close(), teams.close(), customer.close()]);
  });

  test("the fourth failure sends message.attempt.failing, signed, then the budget's Slack notice", async () => {
    const rule = await hookline.api("POST", "/api/v1/alert-rule", {
      name: "shop endpoints failing",
      kind: "consecutive_failures",
      appId: "shop",
      threshold: 8,
    });
    assert.equal(rule.status, 201, rule.text);
    assert.equal(rule.body.dedupeSeconds, 3600);
    customer.respond(() => ({ status: 500, body: "down" }));
    progress = () =>
      `customer got ${customer.requests.length}; ops got ${ops.requests.map((r) => JSON.parse(r.body).type).join(",")}; slack ${slack.requests.length}`;
    const secretQuery = "token=tenant-secret-in-url";
    const endpoint = (
      await hookline.api("POST", "/api/v1/app/shop/endpoint", {
        url: `${customer.url}/hook?${secretQuery}`,
        headers: { Authorization: "Bearer tenant-credential" },
      })
    ).body;
    await hookline.api("POST", "/api/v1/app/shop/msg", {
      eventType: "order.paid",
      payload: { n: 1 },
      eventId: "evt-1",
    });

    await waitUntil(
      () => eventsOf(ops, "message.attempt.failing").length === 1,
      15_000,
      waitingFor("message.attempt.failing"),
    );
    await waitUntil(() => slack.requests.length >= 1, 15_000, waitingFor("the Slack notice"));
    const failing = eventsOf(ops, "message.attempt.failing")[0]!;
    // Signed with the operational endpoint's secret (Standard Webhooks), verified by the SDK.
    new Webhook(opsSecret).verify(failing.req.body, headersOf(failing.req));
    assert.equal(customer.requests.length >= 4, true);
    const data = failing.body.data;
    assert.equal(data.appId, appId);
    assert.equal(data.appUid, "shop");
    assert.equal(data.endpointId, endpoint.id);
    assert.equal(data.msgEventId, "evt-1");
    assert.match(data.msgId, /^msg_/);
    assert.equal(data.lastAttempt.responseStatusCode, 500);
    assert.match(data.lastAttempt.id, /^atmpt_/);
    assert.ok(!Number.isNaN(Date.parse(data.lastAttempt.timestamp)));

    // The Slack notice: an incoming-webhook message ({text}) about 50 % of the budget (4 of 8), sent after the event.
    const notice = JSON.parse(slack.requests[0]!.body);
    assert.deepEqual(Object.keys(notice), ["text"]);
    assert.match(notice.text, /shop endpoints failing/);
    assert.match(notice.text, /failed 4 times in a row: 50 %/);
    assert.ok(slack.requests[0]!.headers["webhook-id"]! > failing.req.headers["webhook-id"]!, "notice after the event");
    // No credential of the tenant's endpoint appears in a notice.
    for (const r of [...slack.requests, ...teams.requests]) {
      assert.ok(!r.body.includes("tenant-secret-in-url") && !r.body.includes("tenant-credential"));
    }
    await waitUntil(() => teams.requests.length >= 1, 15_000, waitingFor("the Teams notice"));
    assert.equal(JSON.parse(teams.requests[0]!.body)["@type"], "MessageCard");

    // The last of six attempts exhausts the message; the 70 % level (6 of 8) is a new notice.
    await waitUntil(
      () => eventsOf(ops, "message.attempt.exhausted").length === 1,
      15_000,
      waitingFor("message.attempt.exhausted"),
    );
    await waitUntil(() => slack.requests.length >= 2, 15_000, waitingFor("the 70 % notice"));
    assert.match(JSON.parse(slack.requests[1]!.body).text, /70 %/);
  });

  test("endpoint.disabled: automatic on 410 Gone, and manual through the API with failSince", async () => {
    await hookline.api("POST", "/api/v1/alert-rule", { name: "disabled endpoints", kind: "endpoint_disabled" });
    const gone = await Receiver.start();
    gone.respond(() => ({ status: 410 }));
    const endpoint = (await hookline.api("POST", "/api/v1/app/shop/endpoint", { url: gone.url, uid: "gone" })).body;
    await hookline.api("POST", "/api/v1/app/shop/msg", { eventType: "order.paid", payload: { n: 2 } });
    await waitUntil(
      () => eventsOf(ops, "endpoint.disabled").some((e) => e.body.data.endpointId === endpoint.id),
      15_000,
      waitingFor("endpoint.disabled"),
    );
    const disabled = eventsOf(ops, "endpoint.disabled").find((e) => e.body.data.endpointId === endpoint.id)!;
    new Webhook(opsSecret).verify(disabled.req.body, headersOf(disabled.req));
    assert.equal(disabled.body.data.trigger, "automatic");
    assert.equal(disabled.body.data.endpointUid, "gone");
    assert.equal(disabled.body.data.appUid, "shop");
    assert.ok(!Number.isNaN(Date.parse(disabled.body.data.failSince)));
    await waitUntil(
      () => slack.requests.some((r) => /was disabled automatically/.test(r.body)),
      15_000,
      waitingFor("the disabled notice"),
    );

    // Enabling it again resolves the notice and is an endpoint.enabled event.
    await hookline.api("PATCH", `/api/v1/app/shop/endpoint/${endpoint.id}`, { disabled: false });
    await waitUntil(() => eventsOf(ops, "endpoint.enabled").length === 1, 15_000, waitingFor("endpoint.enabled"));
    await waitUntil(
      () => slack.requests.some((r) => /Resolved: .* is enabled again/.test(r.body)),
      15_000,
      waitingFor("the resolved notice"),
    );

    await hookline.api("PATCH", `/api/v1/app/shop/endpoint/${endpoint.id}`, { disabled: true });
    await waitUntil(
      () => eventsOf(ops, "endpoint.disabled").some((e) => e.body.data.trigger === "manual"),
      15_000,
      waitingFor("a manual endpoint.disabled"),
    );
    await gone.close();
  });

  test("a source's destinations get the ingest.* events, naming the source", async () => {
    const inbound = await Receiver.start();
    await hookline.api("POST", "/api/v1/operational-webhook/endpoint", { url: inbound.url, eventTypes: ["ingest.*"] });
    const gone = await Receiver.start();
    gone.respond(() => ({ status: 410 }));
    const source = (
      await hookline.api("POST", "/ingest/api/v1/source", { name: "raw", type: "generic-webhook", config: {} })
    ).body;
    const dest = (await hookline.api("POST", `/ingest/api/v1/source/${source.id}/endpoint`, { url: gone.url })).body;
    const res = await fetch(source.ingestUrl, {
      method: "POST",
      body: '{"a":1}',
      headers: { "content-type": "application/json" },
    });
    assert.equal(res.status, 200);
    const types = () => inbound.requests.map((r) => JSON.parse(r.body).type);
    await waitUntil(
      () =>
        ["ingest.endpoint.created", "ingest.message.attempt.exhausted", "ingest.endpoint.disabled"].every((t) =>
          types().includes(t),
        ),
      15_000,
      waitingFor("the ingest events"),
    );
    for (const r of inbound.requests) {
      const event = JSON.parse(r.body);
      assert.equal(event.data.sourceId, source.id);
      assert.equal(event.data.endpointId, dest.id);
      assert.equal(event.data.appId, undefined);
    }
    const disabled = inbound.requests.map((r) => JSON.parse(r.body)).find((e) => e.type === "ingest.endpoint.disabled");
    assert.equal(disabled.data.trigger, "automatic");
    await Promise.all([inbound.close(), gone.close()]);
  });

  test("endpoint lifecycle events and no events about operational deliveries themselves", async () => {
    const created = (await hookline.api("POST", "/api/v1/app/shop/endpoint", { url: "https://example.com/x" })).body;
    await hookline.api("PATCH", `/api/v1/app/shop/endpoint/${created.id}`, { description: "changed" });
    await hookline.api("DELETE", `/api/v1/app/shop/endpoint/${created.id}`);
    for (const type of ["endpoint.created", "endpoint.updated", "endpoint.deleted"]) {
      await waitUntil(
        () => eventsOf(ops, type).some((e) => e.body.data.endpointId === created.id),
        15_000,
        waitingFor(type),
      );
    }
    const deleted = eventsOf(ops, "endpoint.deleted").find((e) => e.body.data.endpointId === created.id)!;
    assert.deepEqual(Object.keys(deleted.body.data).sort(), ["appId", "appUid", "endpointId", "endpointUid"]);

    // A failing operational endpoint is retried like any endpoint but causes no operational events.
    const before = ops.requests.length;
    const broken = await Receiver.start();
    broken.respond(() => ({ status: 500 }));
    const brokenEndpoint = await hookline.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: broken.url,
      eventTypes: ["endpoint.*"],
    });
    const another = (await hookline.api("POST", "/api/v1/app/shop/endpoint", { url: "https://example.com/y" })).body;
    await broken.waitFor(6, 15_000);
    await hookline.ctx.operational!.whenIdle();
    const later = ops.requests.slice(before).map((r) => JSON.parse(r.body));
    assert.ok(later.some((e) => e.type === "endpoint.created" && e.data.endpointId === another.id));
    const hidden = hookline.ctx.operational!.app.knownId;
    for (const event of later) {
      assert.notEqual(event.data.endpointId, brokenEndpoint.body.id, JSON.stringify(event));
      assert.notEqual(event.data.appId, hidden, JSON.stringify(event));
    }
    await broken.close();
  });
});
