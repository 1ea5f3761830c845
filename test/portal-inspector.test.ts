import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Webhook } from "svix";
import { INSPECTOR_LIMITS } from "../src/core/inspector.ts";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { attempts, sendMessage, storeEndpointUrl } from "./support/setup.ts";
import { waitForValue } from "./support/wait.ts";

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
 * The consumer portal's inspector (src/core/inspector.ts): a test URL a portal session creates,
 * adds as an endpoint, and watches real deliveries arrive at; bounded, and readable only by its
 * application's tokens and admin.
 */
describe("consumer-portal inspector", () => {
  let h: TestHookline;
  const clock = new ManualClock();
  let appId: string;
  let portal: string;

  const newApp = async (name: string) => {
    const app = await h.api("POST", "/api/v1/app", { name });
    const access = await h.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
    return { appId: app.body.id as string, token: access.body.token as string };
  };

  before(async () => {
    h = await startTestHookline({}, { pollIntervalMs: 20, clock });
    ({ appId, token: portal } = await newApp("Consumer"));
  });
  after(async () => h?.close());

  it("receives a real delivery, signed, when the portal adds it as an endpoint", async () => {
    const created = await as(h, portal, "POST", `/api/v1/app/${appId}/inspector`);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.url, `${h.url}/inspect/${created.body.id}`);
    assert.equal(Date.parse(created.body.expiresAt) - Date.parse(created.body.createdAt), INSPECTOR_LIMITS.lifetimeMs);

    const endpoint = await as(h, portal, "POST", `/api/v1/app/${appId}/endpoint`, { url: created.body.url });
    assert.equal(endpoint.status, 201, endpoint.text);
    const secret = (await as(h, portal, "GET", `/api/v1/app/${appId}/endpoint/${endpoint.body.id}/secret`)).body.key;
    const msgId = await sendMessage(h, appId, { eventType: "invoice.paid", payload: { invoice: "in_7" } });

    const seen = await waitForValue(
      async () => {
        const res = await as(h, portal, "GET", `/api/v1/app/${appId}/inspector/${created.body.id}`);
        assert.equal(res.status, 200, res.text);
        return res.body.requests.length > 0 ? res.body.requests : undefined;
      },
      30_000,
      "the inspector to record the delivery",
      50,
    );
    assert.equal(seen.length, 1);
    const [request] = seen;
    assert.equal(request.method, "POST");
    assert.equal(request.headers["webhook-id"], msgId);
    assert.deepEqual(JSON.parse(request.body), { invoice: "in_7" });
    // What the consumer's own server would verify, it can verify here.
    new Webhook(secret).verify(request.body, request.headers);

    const [attempt] = await waitForValue(
      async () => {
        const list = await attempts(h, appId, msgId);
        return list.length > 0 ? list : undefined;
      },
      30_000,
      "the attempt",
      50,
    );
    assert.equal(attempt!.responseStatusCode, 200);
    assert.equal(attempt!.status, 0);
  });

  it("delivers only to the exact URL handed out: another URL on Hookline's listener stays refused", async () => {
    const created = await as(h, portal, "POST", `/api/v1/app/${appId}/inspector`);
    // Refused as it is set: only the inspector's exact URL passes the endpoint URL check.
    const refusedAtCreate = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${created.body.url}?x=1` });
    assert.equal(refusedAtCreate.status, 422, refusedAtCreate.text);
    assert.equal(refusedAtCreate.body.detail[0].type, "ssrf_blocked");
    // And at delivery, for a URL stored before the check existed.
    const direct = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url: "https://receiver.example/hook" });
    assert.equal(direct.status, 201, direct.text);
    await storeEndpointUrl(h, appId, direct.body.id, `${created.body.url}?x=1`);
    const msgId = await sendMessage(h, appId, { eventType: "other.event", payload: { n: 1 } });
    const list = await waitForValue(
      async () => {
        const all = await attempts(h, appId, msgId);
        return all.length >= 2 ? all : undefined;
      },
      30_000,
      "attempts to both endpoints",
      50,
    );
    const refused = list.find((a) => a.url === `${created.body.url}?x=1`);
    assert.ok(refused, JSON.stringify(list));
    assert.equal(refused.errorKind, "ssrf_blocked");
    const res = await as(h, portal, "GET", `/api/v1/app/${appId}/inspector/${created.body.id}`);
    assert.equal(res.body.requests.length, 0);
    await h.api("DELETE", `/api/v1/app/${appId}/endpoint/${direct.body.id}`);
  });

  it("is readable by its application's sessions and admin only", async () => {
    const created = await as(h, portal, "POST", `/api/v1/app/${appId}/inspector`);
    const other = await newApp("Someone else");
    const path = `/api/v1/app/${appId}/inspector/${created.body.id}`;
    assert.equal((await as(h, other.token, "GET", path)).status, 404);
    assert.equal(
      (await as(h, other.token, "GET", `/api/v1/app/${other.appId}/inspector/${created.body.id}`)).status,
      404,
    );
    assert.equal(
      (await as(h, other.token, "DELETE", `/api/v1/app/${other.appId}/inspector/${created.body.id}`)).status,
      404,
    );
    assert.equal((await h.api("GET", path)).status, 200);
    const listed = await as(h, portal, "GET", `/api/v1/app/${appId}/inspector`);
    assert.ok(listed.body.data.some((i: { id: string }) => i.id === created.body.id));
    assert.equal((await as(h, other.token, "GET", `/api/v1/app/${other.appId}/inspector`)).body.data.length, 0);
  });

  it("keeps the newest requests only, cuts bodies at the cap and limits the rate", async () => {
    const { appId: ownApp, token } = await newApp("Bounds");
    const created = await as(h, token, "POST", `/api/v1/app/${ownApp}/inspector`);
    const post = (body: string) =>
      fetch(created.body.url, { method: "POST", body, headers: { "content-type": "text/plain" } });

    const big = "x".repeat(INSPECTOR_LIMITS.bodyBytesKept + 1000);
    assert.equal((await post(big)).status, 200);
    let sent = 1;
    let limited = 0;
    while (sent < INSPECTOR_LIMITS.requestsKept + 5) {
      const res = await post(`request ${sent}`);
      if (res.status === 429) {
        limited++;
        assert.ok(res.headers.get("retry-after"));
        clock.advance(1000);
        continue;
      }
      assert.equal(res.status, 200);
      sent++;
    }
    assert.ok(limited > 0, "the receive rate was never limited");

    const res = await as(h, token, "GET", `/api/v1/app/${ownApp}/inspector/${created.body.id}`);
    assert.equal(res.body.requests.length, INSPECTOR_LIMITS.requestsKept);
    assert.equal(res.body.requests[0].body, `request ${sent - 1}`);
    assert.ok(!res.body.requests.some((r: { bodyBytes: number }) => r.bodyBytes === big.length), "oldest kept");

    const { appId: capApp, token: capToken } = await newApp("Cap");
    const cap = await as(h, capToken, "POST", `/api/v1/app/${capApp}/inspector`);
    await fetch(cap.body.url, { method: "POST", body: big });
    const [kept] = (await as(h, capToken, "GET", `/api/v1/app/${capApp}/inspector/${cap.body.id}`)).body.requests;
    assert.equal(kept.truncated, true);
    assert.equal(kept.bodyBytes, big.length);
    assert.equal(kept.body.length, INSPECTOR_LIMITS.bodyBytesKept);
  });

  it("allows a few per application and expires after its lifetime", async () => {
    const { appId: ownApp, token } = await newApp("Limits");
    const ids: string[] = [];
    for (let i = 0; i < INSPECTOR_LIMITS.perApplication; i++) {
      const res = await as(h, token, "POST", `/api/v1/app/${ownApp}/inspector`);
      assert.equal(res.status, 201, res.text);
      ids.push(res.body.id);
    }
    const refused = await as(h, token, "POST", `/api/v1/app/${ownApp}/inspector`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, "inspector_limit");
    assert.equal((await as(h, token, "DELETE", `/api/v1/app/${ownApp}/inspector/${ids[0]}`)).status, 204);
    assert.equal((await as(h, token, "POST", `/api/v1/app/${ownApp}/inspector`)).status, 201);

    const url = `${h.url}/inspect/${ids[1]}`;
    clock.advance(INSPECTOR_LIMITS.lifetimeMs);
    // Portal sessions outlive nothing here: a fresh one reads the expired inspector as gone.
    const fresh = (await h.api("POST", `/api/v1/auth/app-portal-access/${ownApp}`, {})).body.token;
    assert.equal((await as(h, fresh, "GET", `/api/v1/app/${ownApp}/inspector/${ids[1]}`)).status, 404);
    assert.equal((await fetch(url, { method: "POST", body: "late" })).status, 410);
    assert.equal((await as(h, fresh, "GET", `/api/v1/app/${ownApp}/inspector`)).body.data.length, 0);
    // Creating one deletes the expired ones.
    assert.equal((await as(h, fresh, "POST", `/api/v1/app/${ownApp}/inspector`)).status, 201);
    assert.equal((await fetch(url, { method: "POST", body: "late" })).status, 404);
  });

  it("answers an unknown inspector with 404 and a session without ManageEndpoint cannot create one", async () => {
    assert.equal((await fetch(`${h.url}/inspect/insp_unknown`, { method: "POST", body: "x" })).status, 404);
    const viewer = (await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, { capabilities: ["ViewBase"] })).body
      .token;
    const res = await as(h, viewer, "POST", `/api/v1/app/${appId}/inspector`);
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "capability_required");
  });
});
