import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, attempts, destination, sendMessage } from "./support/setup.ts";

describe("routing: filters, transformations, ordering, versions", () => {
  let h: TestHookline;
  let receiver: Receiver;
  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "0.05,0.05,0.05" });
  });
  after(async () => {
    await h.close();
    await receiver.close();
  });
  const at = (path: string) => receiver.requests.filter((r) => r.path === path);

  it("matches event-type wildcards", async () => {
    // Patterns may name types still to come; an exact name must exist.
    await h.api("POST", "/api/v1/event-type", { name: "user.created", description: "A user signed up" });
    const { appId } = await appWithEndpoint(h, `${receiver.url}/wild`, { filterTypes: ["invoice.*", "user.created"] });
    const wanted = [
      await sendMessage(h, appId, { eventType: "invoice.paid" }),
      await sendMessage(h, appId, { eventType: "invoice.line.added" }),
      await sendMessage(h, appId, { eventType: "user.created" }),
    ];
    await sendMessage(h, appId, { eventType: "user.deleted" });
    await sendMessage(h, appId, { eventType: "invoices.paid" });
    await h.dispatcher.idle();
    assert.deepEqual(
      at("/wild")
        .map((r) => r.headers["webhook-id"])
        .sort(),
      wanted.sort(),
    );
  });

  it("applies a JSONata payload filter, logs what it filtered out, and refuses invalid expressions", async () => {
    const bad = await h.api("POST", "/api/v1/app", { name: "bad filter" });
    const refused = await h.api("POST", `/api/v1/app/${bad.body.id}/endpoint`, {
      url: `${receiver.url}/x`,
      filter: "payload.amount >",
    });
    assert.equal(refused.status, 422, refused.text);
    assert.deepEqual(refused.body.detail[0].loc, ["body", "filter"]);

    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/big`, {
      filter: 'payload.amount > 100 and eventType = "order.paid" and "eu" in channels',
    });
    const small = await sendMessage(h, appId, { eventType: "order.paid", payload: { amount: 50 }, channels: ["eu"] });
    const us = await sendMessage(h, appId, { eventType: "order.paid", payload: { amount: 500 }, channels: ["us"] });
    const big = await sendMessage(h, appId, { eventType: "order.paid", payload: { amount: 500 }, channels: ["eu"] });
    await h.dispatcher.idle();
    assert.deepEqual(
      at("/big").map((r) => r.headers["webhook-id"]),
      [big],
    );
    for (const id of [small, us]) {
      const state = await destination(h, appId, id, endpointId);
      assert.equal(state.statusText, "canceled");
      const [a] = await attempts(h, appId, id);
      assert.equal(a!.errorKind, "filtered");
      assert.equal(a!.status, 4);
    }
    const patched = await h.api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}`, { filter: "(" });
    assert.equal(patched.status, 422);
    const stats = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
    assert.equal(stats.body.canceled, 2);
  });

  it("sends and signs the transformation's result; bad expressions fail only their own endpoint", async () => {
    const { appId, endpointId, secret } = await appWithEndpoint(h, `${receiver.url}/shaped`);
    const plain = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/plain` });
    const tpath = `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`;
    const code = '{"id": msgId, "kind": eventType, "cents": payload.amount * 100, "who": $tenant}';
    assert.equal((await h.api("PATCH", tpath, { code: "{ bad", enabled: true })).status, 422);
    const set = await h.api("PATCH", tpath, { code, enabled: true, variables: { tenant: "acme" } });
    assert.equal(set.status, 204, set.text);
    const read = await h.api("GET", tpath);
    assert.equal(read.body.code, code);
    assert.equal(read.body.enabled, true);
    assert.deepEqual(read.body.variables, { tenant: "acme" });

    const simulated = await h.api("POST", `${tpath}/simulate`, {
      code,
      eventType: "order.paid",
      payload: { amount: 2 },
      variables: { tenant: "t" },
    });
    assert.equal(simulated.status, 200, simulated.text);
    assert.deepEqual(JSON.parse(simulated.body.payload), {
      id: "msg_simulated",
      kind: "order.paid",
      cents: 200,
      who: "t",
    });
    assert.equal(at("/shaped").length, 0, "simulate sends nothing");

    const msgId = await sendMessage(h, appId, { eventType: "order.paid", payload: { amount: 12.5 } });
    await h.dispatcher.idle();
    const [req] = at("/shaped");
    assert.deepEqual(JSON.parse(req!.body), { id: msgId, kind: "order.paid", cents: 1250, who: "acme" });
    new Webhook(secret).verify(req!.body, req!.headers as Record<string, string>);
    assert.deepEqual(JSON.parse(at("/plain")[0]!.body), { amount: 12.5 }, "other endpoints get the original");

    // A runtime error and a runaway recursion: each fails its attempt with a clear kind.
    await h.api("PATCH", tpath, { code: '$error("no shipping address")' });
    const failing = await sendMessage(h, appId, { payload: { amount: 1 } });
    await h.api("PATCH", tpath, { code: "($f := function($x) { $f($x) + 1 }; $f(1))" });
    const runaway = await sendMessage(h, appId, { payload: { amount: 1 } });
    await h.dispatcher.idle();
    const [f] = (await attempts(h, appId, failing)).filter((a) => a.url.endsWith("/shaped"));
    assert.equal(f!.errorKind, "transformation_error");
    assert.match(f!.response, /no shipping address/);
    // A timeout may be the machine's load rather than the expression: it follows the retry schedule.
    const deadline = Date.now() + 20_000;
    while ((await destination(h, appId, runaway, endpointId)).statusText !== "fail" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const runs = (await attempts(h, appId, runaway)).filter((a) => a.url.endsWith("/shaped"));
    assert.deepEqual(
      runs.map((a) => a.errorKind),
      Array(4).fill("transformation_timeout"),
    );
    assert.equal((await destination(h, appId, runaway, endpointId)).statusText, "fail");
    assert.equal((await attempts(h, appId, failing)).length, 2, "a deterministic error is not retried");
    assert.equal((await destination(h, appId, runaway, plain.body.id)).statusText, "success");
  });

  it("delivers an ordered endpoint strictly in message order, each message failing twice first", async () => {
    const tries = new Map<string, number>();
    receiver.respond((req) => {
      if (req.path !== "/ordered") return { status: 200 };
      const id = String(req.headers["webhook-id"]);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      return { status: n <= 2 ? 503 : 200 };
    });
    const { appId } = await appWithEndpoint(h, `${receiver.url}/ordered`, { ordered: true });
    const ids: string[] = [];
    // Sent concurrently: order is the order of acceptance (message ids), not of request arrival.
    const sent = await Promise.all(Array.from({ length: 6 }, (_, i) => sendMessage(h, appId, { payload: { i } })));
    ids.push(...[...sent].sort());
    const deadline = Date.now() + 20_000;
    while (at("/ordered").length < 18 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const sequence = at("/ordered").map((r) => String(r.headers["webhook-id"]));
    assert.deepEqual(
      sequence,
      ids.flatMap((id) => [id, id, id]),
      "each message's three attempts, one message after the other",
    );
    receiver.respond(() => ({ status: 200 }));
  });

  it("uses an event type's own retry schedule and sends the endpoint's version", async () => {
    const et = await h.api("POST", "/api/v1/event-type", {
      name: "slow.retry",
      description: "retries hourly",
      retrySchedule: [3600],
    });
    assert.equal(et.status, 201, et.text);
    assert.deepEqual(et.body.retrySchedule, [3600]);
    receiver.respond((req) => ({ status: req.path === "/versioned" ? 500 : 200 }));
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/versioned`, { version: 3 });
    const msgId = await sendMessage(h, appId, { eventType: "slow.retry" });
    await h.dispatcher.idle();
    const wait = Date.parse((await destination(h, appId, msgId, endpointId)).nextAttempt!) - Date.now();
    assert.ok(wait > 2800_000 && wait <= 4400_000, `hourly schedule (±20%), not the global 50 ms: ${wait} ms`);
    assert.equal(at("/versioned")[0]!.headers["hookline-endpoint-version"], "3");
    receiver.respond(() => ({ status: 200 }));
  });
});

describe("payload validation against event type schemas", () => {
  let h: TestHookline;
  before(async () => {
    h = await startTestHookline({ HOOKLINE_VALIDATE_PAYLOADS: "true" });
  });
  after(async () => h.close());

  it("rejects a payload that does not match the event type's latest schema with a 422 naming the field", async () => {
    const invalidSchema = await h.api("POST", "/api/v1/event-type", {
      name: "broken.schema",
      description: "",
      schemas: { "1": { type: "nonsense" } },
    });
    assert.equal(invalidSchema.status, 422, invalidSchema.text);
    const et = await h.api("POST", "/api/v1/event-type", {
      name: "user.created",
      description: "a user signed up",
      schemas: {
        "1": { type: "object" },
        "2": {
          type: "object",
          required: ["id"],
          properties: { id: { type: "string" }, email: { type: "string", format: "email" } },
        },
      },
    });
    assert.equal(et.status, 201, et.text);
    const app = (await h.api("POST", "/api/v1/app", { name: "validated" })).body;
    const post = (payload: unknown, eventType = "user.created") =>
      h.api("POST", `/api/v1/app/${app.id}/msg`, { eventType, payload });
    const missing = await post({ email: "a@example.com" });
    assert.equal(missing.status, 422, missing.text);
    assert.deepEqual(missing.body.detail[0].loc, ["body", "payload", "id"]);
    const wrongFormat = await post({ id: "u1", email: "not an email" });
    assert.equal(wrongFormat.status, 422);
    assert.deepEqual(wrongFormat.body.detail[0].loc, ["body", "payload", "email"]);
    assert.equal((await post({ id: "u1", email: "a@example.com" })).status, 202);
    assert.equal((await post({ anything: true }, "no.schema")).status, 202, "types without a schema are not checked");
  });
});
