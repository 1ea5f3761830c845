import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix } from "svix";
import { Svix as SvixV1 } from "svix-v1";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/**
 * Where Svix's server answers 422 and a typo would otherwise pass silently: an endpoint filter
 * naming an event type that does not exist, and custom headers under reserved prefixes. Driven
 * through the official SDKs where they have the call.
 */

async function refusal(call: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await call;
  } catch (error) {
    // Each SDK generation throws its own ApiException class, with the same fields.
    const e = error as { code?: unknown; body?: unknown };
    assert.ok(
      error instanceof ApiException || typeof e.code === "number",
      `expected an ApiException, got ${String(error)}`,
    );
    return { code: e.code as number, body: e.body };
  }
  assert.fail("expected the call to fail");
}

describe("validation parity with Svix", () => {
  let h: TestHookline;
  let svix: Svix;
  let svixV1: SvixV1;
  let appId: string;

  before(async () => {
    h = await startTestHookline();
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    svixV1 = new SvixV1(TEST_TOKEN, { serverUrl: h.url });
    appId = (await svix.application.create({ name: "validation" })).id;
    await svix.eventType.create({ name: "invoice.paid", description: "An invoice was paid" });
    await svix.eventType.create({ name: "invoice.old", description: "Archived later" });
    await svix.eventType.create({ name: "beta.thing", description: "Flagged", featureFlags: ["beta"] });
  });
  after(async () => {
    await h?.close();
  });

  it("refuses an endpoint filter naming an event type that does not exist", async () => {
    const v2 = await refusal(
      svix.endpoint.create(appId, { url: "https://example.com/a", eventTypes: ["invoice.payd"] }),
    );
    assert.equal(v2.code, 422);
    assert.deepEqual(v2.body.detail[0].loc, ["body", "eventTypes", "0"]);
    assert.match(v2.body.detail[0].msg, /"invoice\.payd", which does not exist/);
    assert.equal(v2.body.detail[0].type, "event_type_unknown");

    const v1 = await refusal(
      svixV1.endpoint.create(appId, {
        url: "https://example.com/a",
        version: 1,
        filterTypes: ["invoice.paid", "nope"],
      }),
    );
    assert.equal(v1.code, 422);
    assert.deepEqual(v1.body.detail[0].loc, ["body", "filterTypes", "1"]);
  });

  it("accepts existing and archived types, patterns, and [] as no filter (svix-react sends it)", async () => {
    await svix.eventType.delete("invoice.old"); // archives it
    const ep = await svix.endpoint.create(appId, {
      url: "https://example.com/b",
      eventTypes: ["invoice.paid", "invoice.old", "invoice.*", "future.*"],
    });
    assert.deepEqual(ep.eventTypes, ["invoice.paid", "invoice.old", "invoice.*", "future.*"]);
    const open = await svix.endpoint.create(appId, { url: "https://example.com/c", eventTypes: [], channels: [] });
    assert.equal(open.eventTypes ?? null, null);
    assert.equal(open.channels ?? null, null);
    const v1 = await svixV1.endpoint.create(appId, {
      url: "https://example.com/d",
      version: 1,
      filterTypes: [],
      channels: [],
    });
    assert.equal(v1.filterTypes ?? null, null);
  });

  it("checks names an update adds, and keeps those an endpoint already had", async () => {
    await svix.eventType.create({ name: "temp.type", description: "deleted below" });
    const ep = await svix.endpoint.create(appId, { url: "https://example.com/e", eventTypes: ["temp.type"] });
    await svix.eventType.delete("temp.type", { expunge: true });

    // Written back as it was: still accepted, though temp.type is gone.
    const kept = await svix.endpoint.upsert(appId, ep.id, { url: "https://example.com/e2", eventTypes: ["temp.type"] });
    assert.deepEqual(kept.eventTypes, ["temp.type"]);
    const patched = await refusal(svix.endpoint.patch(appId, ep.id, { eventTypes: ["temp.type", "typo.type"] }));
    assert.equal(patched.code, 422);
    assert.deepEqual(patched.body.detail[0].loc, ["body", "eventTypes", "1"]);
    const replaced = await refusal(
      svix.endpoint.upsert(appId, ep.id, { url: "https://example.com/e", eventTypes: ["x"] }),
    );
    assert.equal(replaced.code, 422);
    // A patch that leaves the filter alone is not held up by it.
    assert.equal((await svix.endpoint.patch(appId, ep.id, { description: "renamed" })).description, "renamed");
  });

  it("hides a feature-flagged type from an application token, as the catalog does", async () => {
    const { token } = await svix.authentication.appPortalAccess(appId, {});
    const portal = new Svix(token, { serverUrl: h.url });
    const refused = await refusal(
      portal.endpoint.create(appId, { url: "https://example.com/f", eventTypes: ["beta.thing"] }),
    );
    assert.equal(refused.code, 422);
    const admin = await svix.endpoint.create(appId, { url: "https://example.com/f", eventTypes: ["beta.thing"] });
    assert.deepEqual(admin.eventTypes, ["beta.thing"]);
  });

  it("refuses custom headers under reserved prefixes, in any case, and still lets them be removed", async () => {
    const ep = await svix.endpoint.create(appId, { url: "https://example.com/h" });
    for (const name of [
      "X-Amzn-Trace-Id",
      "x-amz-date",
      "svix-custom",
      "X-Svix-Thing",
      "webhook-extra",
      "x-goog-meta",
      "x-azure-ref",
      "x-fd-healthprobe",
      "x-gfe-request",
    ]) {
      const set = await refusal(svix.endpoint.setHeaders(appId, ep.id, { headers: { [name]: "1" } }));
      assert.equal(set.code, 422, name);
      assert.deepEqual(set.body.detail[0].loc, ["body", "headers", name]);
      assert.match(set.body.detail[0].msg, /prefix reserved/);
      const patch = await refusal(svix.endpoint.patchHeaders(appId, ep.id, { headers: { [name]: "1" } }));
      assert.equal(patch.code, 422, name);
      const create = await h.api("POST", `/api/v1/app/${appId}/endpoint`, {
        url: "https://example.com/h2",
        headers: { [name]: "1" },
      });
      assert.equal(create.status, 422, name);
    }
    // Names that merely start alike are ordinary headers.
    await svix.endpoint.setHeaders(appId, ep.id, { headers: { "x-amazonia": "1", "x-svixy": "2" } });
    assert.deepEqual((await svix.endpoint.getHeaders(appId, ep.id)).headers, { "x-amazonia": "1", "x-svixy": "2" });
    // Removing one (null) is always allowed, so a header stored before the rule can go.
    await svix.endpoint.patchHeaders(appId, ep.id, { headers: { "x-amzn-old": null as unknown as string } });
  });
});
