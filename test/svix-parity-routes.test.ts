import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix } from "svix";
import { ApiException as ApiExceptionV1, Svix as SvixV1 } from "svix-v1";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/** The status code an SDK call threw with (either generation); fails the test if it succeeded. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException || error instanceof ApiExceptionV1, `got ${String(error)}`);
    return error.code;
  }
  assert.fail("expected the call to fail");
}

/**
 * Routes of Svix's open-source server that the official SDKs call and that Hookline answers as
 * Svix does: the older dashboard-access spelling of app portal access, and the message precheck.
 */
describe("Svix server routes: dashboard access and message precheck", () => {
  let h: TestHookline;
  let svix: Svix;
  let svixV1: SvixV1;

  before(async () => {
    h = await startTestHookline();
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    svixV1 = new SvixV1(TEST_TOKEN, { serverUrl: h.url });
  });
  after(async () => {
    await h?.close();
  });

  it("dashboardAccess (v1 SDK) issues a token confined to the application", async () => {
    const app = await svixV1.application.create({ name: "dashboard", uid: "dashboard-app" });
    const other = await svixV1.application.create({ name: "other" });

    const access = await svixV1.authentication.dashboardAccess(app.id);
    assert.ok(access.token.length > 20);
    assert.ok(access.url.includes(encodeURIComponent(access.token)), access.url);
    // By uid too, as every other application route.
    assert.ok((await svixV1.authentication.dashboardAccess("dashboard-app")).token);

    const asPortal = new SvixV1(access.token, { serverUrl: h.url });
    assert.equal((await asPortal.application.get(app.id)).id, app.id);
    await asPortal.endpoint.create(app.id, { url: "https://example.com/hook" });
    assert.equal(await statusOf(asPortal.application.get(other.id)), 404, "another application is out of reach");
    assert.equal(await statusOf(asPortal.eventType.create({ name: "x.y", description: "" })), 403);

    assert.equal(await statusOf(svixV1.authentication.dashboardAccess("no-such-app")), 404);
  });

  it("precheck answers whether any endpoint would receive the event type, by the routing rules", async () => {
    const app = await svix.application.create({ name: "precheck" });
    // An endpoint's filter may only name event types that exist.
    for (const name of ["user.created", "order.placed"]) await svix.eventType.create({ name, description: name });
    assert.deepEqual(await svix.message.precheck(app.id, { eventType: "invoice.paid" }), { active: false }, "none");

    await svix.endpoint.create(app.id, { url: "https://example.com/a", eventTypes: ["invoice.*"] });
    await svix.endpoint.create(app.id, {
      url: "https://example.com/b",
      eventTypes: ["user.created"],
      channels: ["eu"],
    });
    const disabled = await svix.endpoint.create(app.id, {
      url: "https://example.com/c",
      eventTypes: ["order.placed"],
      disabled: true,
    });

    const active = async (eventType: string, channels?: string[]) =>
      (await svix.message.precheck(app.id, { eventType, channels })).active;
    assert.equal(await active("invoice.paid"), true, "wildcard filter");
    assert.equal(await active("invoice.paid", ["us"]), true, "an endpoint without channels takes every channel");
    assert.equal(await active("user.created"), false, "the endpoint subscribes to a channel the message is not on");
    assert.equal(await active("user.created", ["eu"]), true);
    assert.equal(await active("user.created", ["us"]), false);
    assert.equal(await active("order.placed"), false, "a disabled endpoint receives nothing");
    assert.equal(await active("other.type"), false);

    await svix.endpoint.patch(app.id, disabled.id, { disabled: false });
    assert.equal(await active("order.placed"), true, "the change is seen at once");

    // The v1 SDK has the call too.
    const v1 = await svixV1.message.precheck(app.id, { eventType: "invoice.paid" });
    assert.equal(v1.active, true);

    assert.equal(await statusOf(svix.message.precheck("app_missing", { eventType: "x" })), 404);
    const bad = await h.api("POST", `/api/v1/app/${app.id}/msg/precheck/active`, { eventType: "bad type!" });
    assert.equal(bad.status, 422, bad.text);
  });
});
