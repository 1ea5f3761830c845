import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ApiException, Svix } from "svix";
import { Svix as SvixV1 } from "svix-v1";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

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

/** Integrations through the official SDK's `integration` calls (v2; v1 for `getKey`). */
describe("integrations", () => {
  let h: TestHookline;
  let svix: Svix;

  before(async () => {
    h = await startTestHookline();
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
  });
  after(async () => {
    await h?.close();
    if (h) rmSync(h.dataDir, { recursive: true, force: true });
  });

  it("create, get, list, update, delete", async () => {
    const app = await svix.application.create({ name: "integrations", uid: "integ-app" });
    const created = await svix.integration.create(app.id, { name: "Zapier", featureFlags: ["beta"] });
    assert.match(created.id, /^integ_[A-Za-z0-9]{27}$/);
    assert.equal(created.name, "Zapier");
    assert.deepEqual(created.featureFlags, ["beta"]);
    assert.ok(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()));

    const second = await svix.integration.create("integ-app", { name: "Make" });
    assert.deepEqual(second.featureFlags, []);
    assert.equal((await svix.integration.get(app.id, created.id)).name, "Zapier");

    const page1 = await svix.integration.list(app.id, { limit: 1 });
    assert.deepEqual(
      page1.data.map((i) => i.id),
      [created.id],
    );
    assert.equal(page1.done, false);
    const page2 = await svix.integration.list(app.id, { limit: 1, iterator: page1.iterator });
    assert.deepEqual(
      page2.data.map((i) => i.id),
      [second.id],
    );

    const updated = await svix.integration.update(app.id, created.id, { name: "Zapier (EU)" });
    assert.equal(updated.name, "Zapier (EU)");
    assert.deepEqual(updated.featureFlags, []);
    assert.equal((await svix.integration.get(app.id, created.id)).name, "Zapier (EU)");

    await svix.integration.delete(app.id, second.id);
    assert.equal(await statusOf(svix.integration.get(app.id, second.id)), 404);
    assert.equal(await statusOf(svix.integration.update(app.id, second.id, { name: "x" })), 404);

    // Another application's integration is not found through this one.
    const other = await svix.application.create({ name: "other" });
    assert.equal(await statusOf(svix.integration.get(other.id, created.id)), 404);
    assert.equal(await statusOf(svix.integration.create("app_missing", { name: "x" })), 404);
    const bad = await h.api("POST", `/api/v1/app/${app.id}/integration`, { name: "" });
    assert.equal(bad.status, 422, bad.text);
  });

  it("the key works for its application only, can be read again, and a rotation revokes it at once", async () => {
    const app = await svix.application.create({ name: "keyed" });
    const other = await svix.application.create({ name: "someone else" });
    const integration = await svix.integration.create(app.id, { name: "Partner" });
    const svixV1 = new SvixV1(TEST_TOKEN, { serverUrl: h.url });
    const { key } = await svixV1.integration.getKey(app.id, integration.id);
    assert.ok(key.length > 20);
    assert.equal((await svixV1.integration.getKey(app.id, integration.id)).key, key, "the same key, read again");

    const asPartner = new Svix(key, { serverUrl: h.url });
    assert.equal((await asPartner.application.get(app.id)).id, app.id);
    const endpoint = await asPartner.endpoint.create(app.id, { url: "https://partner.example.com/hook" });
    assert.ok(endpoint.id);
    assert.equal(await statusOf(asPartner.application.get(other.id)), 404, "confined to its application");
    assert.equal(await statusOf(asPartner.integration.create(app.id, { name: "more" })), 403, "cannot mint keys");

    const rotated = await svix.integration.rotateKey(app.id, integration.id);
    assert.notEqual(rotated.key, key);
    assert.equal(await statusOf(asPartner.application.get(app.id)), 401, "the previous key is revoked at once");
    const asRotated = new Svix(rotated.key, { serverUrl: h.url });
    assert.equal((await asRotated.application.get(app.id)).id, app.id);
    assert.equal((await svixV1.integration.getKey(app.id, integration.id)).key, rotated.key);

    await svix.integration.delete(app.id, integration.id);
    assert.equal(await statusOf(asRotated.application.get(app.id)), 401, "deleting the integration revokes its key");
  });

  it("keys survive a restart; deleting the application deletes its integrations", async () => {
    const app = await svix.application.create({ name: "restart" });
    const integration = await svix.integration.create(app.id, { name: "Durable" });
    const { key } = await new SvixV1(TEST_TOKEN, { serverUrl: h.url }).integration.getKey(app.id, integration.id);

    const dataDir = h.dataDir;
    await h.stop();
    h = await startTestHookline({}, { dataDir });
    svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
    const again = await new SvixV1(TEST_TOKEN, { serverUrl: h.url }).integration.getKey(app.id, integration.id);
    assert.equal(again.key, key, "the sealed key reads back the same after a restart");
    assert.equal((await new Svix(key, { serverUrl: h.url }).application.get(app.id)).id, app.id);

    await svix.application.delete(app.id);
    const rows = await h.api("GET", `/api/v1/app/${app.id}/integration`);
    assert.equal(rows.status, 404);
    // The key went with the application (its token row too); a process that saw it a moment ago
    // may still know the token for a few seconds, and then finds no application.
    const status = await statusOf(new Svix(key, { serverUrl: h.url }).application.get(app.id));
    assert.ok(status === 401 || status === 404, `got ${status}`);
  });
});
