import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint } from "./support/setup.ts";

/** Calls the API with a given bearer token. */
async function as(h: TestHookline, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(h.url + p, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

/**
 * The event-type catalog with an app portal token: it reads the catalog (a consumer portal shows
 * what can be subscribed to), never changes it, and sees no type that is not released (a feature
 * flag) or does not exist, send-example included.
 */
describe("event-type catalog and app portal tokens", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let portal: string;
  let appId: string;
  let endpointId: string;
  const example = { invoice: "in_1", amount: 100 };
  const schemas = { "1": { type: "object", examples: [example] } };

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { pollIntervalMs: 3_600_000 });
    for (const body of [
      { name: "invoice.paid", description: "An invoice was paid", schemas },
      { name: "beta.feature", description: "Not released", featureFlags: ["beta"], schemas },
    ]) {
      const res = await h.api("POST", "/api/v1/event-type", body);
      assert.equal(res.status, 201, res.text);
    }
    ({ appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/portal`));
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, {});
    assert.equal(access.status, 200, access.text);
    portal = access.body.token;
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("reads the released catalog: list and get, schemas and examples included", async () => {
    const list = await as(h, portal, "GET", "/api/v1/event-type");
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.data.map((e: { name: string }) => e.name),
      ["invoice.paid"],
      "the flagged type is not listed",
    );
    assert.deepEqual(list.body.data[0].schemas, schemas);
    const one = await as(h, portal, "GET", "/api/v1/event-type/invoice.paid");
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body.schemas, schemas);
    assert.equal((await as(h, portal, "HEAD", "/api/v1/event-type/invoice.paid")).status, 200);
    assert.equal((await as(h, portal, "GET", "/api/v1/event-type/beta.feature")).status, 404);
    assert.equal((await as(h, portal, "GET", "/api/v1/event-type/never.defined")).status, 404);
    // The admin sees everything.
    assert.equal((await h.api("GET", "/api/v1/event-type")).body.data.length, 2);
    assert.equal((await h.api("GET", "/api/v1/event-type/beta.feature")).status, 200);
  });

  it("never changes the catalog: every write is 403 and nothing changes", async () => {
    const before = (await h.api("GET", "/api/v1/event-type?include_archived=true")).text;
    const writes: [string, string, unknown?][] = [
      ["POST", "/api/v1/event-type", { name: "portal.made", description: "x" }],
      ["POST", "/api/v1/event-type", { name: "invoice.paid", description: "x" }],
      ["PUT", "/api/v1/event-type/invoice.paid", { description: "rewritten" }],
      ["PUT", "/api/v1/event-type/portal.made", { description: "created by upsert" }],
      ["PATCH", "/api/v1/event-type/invoice.paid", { description: "patched", archived: true }],
      ["PATCH", "/api/v1/event-type/beta.feature", { featureFlags: null }],
      ["DELETE", "/api/v1/event-type/invoice.paid"],
      ["DELETE", "/api/v1/event-type/invoice.paid?expunge=true"],
      ["POST", "/api/v1/event-type/import/openapi", { spec: {} }],
    ];
    for (const [method, path, body] of writes) {
      const res = await as(h, portal, method, path, body);
      assert.ok([403, 404].includes(res.status), `${method} ${path} answered ${res.status}: ${res.text}`);
      if (!path.includes("import")) assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    }
    assert.equal((await h.api("GET", "/api/v1/event-type?include_archived=true")).text, before, "catalog unchanged");
  });

  it("sends a released type's example to its own endpoint; an unknown or unreleased type is 404", async () => {
    const path = `/api/v1/app/${appId}/endpoint/${endpointId}/send-example`;
    const sent = await as(h, portal, "POST", path, { eventType: "invoice.paid" });
    assert.equal(sent.status, 202, sent.text);
    await h.dispatcher.idle();
    assert.deepEqual(JSON.parse(receiver.requests.at(-1)!.body), example);

    const count = receiver.requests.length;
    for (const eventType of ["never.defined", "beta.feature"]) {
      const res = await as(h, portal, "POST", path, { eventType });
      assert.equal(res.status, 404, `${eventType}: ${res.text}`);
      assert.equal(res.body.code, "not_found");
    }
    await h.dispatcher.idle();
    assert.equal(receiver.requests.length, count, "nothing was sent");

    // The admin may send an unreleased type's example, but not one that does not exist.
    assert.equal((await h.api("POST", path, { eventType: "beta.feature" })).status, 202);
    assert.equal((await h.api("POST", path, { eventType: "never.defined" })).status, 404);
  });
});
