/**
 * A message for an application that another process deleted moments ago. Accepting a message looks
 * its application up in a cache that may be two seconds behind other processes
 * (src/core/applications/application-lookup-cache.ts): the insert then finds no application and
 * the sender must get the 404 it would have got a moment later, not a 500, with nothing stored.
 * "Another process" is the store written directly, which this process's caches do not see.
 *
 * On PostgreSQL the partitioned message table has no foreign key to the application (deletion
 * removes an application's history itself), so there the late message is accepted and stays
 * invisible: no route shows it, no endpoint of the application is left to send it to, and its
 * history partition takes it at retention (docs/operations.md, "Caches and other processes").
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestHookline, TEST_STORE, type TestHookline } from "./support/hookline.ts";

describe("a message for an application deleted by another process", () => {
  let hookline: TestHookline;
  before(async () => {
    hookline = await startTestHookline();
  });
  after(() => hookline.close());

  it("is answered 404 application not found while this process still has it cached", async () => {
    const app = await hookline.api("POST", "/api/v1/app", { name: "deleted elsewhere" });
    assert.equal(app.status, 201);
    const first = await hookline.api("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "user.created",
      payload: { n: 1 },
    });
    assert.equal(first.status, 202, first.text);

    await hookline.ctx.store.applications.delete(app.body.id);
    const second = await hookline.api("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "user.created",
      payload: { n: 2 },
    });
    if (TEST_STORE === "sqlite") {
      assert.equal(second.status, 404, second.text);
      assert.equal(second.body.code, "not_found");
      assert.match(second.body.detail, /application/);
    } else {
      assert.equal(second.status, 202, second.text);
      assert.equal((await hookline.api("GET", `/api/v1/app/${app.body.id}/msg/${second.body.id}`)).status, 404);
    }
    assert.equal(
      await hookline.ctx.store.messages.get(app.body.id, first.body.id),
      undefined,
      "the cascade took the first",
    );
  });

  it("is answered from the cache only within its two seconds: a deletion through this process is seen at once", async () => {
    const app = await hookline.api("POST", "/api/v1/app", { name: "deleted here" });
    await hookline.api("POST", `/api/v1/app/${app.body.id}/msg`, { eventType: "user.created", payload: {} });
    assert.equal((await hookline.api("DELETE", `/api/v1/app/${app.body.id}`)).status, 204);
    const after = await hookline.api("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "user.created",
      payload: {},
    });
    assert.equal(after.status, 404, after.text);
  });
});
