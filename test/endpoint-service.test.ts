import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EndpointCaller } from "../src/core/endpoints/endpoint-service.ts";
import { FieldError } from "../src/core/errors.ts";
import { servicesOf } from "../src/main/services.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

/**
 * The endpoint service (src/core/endpoints/endpoint-service.ts) called directly, as the
 * configuration import, listen sessions and operational webhook endpoints call it: a write
 * through it is what routing sees next, with no cache to drop by hand.
 */
describe("endpoint service", () => {
  let h: TestHookline;
  let receiver: Receiver;
  const noCatalog: EndpointCaller = { catalog: null, eventOwner: null };

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline();
  });
  after(async () => {
    await h?.close();
    await receiver?.close();
  });

  const pathsSince = (from: number) => receiver.requests.slice(from).map((r) => r.path);

  it("routes the next message by a change made through it, though the application's endpoints were cached", async () => {
    const endpoints = servicesOf(h.ctx).endpoints;
    const { appId, endpointId } = await appWithEndpoint(h, `${receiver.url}/first`);
    let from = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(from + 1, 60_000);
    assert.deepEqual(pathsSince(from), ["/first"]);
    // Routing has just read the application's endpoints: without the service dropping them,
    // the next message would use that copy for the directory's time to live.
    await endpoints.patch(appId, endpointId, { url: `${receiver.url}/moved` }, noCatalog);
    const added = await endpoints.create(appId, { url: `${receiver.url}/added` }, noCatalog);
    from = receiver.requests.length;
    await sendMessage(h, appId);
    await receiver.waitFor(from + 2, 60_000);
    assert.deepEqual(pathsSince(from).sort(), ["/added", "/moved"]);

    await endpoints.delete(added, null);
    const moved = await endpoints.require(appId, endpointId);
    await endpoints.update(moved, { ...moved, disabled: true }, null);
    assert.deepEqual(
      (await h.ctx.endpoints.forApp(appId)).map((e) => [e.id, e.disabled]),
      [[endpointId, true]],
      "the routing table holds the new state at once",
    );
  });

  it("checks an event-type filter against the catalog of a caller that has one, and not otherwise", async () => {
    const endpoints = servicesOf(h.ctx).endpoints;
    const { appId } = await appWithEndpoint(h, `${receiver.url}/catalog`);
    const withCatalog: EndpointCaller = {
      catalog: { get: (name) => h.ctx.store.eventTypes.get(name), shows: () => true },
      eventOwner: null,
    };
    const input = { url: `${receiver.url}/filtered`, eventTypes: ["no.such.type"] };
    await assert.rejects(endpoints.create(appId, input, withCatalog), (error: unknown) => {
      assert.ok(error instanceof FieldError);
      assert.deepEqual([error.loc, error.type], [["eventTypes", "0"], "event_type_unknown"]);
      return true;
    });
    // An inbound source's destinations filter on the provider's own types, outside the catalog.
    const created = await endpoints.create(appId, input, noCatalog);
    assert.deepEqual(created.eventTypes, ["no.such.type"]);
  });
});
