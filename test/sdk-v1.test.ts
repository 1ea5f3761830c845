import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ApiException,
  BackgroundTaskStatus,
  BackgroundTaskType,
  MessageAttemptTriggerType,
  MessageStatus,
  Ordering,
  Svix,
  Webhook,
  type ApplicationOut,
  type EndpointOut,
  type MessageOut,
} from "svix-v1";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";

/**
 * The official Svix SDK, v1 generation (fields `filterTypes` / `rateLimit`, methods `update` and
 * `updateHeaders`), driving a real Hookline end to end, unchanged but for `serverUrl`. Each step
 * builds on the previous one's records.
 */

/** The status code the SDK threw with; fails the test if the call succeeded or threw something else. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected an ApiException, got ${String(error)}`);
    return error.code;
  }
  assert.fail("expected the call to fail");
}

/** v1's `verify` returns the parsed payload and throws on a bad signature. */
function verifyWith(secret: string, req: ReceivedRequest): unknown {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  return new Webhook(secret).verify(req.body, headers);
}

describe("svix SDK v1 against Hookline", () => {
  let hookline: TestHookline;
  let receiver: Receiver;
  let other: Receiver;
  let svix: Svix;
  let app: ApplicationOut;
  let endpoint: EndpointOut;
  let otherEndpoint: EndpointOut;
  let secret: string;
  let first: MessageOut;

  before(async () => {
    // One quick retry, so a failing delivery reaches its final state within the test.
    hookline = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "0.05" }, { pollIntervalMs: 20 });
    receiver = await Receiver.start();
    other = await Receiver.start();
    svix = new Svix(TEST_TOKEN, { serverUrl: hookline.url });
  });

  after(async () => {
    await hookline?.close();
    await receiver?.close();
    await other?.close();
  });

  test("applications: create, list, get (by id and uid), update, patch, getOrCreate, delete", async () => {
    app = await svix.application.create({ name: "Globex", uid: "globex-v1", rateLimit: 20 });
    assert.match(app.id, /^app_[A-Za-z0-9]{27}$/);
    assert.equal(app.uid, "globex-v1");
    assert.equal(app.rateLimit, 20);
    assert.equal(app.throttleRate, 20);
    assert.deepEqual(app.metadata, {});
    assert.ok(app.updatedAt instanceof Date && !Number.isNaN(app.updatedAt.getTime()));

    const list = await svix.application.list({ limit: 10 });
    assert.deepEqual(
      list.data.map((a) => a.id),
      [app.id],
    );
    assert.equal(list.done, true);

    assert.equal((await svix.application.get("globex-v1")).id, app.id);
    assert.equal((await svix.application.get(app.id)).name, "Globex");

    const updated = await svix.application.update("globex-v1", {
      name: "Globex Corp",
      rateLimit: 30,
      uid: "globex-v1",
    });
    assert.equal(updated.id, app.id);
    assert.equal(updated.name, "Globex Corp");
    assert.equal(updated.rateLimit, 30);

    const patched = await svix.application.patch(app.id, { rateLimit: 40, metadata: { region: "us" } });
    assert.equal(patched.rateLimit, 40);
    assert.equal(patched.name, "Globex Corp");
    assert.deepEqual(patched.metadata, { region: "us" });

    assert.equal((await svix.application.getOrCreate({ name: "other", uid: "globex-v1" })).id, app.id);
    const created = await svix.application.getOrCreate({ name: "Initech", uid: "initech-v1" });
    assert.notEqual(created.id, app.id);
    await svix.application.delete("initech-v1");
    assert.equal(await statusOf(svix.application.get(created.id)), 404);
    assert.equal(await statusOf(svix.application.patch("nope-v1", { name: "x" })), 404);
    assert.equal(await statusOf(svix.application.create({ name: "dup", uid: "globex-v1" })), 409);
  });

  test("event types: create, list, get, update, patch, archive, expunge", async () => {
    const created = await svix.eventType.create({
      name: "order.placed",
      description: "An order was placed",
      schemas: { "1": { type: "object", examples: [{ orderId: "o_example" }] } },
      featureFlag: "orders",
    });
    assert.equal(created.name, "order.placed");
    assert.equal(created.featureFlag, "orders");
    assert.deepEqual(created.featureFlags, ["orders"]);
    await svix.eventType.create({ name: "order.shipped", description: "Shipped" });
    await svix.eventType.create({ name: "order.cancelled", description: "Cancelled" });

    // v1 lists with content unless asked otherwise.
    const listed = await svix.eventType.list({ limit: 2 });
    assert.deepEqual(
      listed.data.map((e) => e.name),
      ["order.cancelled", "order.placed"],
    );
    assert.equal(listed.done, false);
    assert.ok(listed.data[1]!.schemas);
    const rest = await svix.eventType.list({ limit: 2, iterator: listed.iterator });
    assert.deepEqual(
      rest.data.map((e) => e.name),
      ["order.shipped"],
    );
    assert.equal(rest.done, true);

    assert.equal((await svix.eventType.get("order.shipped")).description, "Shipped");
    const updated = await svix.eventType.update("order.shipped", { description: "Shipped out", groupName: "order" });
    assert.equal(updated.description, "Shipped out");
    assert.equal(updated.groupName, "order");
    const patched = await svix.eventType.patch("order.shipped", { archived: false, deprecated: true });
    assert.equal(patched.deprecated, true);
    assert.equal(patched.groupName, "order");

    await svix.eventType.delete("order.cancelled");
    assert.equal((await svix.eventType.get("order.cancelled")).archived, true);
    await svix.eventType.delete("order.cancelled", { expunge: true });
    assert.equal(await statusOf(svix.eventType.get("order.cancelled")), 404);
    assert.equal(await statusOf(svix.eventType.delete("order.cancelled")), 404);
  });

  test("endpoints: create (filterTypes/rateLimit), list, get, update, patch, delete", async () => {
    endpoint = await svix.endpoint.create("globex-v1", {
      url: `${receiver.url}/webhooks`,
      uid: "orders-ep",
      version: 1,
      description: "orders",
      filterTypes: ["order.placed", "order.shipped"],
      rateLimit: 10,
    });
    assert.match(endpoint.id, /^ep_[A-Za-z0-9]{27}$/);
    assert.deepEqual(endpoint.filterTypes, ["order.placed", "order.shipped"]);
    assert.equal(endpoint.rateLimit, 10);
    assert.equal(endpoint.version, 1);
    assert.equal(endpoint.disabled, false);

    otherEndpoint = await svix.endpoint.create(app.id, {
      url: `${other.url}/vip`,
      channels: ["vip"],
      filterTypes: ["order.placed"],
    });

    const list = await svix.endpoint.list(app.id, { order: Ordering.Descending });
    assert.deepEqual(
      list.data.map((e) => e.id),
      [otherEndpoint.id, endpoint.id],
    );
    const firstPage = await svix.endpoint.list(app.id, { limit: 1 });
    assert.equal(firstPage.data[0]!.id, endpoint.id);
    assert.equal(firstPage.done, false);
    const secondPage = await svix.endpoint.list(app.id, { limit: 1, iterator: firstPage.iterator });
    assert.equal(secondPage.data[0]!.id, otherEndpoint.id);
    assert.equal(secondPage.done, true);

    assert.equal((await svix.endpoint.get(app.id, "orders-ep")).id, endpoint.id);

    const updated = await svix.endpoint.update(app.id, "orders-ep", {
      url: `${receiver.url}/webhooks`,
      uid: "orders-ep",
      description: "orders (updated)",
      filterTypes: ["order.placed", "order.shipped"],
      rateLimit: 15,
      version: 2,
    });
    assert.equal(updated.id, endpoint.id);
    assert.equal(updated.rateLimit, 15);
    assert.equal(updated.version, 2);
    assert.equal(updated.description, "orders (updated)");

    const patched = await svix.endpoint.patch(app.id, endpoint.id, { rateLimit: 25, disabled: false });
    assert.equal(patched.rateLimit, 25);
    assert.equal(patched.throttleRate, 25);
    assert.deepEqual(patched.filterTypes, ["order.placed", "order.shipped"]);

    // PUT to an unknown uid creates the endpoint.
    const viaUpdate = await svix.endpoint.update(app.id, "scratch-ep", {
      url: "https://example.invalid/hook",
      disabled: true,
    });
    assert.equal(viaUpdate.uid, "scratch-ep");
    await svix.endpoint.delete(app.id, "scratch-ep");
    assert.equal(await statusOf(svix.endpoint.get(app.id, viaUpdate.id)), 404);
    assert.equal(await statusOf(svix.endpoint.create(app.id, { url: "not a url" })), 422);
  });

  test("endpoint headers: get, update, patch", async () => {
    assert.deepEqual((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers, {});
    await svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { "x-api-key": "k1", "x-env": "prod" } });
    await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { "x-api-key": "k2" } });
    const headers = await svix.endpoint.getHeaders(app.id, endpoint.id);
    assert.deepEqual(headers.headers, { "x-api-key": "k2", "x-env": "prod" });
    assert.equal(
      await statusOf(svix.endpoint.updateHeaders(app.id, endpoint.id, { headers: { "webhook-signature": "forged" } })),
      422,
    );
  });

  test("messages: create with eventId and channels; the delivery verifies with the SDK's Webhook", async () => {
    secret = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
    first = await svix.message.create(app.id, {
      eventType: "order.placed",
      eventId: "order-1001",
      payload: { orderId: "o_1001", total: 99.5, items: [{ sku: "A", qty: 2 }], note: "ünïcødé ✓" },
      channels: ["vip", "retail"],
    });
    assert.match(first.id, /^msg_/);
    assert.equal(first.eventId, "order-1001");
    assert.deepEqual(first.channels, ["vip", "retail"]);

    await receiver.waitFor(1);
    await other.waitFor(1);
    await hookline.dispatcher.idle();
    const expected = { orderId: "o_1001", total: 99.5, items: [{ sku: "A", qty: 2 }], note: "ünïcødé ✓" };
    assert.deepEqual(verifyWith(secret, receiver.requests[0]!), expected);
    assert.equal(receiver.requests[0]!.headers["x-api-key"], "k2");
    assert.equal(receiver.requests[0]!.headers["svix-id"], first.id);
    const otherSecret = (await svix.endpoint.getSecret(app.id, otherEndpoint.id)).key;
    assert.deepEqual(verifyWith(otherSecret, other.requests[0]!), expected);
    assert.throws(() => verifyWith(secret, other.requests[0]!));

    // The SDK sends a fresh idempotency key on each call; an explicit one makes a retry safe.
    const once = await svix.message.create(
      app.id,
      { eventType: "order.shipped", payload: { orderId: "o_1001" } },
      { idempotencyKey: "ship-o_1001" },
    );
    const again = await svix.message.create(
      app.id,
      { eventType: "order.shipped", payload: { orderId: "o_1001" } },
      { idempotencyKey: "ship-o_1001" },
    );
    assert.equal(again.id, once.id);
    await receiver.waitFor(2);
    await hookline.dispatcher.idle();
    assert.equal(receiver.requests.length, 2);
    assert.equal(other.requests.length, 1);

    assert.equal(
      await statusOf(svix.message.create(app.id, { eventType: "order.placed", eventId: "order-1001", payload: {} })),
      409,
    );
  });

  test("messages: get (by id and eventId), list with filters and pagination", async () => {
    const got = await svix.message.get(app.id, first.id);
    assert.equal(got.payload.orderId, "o_1001");
    assert.equal((await svix.message.get(app.id, "order-1001")).id, first.id);
    assert.deepEqual((await svix.message.get(app.id, first.id, { withContent: false })).payload, {});

    for (let i = 0; i < 5; i++) {
      await svix.message.create(app.id, { eventType: "order.placed", payload: { i }, tags: ["batch"] });
    }
    await receiver.waitFor(7);
    await hookline.dispatcher.idle();

    assert.deepEqual(
      (await svix.message.list(app.id, { channel: "retail" })).data.map((m) => m.id),
      [first.id],
    );
    assert.equal((await svix.message.list(app.id, { tag: "batch" })).data.length, 5);
    assert.equal((await svix.message.list(app.id, { eventTypes: ["order.shipped"] })).data.length, 1);
    assert.equal((await svix.message.list(app.id, { before: first.timestamp })).data.length, 0);

    const seen: string[] = [];
    let iterator: string | null | undefined = undefined;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 10, "pagination does not terminate");
      const page = await svix.message.list(app.id, { limit: 2, iterator });
      seen.push(...page.data.map((m) => m.id));
      if (page.done) break;
      iterator = page.iterator;
    }
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
    assert.deepEqual(seen, [...seen].sort().reverse());
  });

  test("attempts: listByMsg, listByEndpoint, get, attempted destinations and messages, resend", async () => {
    const byMsg = await svix.messageAttempt.listByMsg(app.id, first.id);
    assert.deepEqual(byMsg.data.map((a) => a.endpointId).sort(), [endpoint.id, otherEndpoint.id].sort());
    assert.ok(byMsg.data.every((a) => a.status === MessageStatus.Success && a.statusText === "success"));
    const mine = byMsg.data.find((a) => a.endpointId === endpoint.id)!;
    const got = await svix.messageAttempt.get(app.id, first.id, mine.id);
    assert.equal(got.responseStatusCode, 200);
    assert.equal(got.triggerType, MessageAttemptTriggerType.Scheduled);

    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { limit: 3 });
    assert.equal(byEndpoint.data.length, 3);
    assert.equal(byEndpoint.done, false);
    const next = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, {
      limit: 10,
      iterator: byEndpoint.iterator,
    });
    assert.equal(next.data.length, 4);
    assert.equal(next.done, true);
    const shippedOnly = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, {
      eventTypes: ["order.shipped"],
    });
    assert.equal(shippedOnly.data.length, 1);

    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, first.id);
    assert.equal(destinations.data.length, 2);
    const dest = destinations.data.find((d) => d.id === endpoint.id)!;
    assert.deepEqual(dest.filterTypes, ["order.placed", "order.shipped"]);
    assert.equal(dest.status, MessageStatus.Success);
    assert.equal(dest.version, 2);

    const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, { limit: 100 });
    assert.equal(attempted.data.length, 7);
    assert.ok(attempted.data.every((m) => m.status === MessageStatus.Success));

    const count = receiver.requests.length;
    await svix.messageAttempt.resend(app.id, first.id, endpoint.id);
    await receiver.waitFor(count + 1);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(secret, receiver.requests[count]!), (first.payload as unknown) ?? {});
    const afterResend = await svix.messageAttempt.listByMsg(app.id, first.id, { endpointId: endpoint.id });
    assert.equal(afterResend.data[0]!.triggerType, MessageAttemptTriggerType.Manual);
    assert.equal(await statusOf(svix.messageAttempt.resend(app.id, "msg_unknown", endpoint.id)), 404);
  });

  test("send-example, stats, secret rotation", async () => {
    const count = receiver.requests.length;
    await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "order.placed" });
    await receiver.waitFor(count + 1);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(secret, receiver.requests[count]!), { orderId: "o_example" });

    const stats = await svix.endpoint.getStats(app.id, endpoint.id, { since: new Date(Date.now() - 60_000) });
    assert.deepEqual(stats, { success: 8, pending: 0, sending: 0, fail: 0, canceled: 0 });

    await svix.endpoint.rotateSecret(app.id, endpoint.id, { key: null });
    const rotated = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
    assert.notEqual(rotated, secret);
    const before = receiver.requests.length;
    await svix.message.create(app.id, { eventType: "order.placed", payload: { after: "rotate" } });
    await receiver.waitFor(before + 1);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(rotated, receiver.requests[before]!), { after: "rotate" });
    assert.deepEqual(verifyWith(secret, receiver.requests[before]!), { after: "rotate" });
    secret = rotated;
    assert.equal(await statusOf(svix.endpoint.rotateSecret(app.id, endpoint.id, { key: "whsec_tooshort" })), 422);
  });

  test("a failed delivery is recovered", async () => {
    const since = new Date();
    receiver.respond(() => ({ status: 503, body: "maintenance" }));
    const count = receiver.requests.length;
    const failing = await svix.message.create(app.id, { eventType: "order.shipped", payload: { retry: true } });
    await receiver.waitFor(count + 2);
    await hookline.dispatcher.idle();
    const attempts = await svix.messageAttempt.listByMsg(app.id, failing.id, { status: MessageStatus.Fail });
    assert.equal(attempts.data.length, 2);
    assert.equal(attempts.data[0]!.response, "maintenance");
    assert.equal((await svix.endpoint.getStats(app.id, endpoint.id)).fail, 1);

    receiver.respond(() => ({ status: 200, body: "back" }));
    // A background task (docs/api.md, "Background tasks"): running when answered, the resend follows.
    const recovered = await svix.endpoint.recover(app.id, endpoint.id, { since });
    assert.equal(recovered.status, BackgroundTaskStatus.Running);
    assert.equal(recovered.task, BackgroundTaskType.EndpointRecover);
    await receiver.waitFor(count + 3);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(secret, receiver.requests[count + 2]!), { retry: true });
    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, failing.id);
    assert.equal(destinations.data.find((d) => d.id === endpoint.id)!.status, MessageStatus.Success);
  });

  test("deleting the endpoint and the application", async () => {
    await svix.endpoint.delete(app.id, endpoint.id);
    assert.equal(await statusOf(svix.endpoint.getSecret(app.id, endpoint.id)), 404);
    await svix.application.delete(app.id);
    assert.equal(await statusOf(svix.application.get("globex-v1")), 404);
  });
});
