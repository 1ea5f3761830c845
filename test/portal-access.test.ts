import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, AppPortalCapability, Svix } from "svix";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint } from "./support/setup.ts";

/** The status the SDK call failed with (it throws ApiException for every non-2xx). */
async function statusOf(call: Promise<unknown>): Promise<{ status: number; body: any }> {
  try {
    await call;
    return { status: 200, body: undefined };
  } catch (error) {
    assert.ok(error instanceof ApiException, `not an API error: ${String(error)}`);
    return { status: error.code, body: error.body };
  }
}

/**
 * App portal access and expire-all through the official SDK: the operator's calls (capabilities,
 * readOnly, sessionId, featureFlags, expiry) and the consumer's calls made with the token they
 * return, which is itself a Svix API key.
 */
describe("consumer-portal sessions through the official SDK", () => {
  let h: TestHookline;
  let receiver: Receiver;
  let operator: Svix;
  let appId: string;
  let endpointId: string;
  const clock = new ManualClock();
  const portal = (token: string) => new Svix(token, { serverUrl: h.url });

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline({}, { pollIntervalMs: 3_600_000, clock });
    operator = new Svix(TEST_TOKEN, { serverUrl: h.url });
    ({ appId, endpointId } = await appWithEndpoint(h, receiver.url));
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  it("returns Hookline's own portal URL with the token in the fragment, never the query", async () => {
    const access = await operator.authentication.appPortalAccess(appId, {});
    const url = new URL(access.url);
    assert.equal(url.origin, h.url);
    assert.equal(url.pathname, `/portal/app/${appId}/`);
    assert.equal(url.search, "");
    assert.equal(new URLSearchParams(url.hash.slice(1)).get("token"), access.token);
    // The portal page is there, and carries no token-bearing redirect.
    const page = await fetch(`${url.origin}${url.pathname}`);
    assert.equal(page.status, 200);
  });

  it("honours HOOKLINE_PUBLIC_URL for the portal URL", async () => {
    const other = await startTestHookline({ HOOKLINE_PUBLIC_URL: "https://hooks.example.com" });
    try {
      const app = await other.api("POST", "/api/v1/app", { name: "a" });
      const access = await other.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
      assert.match(access.body.url, /^https:\/\/hooks\.example\.com\/portal\/app\/app_\w+\/#token=hk_app_/);
    } finally {
      await other.close();
    }
  });

  it("without ViewEndpointSecret the secret is refused; with it the secret reads but cannot rotate", async () => {
    const base = await operator.authentication.appPortalAccess(appId, { capabilities: [AppPortalCapability.ViewBase] });
    const viewer = portal(base.token);
    assert.equal((await viewer.endpoint.list(appId)).data.length, 1);
    const refused = await statusOf(viewer.endpoint.getSecret(appId, endpointId));
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, "capability_required");

    const secretViewer = portal(
      (
        await operator.authentication.appPortalAccess(appId, {
          capabilities: [AppPortalCapability.ViewBase, AppPortalCapability.ViewEndpointSecret],
        })
      ).token,
    );
    assert.match((await secretViewer.endpoint.getSecret(appId, endpointId)).key, /^whsec_/);
    assert.equal((await statusOf(secretViewer.endpoint.rotateSecret(appId, endpointId, {}))).status, 403);
    assert.equal((await statusOf(secretViewer.endpoint.create(appId, { url: receiver.url }))).status, 403);
  });

  it("ManageEndpoint creates, updates and deletes endpoints; CreateAttempts alone cannot", async () => {
    const manager = portal(
      (
        await operator.authentication.appPortalAccess(appId, {
          capabilities: [AppPortalCapability.ViewBase, AppPortalCapability.ManageEndpoint],
        })
      ).token,
    );
    const created = await manager.endpoint.create(appId, { url: `${receiver.url}/second` });
    await manager.endpoint.patch(appId, created.id, { url: `${receiver.url}/third` });
    await manager.endpoint.delete(appId, created.id);

    const replayer = portal(
      (
        await operator.authentication.appPortalAccess(appId, {
          capabilities: [AppPortalCapability.CreateAttempts],
        })
      ).token,
    );
    // ViewBase comes with every session; CreateAttempts allows recover but not endpoint changes.
    assert.equal((await replayer.endpoint.list(appId)).data.length, 1);
    await replayer.endpoint.recover(appId, endpointId, { since: new Date(Date.now() - 3_600_000) });
    assert.equal((await statusOf(replayer.endpoint.create(appId, { url: receiver.url }))).status, 403);
  });

  it("tells a session what it was granted, and no other token", async () => {
    const access = await operator.authentication.appPortalAccess(appId, {
      capabilities: [AppPortalCapability.ViewEndpointSecret],
      readOnly: true,
      featureFlags: ["beta"],
      sessionId: "user_42",
      expiry: 3600,
    });
    const res = await fetch(`${h.url}/api/v1/auth/portal-session`, {
      headers: { authorization: `Bearer ${access.token}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      appId,
      capabilities: ["ViewBase", "ViewEndpointSecret"],
      readOnly: true,
      featureFlags: ["beta"],
      sessionId: "user_42",
      expiresAt: new Date(clock.now() + 3_600_000).toISOString(),
    });
    const admin = await h.api("GET", "/api/v1/auth/portal-session");
    assert.equal(admin.status, 404);
    assert.equal(admin.body.code, "not_a_portal_session");
  });

  it("readOnly refuses writes even with every capability", async () => {
    const access = await operator.authentication.appPortalAccess(appId, { readOnly: true });
    const reader = portal(access.token);
    assert.equal((await reader.endpoint.list(appId)).data.length, 1);
    assert.match((await reader.endpoint.getSecret(appId, endpointId)).key, /^whsec_/);
    for (const call of [
      reader.endpoint.create(appId, { url: receiver.url }),
      reader.endpoint.delete(appId, endpointId),
      reader.endpoint.rotateSecret(appId, endpointId, {}),
      reader.endpoint.recover(appId, endpointId, { since: new Date(Date.now() - 60_000) }),
    ]) {
      const refused = await statusOf(call);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.code, "read_only");
    }
    assert.equal((await operator.endpoint.list(appId)).data.length, 1, "nothing was deleted");
  });

  it("refuses expiry outside Svix's bounds, unknown capabilities and malformed session ids with 422", async () => {
    for (const body of [
      { expiry: 3599 },
      { expiry: 604_801 },
      { capabilities: ["ViewEverything"] },
      { sessionId: "has space" },
      { featureFlags: ["bad flag"] },
    ]) {
      const res = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, body);
      assert.equal(res.status, 422, `${JSON.stringify(body)}: ${res.text}`);
    }
    const ok = await h.api("POST", `/api/v1/auth/app-portal-access/${appId}`, { expiry: 3600 });
    assert.equal(ok.status, 200, ok.text);
  });

  it("featureFlags let the session see event types gated by them, and no others", async () => {
    for (const [name, flags] of [
      ["plain.event", undefined],
      ["beta.event", ["beta"]],
      ["alpha.event", ["alpha"]],
    ] as const) {
      await operator.eventType.create({ name, description: name, ...(flags ? { featureFlags: [...flags] } : {}) });
    }
    const names = async (token: string) => (await portal(token).eventType.list()).data.map((e) => e.name).sort();
    const flagged = await operator.authentication.appPortalAccess(appId, { featureFlags: ["beta"] });
    assert.deepEqual(await names(flagged.token), ["beta.event", "plain.event"]);
    const plain = await operator.authentication.appPortalAccess(appId, {});
    assert.deepEqual(await names(plain.token), ["plain.event"]);
  });

  it("expireAll ends every portal session of the application at once, and no other's", async () => {
    const first = (await operator.authentication.appPortalAccess(appId, {})).token;
    const second = (await operator.authentication.appPortalAccess(appId, { sessionId: "user_1" })).token;
    const otherApp = await operator.application.create({ name: "Other" });
    const elsewhere = (await operator.authentication.appPortalAccess(otherApp.id, {})).token;
    // Used once, so each is in the server's token cache when expire-all runs.
    for (const token of [first, second]) assert.equal((await portal(token).endpoint.list(appId)).data.length, 1);
    await portal(elsewhere).endpoint.list(otherApp.id);

    await operator.authentication.expireAll(appId, {});
    for (const token of [first, second]) {
      const refused = await statusOf(portal(token).endpoint.list(appId));
      assert.equal(refused.status, 401);
    }
    await portal(elsewhere).endpoint.list(otherApp.id);
    // The operator's own token is not a portal session.
    await operator.endpoint.list(appId);
  });

  it("expireAll with sessionIds ends only those sessions", async () => {
    const alice = (await operator.authentication.appPortalAccess(appId, { sessionId: "alice" })).token;
    const bob = (await operator.authentication.appPortalAccess(appId, { sessionId: "bob" })).token;
    const anonymous = (await operator.authentication.appPortalAccess(appId, {})).token;
    for (const token of [alice, bob, anonymous]) await portal(token).endpoint.list(appId);

    await operator.authentication.expireAll(appId, { sessionIds: ["alice"] });
    assert.equal((await statusOf(portal(alice).endpoint.list(appId))).status, 401);
    await portal(bob).endpoint.list(appId);
    await portal(anonymous).endpoint.list(appId);
  });

  it("expireAll with an expiry leaves the sessions working until then", async () => {
    const token = (await operator.authentication.appPortalAccess(appId, { sessionId: "later" })).token;
    await operator.authentication.expireAll(appId, { sessionIds: ["later"], expiry: 3600 });
    await portal(token).endpoint.list(appId);
    clock.advance(3_600_000);
    assert.equal((await statusOf(portal(token).endpoint.list(appId))).status, 401);
  });

  it("a session stops working when its expiry passes", async () => {
    const token = (await operator.authentication.appPortalAccess(appId, { expiry: 7200 })).token;
    await portal(token).endpoint.list(appId);
    clock.advance(7_200_000);
    const refused = await statusOf(portal(token).endpoint.list(appId));
    assert.equal(refused.status, 401);
    assert.equal(refused.body.detail, "the token has expired");
  });

  it("tells a page without a session where to get a fresh link, by application id only", async () => {
    const withReturn = await operator.application.create({
      name: "With return",
      uid: "with-return",
      metadata: { "hookline.portal.returnUrl": "https://app.example.com/webhooks" },
    });
    const settings = async (id: string) => {
      const res = await fetch(`${h.url}/api/v1/portal/${id}/settings`);
      return { status: res.status, body: (await res.json()) as { returnUrl?: string | null; code?: string } };
    };
    assert.deepEqual(await settings(withReturn.id), {
      status: 200,
      body: { returnUrl: "https://app.example.com/webhooks" },
    });
    // A uid is guessable: it does not name the application here.
    assert.equal((await settings("with-return")).status, 404);
    assert.deepEqual((await settings(appId)).body, { returnUrl: null });
    const unsafe = await operator.application.create({
      name: "Unsafe",
      metadata: { "hookline.portal.returnUrl": "javascript:alert(1)" },
    });
    assert.deepEqual((await settings(unsafe.id)).body, { returnUrl: null });
  });

  it("expireAll on an unknown application is 404, and a portal session cannot call it", async () => {
    assert.equal((await statusOf(operator.authentication.expireAll("app_unknown", {}))).status, 404);
    const token = (await operator.authentication.appPortalAccess(appId, {})).token;
    const refused = await statusOf(portal(token).authentication.expireAll(appId, {}));
    assert.equal(refused.status, 403);
  });
});
