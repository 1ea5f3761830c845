import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  ApiException,
  BackgroundTaskStatus,
  BackgroundTaskType,
  MessageAttemptTriggerType,
  MessageStatus,
  Ordering,
  StatusCodeClass,
  Svix,
  Webhook,
  type ApplicationOut,
  type EndpointOut,
  type MessageOut,
} from "svix";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver, type ReceivedRequest } from "./support/receiver.ts";

/**
 * The official Svix SDK, v2 generation (fields `eventTypes` / `throttleRate`), driving a real
 * Hookline end to end, unchanged but for `serverUrl`. Each step builds on the previous one's records.
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

/** Verifies a delivered request with the SDK (v2's `verify` throws on a bad signature and returns nothing). */
function verifyWith(secret: string, req: ReceivedRequest): unknown {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
  new Webhook(secret).verify(req.body, headers);
  return JSON.parse(req.body);
}

/** Polls a background task through the SDK until it is no longer running. */
async function taskEnd(svix: Svix, id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await svix.backgroundTask.get(id);
    if (task.status !== BackgroundTaskStatus.Running) return task;
    assert.ok(Date.now() < deadline, `task ${id} still running`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("svix SDK v2 against Hookline", () => {
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

  test("applications: create, list, get (by id and uid), upsert, patch, getOrCreate, delete", async () => {
    app = await svix.application.create({ name: "Acme", uid: "acme-v2", metadata: { plan: "pro" } });
    assert.match(app.id, /^app_[A-Za-z0-9]{27}$/);
    assert.equal(app.name, "Acme");
    assert.equal(app.uid, "acme-v2");
    assert.deepEqual(app.metadata, { plan: "pro" });
    assert.ok(app.createdAt instanceof Date && !Number.isNaN(app.createdAt.getTime()));

    const list = await svix.application.list();
    assert.ok(list.data.some((a) => a.id === app.id));
    assert.equal(list.done, true);

    assert.equal((await svix.application.get(app.id)).uid, "acme-v2");
    assert.equal((await svix.application.get("acme-v2")).id, app.id);

    const upserted = await svix.application.upsert(app.id, { name: "Acme Inc", uid: "acme-v2", throttleRate: 50 });
    assert.equal(upserted.id, app.id);
    assert.equal(upserted.name, "Acme Inc");
    assert.equal(upserted.throttleRate, 50);

    const patched = await svix.application.patch("acme-v2", { metadata: { plan: "enterprise" } });
    assert.equal(patched.name, "Acme Inc");
    assert.equal(patched.throttleRate, 50);
    assert.deepEqual(patched.metadata, { plan: "enterprise" });

    // getOrCreate returns the existing application for a known uid, and creates one otherwise.
    const same = await svix.application.getOrCreate({ name: "ignored", uid: "acme-v2" });
    assert.equal(same.id, app.id);
    assert.equal(same.name, "Acme Inc");
    const created = await svix.application.getOrCreate({ name: "Temp", uid: "temp-v2" });
    assert.notEqual(created.id, app.id);
    assert.equal(created.name, "Temp");

    // PUT to an unknown uid creates the application under that uid.
    const viaPut = await svix.application.upsert("put-created-v2", { name: "Put" });
    assert.equal(viaPut.uid, "put-created-v2");

    await svix.application.delete(created.id);
    await svix.application.delete("put-created-v2");
    assert.equal(await statusOf(svix.application.get(created.id)), 404);
    assert.equal(await statusOf(svix.application.create({ name: "dup", uid: "acme-v2" })), 409);
  });

  test("event types: create, list, get, upsert, patch, archive, expunge", async () => {
    const created = await svix.eventType.create({
      name: "user.created",
      description: "A user signed up",
      schemas: { "1": { type: "object", examples: [{ userId: "u_example", example: true }] } },
      groupName: "user",
    });
    assert.equal(created.name, "user.created");
    assert.equal(created.archived, false);
    assert.equal(created.deprecated, false);
    assert.equal(created.groupName, "user");
    await svix.eventType.create({ name: "invoice.paid", description: "An invoice was paid" });
    await svix.eventType.create({ name: "scratch.type", description: "to delete" });

    const listed = await svix.eventType.list({ withContent: true });
    assert.deepEqual(
      listed.data.map((e) => e.name),
      ["invoice.paid", "scratch.type", "user.created"],
    );
    assert.ok(listed.data.find((e) => e.name === "user.created")?.schemas);
    // The v2 SDK lists without content by default.
    assert.equal((await svix.eventType.list()).data.find((e) => e.name === "user.created")?.schemas, null);

    const got = await svix.eventType.get("user.created");
    assert.equal(got.description, "A user signed up");
    assert.ok(got.schemas);

    const upserted = await svix.eventType.upsert("invoice.paid", { description: "Paid!", featureFlags: ["beta"] });
    assert.equal(upserted.description, "Paid!");
    assert.deepEqual(upserted.featureFlags, ["beta"]);
    const upsertCreated = await svix.eventType.upsert("invoice.void", { description: "Voided" });
    assert.equal(upsertCreated.name, "invoice.void");

    const patched = await svix.eventType.patch("invoice.paid", { deprecated: true });
    assert.equal(patched.deprecated, true);
    assert.equal(patched.description, "Paid!");

    await svix.eventType.delete("scratch.type");
    assert.equal((await svix.eventType.get("scratch.type")).archived, true);
    assert.ok(!(await svix.eventType.list()).data.some((e) => e.name === "scratch.type"));
    assert.ok((await svix.eventType.list({ includeArchived: true })).data.some((e) => e.name === "scratch.type"));
    await svix.eventType.delete("scratch.type", { expunge: true });
    assert.equal(await statusOf(svix.eventType.get("scratch.type")), 404);
    assert.equal(await statusOf(svix.eventType.create({ name: "user.created", description: "again" })), 409);
  });

  test("endpoints: create (eventTypes/throttleRate), list, get, upsert, patch, delete", async () => {
    endpoint = await svix.endpoint.create(app.id, {
      url: `${receiver.url}/hook`,
      uid: "main-ep",
      description: "main",
      eventTypes: ["user.created", "invoice.paid"],
      throttleRate: 100,
      metadata: { team: "billing" },
      headers: { "x-tenant": "acme" },
    });
    assert.match(endpoint.id, /^ep_[A-Za-z0-9]{27}$/);
    assert.equal(endpoint.url, `${receiver.url}/hook`);
    assert.deepEqual(endpoint.eventTypes, ["user.created", "invoice.paid"]);
    assert.equal(endpoint.throttleRate, 100);
    assert.equal(endpoint.disabled, false);
    assert.deepEqual(endpoint.metadata, { team: "billing" });

    // Only messages on channel "eu" reach this one.
    otherEndpoint = await svix.endpoint.create(app.id, { url: `${other.url}/eu`, channels: ["eu"] });
    assert.deepEqual(otherEndpoint.channels, ["eu"]);
    assert.equal(otherEndpoint.eventTypes ?? null, null);

    const list = await svix.endpoint.list(app.id);
    assert.deepEqual(
      list.data.map((e) => e.id),
      [endpoint.id, otherEndpoint.id],
    );
    assert.equal(list.done, true);
    assert.equal((await svix.endpoint.list(app.id, { order: Ordering.Descending })).data[0]?.id, otherEndpoint.id);

    assert.equal((await svix.endpoint.get(app.id, "main-ep")).id, endpoint.id);
    assert.equal((await svix.endpoint.get("acme-v2", endpoint.id)).uid, "main-ep");

    const upserted = await svix.endpoint.upsert(app.id, endpoint.id, {
      url: `${receiver.url}/hook`,
      uid: "main-ep",
      description: "main (updated)",
      eventTypes: ["user.created", "invoice.paid"],
      throttleRate: 200,
      metadata: { team: "billing" },
    });
    assert.equal(upserted.description, "main (updated)");
    assert.equal(upserted.throttleRate, 200);

    const patched = await svix.endpoint.patch(app.id, endpoint.id, { description: "main (patched)" });
    assert.equal(patched.description, "main (patched)");
    assert.deepEqual(patched.eventTypes, ["user.created", "invoice.paid"]);
    assert.equal(patched.throttleRate, 200);

    // Explicit nulls mean "not set" (the secret is generated), as in Svix.
    const scratch = await svix.endpoint.create(app.id, {
      url: "https://example.invalid/x",
      disabled: true,
      secret: null,
      uid: null,
      channels: null,
    });
    assert.match((await svix.endpoint.getSecret(app.id, scratch.id)).key, /^whsec_/);
    await svix.endpoint.delete(app.id, scratch.id);
    assert.equal(await statusOf(svix.endpoint.get(app.id, scratch.id)), 404);
    assert.equal(await statusOf(svix.endpoint.create(app.id, { url: `${receiver.url}/dup`, uid: "main-ep" })), 409);
  });

  test("endpoint headers: get, set, patch", async () => {
    const initial = await svix.endpoint.getHeaders(app.id, endpoint.id);
    assert.deepEqual(initial.headers, { "x-tenant": "acme" });
    assert.ok(Array.isArray(initial.sensitive));

    await svix.endpoint.setHeaders(app.id, endpoint.id, { headers: { "x-tenant": "acme", "x-region": "eu" } });
    assert.deepEqual((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers, {
      "x-tenant": "acme",
      "x-region": "eu",
    });

    await svix.endpoint.patchHeaders(app.id, endpoint.id, { headers: { "x-extra": "1" }, deleteHeaders: ["x-region"] });
    assert.deepEqual((await svix.endpoint.getHeaders(app.id, endpoint.id)).headers, {
      "x-tenant": "acme",
      "x-extra": "1",
    });
  });

  test("messages: create with eventId and channels; the delivery verifies with the SDK's Webhook", async () => {
    secret = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
    assert.match(secret, /^whsec_/);

    first = await svix.message.create(app.id, {
      eventType: "user.created",
      eventId: "evt-1",
      payload: { userId: "u_1", name: "Ada" },
      channels: ["eu"],
      tags: ["signup"],
    });
    assert.match(first.id, /^msg_[A-Za-z0-9]{27}$/);
    assert.equal(first.eventId, "evt-1");
    assert.equal(first.eventType, "user.created");
    assert.deepEqual(first.channels, ["eu"]);
    assert.ok(first.timestamp instanceof Date);

    await receiver.waitFor(1);
    await other.waitFor(1);
    await hookline.dispatcher.idle();
    const delivered = receiver.requests[0]!;
    assert.equal(delivered.path, "/hook");
    assert.deepEqual(verifyWith(secret, delivered), { userId: "u_1", name: "Ada" });
    assert.equal(delivered.headers["webhook-id"], first.id);
    assert.equal(delivered.headers["x-tenant"], "acme");
    assert.equal(delivered.headers["x-extra"], "1");
    const otherSecret = (await svix.endpoint.getSecret(app.id, otherEndpoint.id)).key;
    assert.deepEqual(verifyWith(otherSecret, other.requests[0]!), { userId: "u_1", name: "Ada" });
    // The wrong secret does not verify.
    assert.throws(() => verifyWith(otherSecret, delivered));

    // A message on no channel goes to the main endpoint only; a filtered-out type goes nowhere.
    await svix.message.create(app.id, { eventType: "invoice.paid", payload: { amount: 10 } });
    await svix.message.create(app.id, { eventType: "invoice.void", payload: { amount: 0 } });
    await receiver.waitFor(2);
    await hookline.dispatcher.idle();
    assert.equal(receiver.requests.length, 2);
    assert.equal(other.requests.length, 1);
    assert.deepEqual(verifyWith(secret, receiver.requests[1]!), { amount: 10 });

    assert.equal(
      await statusOf(svix.message.create(app.id, { eventType: "user.created", eventId: "evt-1", payload: {} })),
      409,
    );
  });

  test("messages: get (by id and eventId), list with filters and pagination", async () => {
    const got = await svix.message.get(app.id, first.id, { withContent: true });
    assert.deepEqual(got.payload, { userId: "u_1", name: "Ada" });
    assert.deepEqual(got.tags, ["signup"]);
    assert.equal((await svix.message.get(app.id, "evt-1")).id, first.id);
    // The v2 SDK asks for no content by default.
    assert.deepEqual((await svix.message.get(app.id, first.id)).payload, {});
    assert.equal(await statusOf(svix.message.get(app.id, "msg_doesnotexist")), 404);

    for (let i = 0; i < 7; i++) {
      await svix.message.create(app.id, { eventType: "user.created", payload: { i }, channels: ["bulk"] });
    }
    await receiver.waitFor(9);
    await hookline.dispatcher.idle();

    const byChannel = await svix.message.list(app.id, { channel: "eu" });
    assert.deepEqual(
      byChannel.data.map((m) => m.id),
      [first.id],
    );
    const byTag = await svix.message.list(app.id, { tag: "signup" });
    assert.deepEqual(
      byTag.data.map((m) => m.id),
      [first.id],
    );
    const byTypes = await svix.message.list(app.id, { eventTypes: ["invoice.paid", "invoice.void"] });
    assert.deepEqual(byTypes.data.map((m) => m.eventType).sort(), ["invoice.paid", "invoice.void"]);
    const since = await svix.message.list(app.id, { after: first.timestamp, channel: "bulk" });
    assert.equal(since.data.length, 7);

    // Page through everything, 3 at a time, newest first.
    const seen: string[] = [];
    let iterator: string | null | undefined = undefined;
    let pages = 0;
    for (;;) {
      const page = await svix.message.list(app.id, { limit: 3, iterator, withContent: true });
      seen.push(...page.data.map((m) => m.id));
      pages++;
      if (page.done) break;
      iterator = page.iterator;
      assert.ok(pages < 10, "pagination does not terminate");
    }
    assert.equal(seen.length, 10);
    assert.equal(new Set(seen).size, 10);
    assert.deepEqual(seen, [...seen].sort().reverse());
    assert.equal(seen[seen.length - 1], first.id);
  });

  test("attempts: listByMsg, listByEndpoint, get, attempted destinations and messages, resend", async () => {
    const byMsg = await svix.messageAttempt.listByMsg(app.id, first.id);
    assert.equal(byMsg.data.length, 2);
    for (const a of byMsg.data) {
      assert.equal(a.msgId, first.id);
      assert.equal(a.status, MessageStatus.Success);
      assert.equal(a.responseStatusCode, 200);
      assert.equal(a.triggerType, MessageAttemptTriggerType.Scheduled);
      assert.ok(a.timestamp instanceof Date);
    }
    const onlyMain = await svix.messageAttempt.listByMsg(app.id, first.id, { endpointId: endpoint.id });
    assert.deepEqual(
      onlyMain.data.map((a) => a.endpointId),
      [endpoint.id],
    );
    const attempt = onlyMain.data[0]!;
    assert.match(attempt.id, /^atmpt_/);
    assert.equal(attempt.url, `${receiver.url}/hook`);
    assert.equal(attempt.response, "ok");

    const got = await svix.messageAttempt.get(app.id, first.id, attempt.id);
    assert.equal(got.id, attempt.id);
    assert.equal(got.endpointId, endpoint.id);
    assert.equal(await statusOf(svix.messageAttempt.get(app.id, first.id, "atmpt_nope")), 404);

    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { withMsg: true, limit: 100 });
    assert.equal(byEndpoint.data.length, 9);
    assert.ok(byEndpoint.data.every((a) => a.endpointId === endpoint.id && a.msg?.id === a.msgId));
    const onlySuccess = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, {
      status: MessageStatus.Success,
    });
    assert.equal(onlySuccess.data.length, 9);
    const onlyFail = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, { status: MessageStatus.Fail });
    assert.equal(onlyFail.data.length, 0);
    const by2xx = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, {
      statusCodeClass: StatusCodeClass.Code2xx,
    });
    assert.equal(by2xx.data.length, 9);
    const by5xx = await svix.messageAttempt.listByEndpoint(app.id, endpoint.id, {
      statusCodeClass: StatusCodeClass.Code5xx,
    });
    assert.equal(by5xx.data.length, 0);

    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, first.id);
    assert.deepEqual(destinations.data.map((d) => d.id).sort(), [endpoint.id, otherEndpoint.id].sort());
    for (const d of destinations.data) {
      assert.equal(d.status, MessageStatus.Success);
      assert.equal(d.statusText, "success");
      assert.ok(d.createdAt instanceof Date);
    }

    const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, otherEndpoint.id);
    assert.deepEqual(
      attempted.data.map((m) => m.id),
      [first.id],
    );
    assert.equal(attempted.data[0]!.status, MessageStatus.Success);
    assert.equal(attempted.data[0]!.eventType, "user.created");

    const before = receiver.requests.length;
    await svix.messageAttempt.resend(app.id, first.id, endpoint.id);
    await receiver.waitFor(before + 1);
    await hookline.dispatcher.idle();
    const resent = receiver.requests[before]!;
    assert.equal(resent.headers["webhook-id"], first.id);
    assert.deepEqual(verifyWith(secret, resent), { userId: "u_1", name: "Ada" });
    const afterResend = await svix.messageAttempt.listByMsg(app.id, first.id, { endpointId: endpoint.id });
    assert.equal(afterResend.data.length, 2);
    assert.equal(afterResend.data[0]!.triggerType, MessageAttemptTriggerType.Manual);
  });

  test("send-example, stats, secret rotation", async () => {
    const before = receiver.requests.length;
    const example = await svix.endpoint.sendExample(app.id, endpoint.id, { eventType: "user.created" });
    assert.equal(example.eventType, "user.created");
    await receiver.waitFor(before + 1);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(secret, receiver.requests[before]!), { userId: "u_example", example: true });
    assert.equal(other.requests.length, 1, "send-example goes to the one endpoint only");

    const stats = await svix.endpoint.getStats(app.id, endpoint.id);
    assert.deepEqual(stats, { success: 10, pending: 0, sending: 0, fail: 0, canceled: 0 });
    const future = await svix.endpoint.getStats(app.id, endpoint.id, { since: new Date(Date.now() + 60_000) });
    assert.equal(future.success, 0);

    await svix.endpoint.rotateSecret(app.id, endpoint.id);
    const rotated = (await svix.endpoint.getSecret(app.id, endpoint.id)).key;
    assert.notEqual(rotated, secret);
    const chosen = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    await svix.endpoint.rotateSecret(app.id, endpoint.id, { key: chosen });
    assert.equal((await svix.endpoint.getSecret(app.id, endpoint.id)).key, chosen);

    const count = receiver.requests.length;
    await svix.message.create(app.id, { eventType: "invoice.paid", payload: { after: "rotation" } });
    await receiver.waitFor(count + 1);
    await hookline.dispatcher.idle();
    // During the grace period each of the secrets verifies.
    for (const key of [chosen, rotated, secret]) {
      assert.deepEqual(verifyWith(key, receiver.requests[count]!), { after: "rotation" });
    }
    secret = chosen;
  });

  test("a failed delivery is recovered", async () => {
    const start = new Date();
    receiver.respond(() => ({ status: 500, body: "down" }));
    const count = receiver.requests.length;
    const failing = await svix.message.create(app.id, { eventType: "invoice.paid", payload: { will: "fail" } });
    // The first attempt and the one retry.
    await receiver.waitFor(count + 2);
    await hookline.dispatcher.idle();
    const attempts = await svix.messageAttempt.listByMsg(app.id, failing.id);
    assert.equal(attempts.data.length, 2);
    assert.ok(attempts.data.every((a) => a.status === MessageStatus.Fail && a.responseStatusCode === 500));
    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, failing.id);
    assert.equal(destinations.data[0]!.status, MessageStatus.Fail);
    assert.equal((await svix.endpoint.getStats(app.id, endpoint.id)).fail, 1);
    const failedOnly = await svix.messageAttempt.listAttemptedMessages(app.id, endpoint.id, {
      status: MessageStatus.Fail,
    });
    assert.deepEqual(
      failedOnly.data.map((m) => m.id),
      [failing.id],
    );

    receiver.respond(() => ({ status: 204 }));
    const recovered = await svix.endpoint.recover(app.id, endpoint.id, { since: start });
    assert.equal(recovered.status, BackgroundTaskStatus.Running);
    assert.equal(recovered.task, BackgroundTaskType.EndpointRecover);
    assert.match(recovered.id, /^qtask_/);
    const task = await taskEnd(svix, recovered.id);
    assert.equal(task.status, BackgroundTaskStatus.Finished);
    assert.deepEqual(task.data, { messagesSent: 1 });
    await receiver.waitFor(count + 3);
    await hookline.dispatcher.idle();
    assert.deepEqual(verifyWith(secret, receiver.requests[count + 2]!), { will: "fail" });
    const stats = await svix.endpoint.getStats(app.id, endpoint.id);
    assert.equal(stats.fail, 0);
    assert.equal(stats.success, 12);
  });

  test("replay-missing, expunge-all-contents and the background-task list", async () => {
    const late = await Receiver.start();
    try {
      const since = new Date(Date.now() - 3_600_000);
      const sent = await svix.message.list(app.id, { eventTypes: ["user.created"] });
      assert.ok(sent.data.length > 0);
      const lateEndpoint = await svix.endpoint.create(app.id, { url: late.url, eventTypes: ["user.created"] });
      const replay = await svix.endpoint.replayMissing(app.id, lateEndpoint.id, { since });
      assert.equal(replay.task, BackgroundTaskType.EndpointReplay);
      const replayed = await taskEnd(svix, replay.id);
      assert.equal(replayed.status, BackgroundTaskStatus.Finished);
      assert.deepEqual(replayed.data, { messagesSent: sent.data.length });
      await late.waitFor(sent.data.length, 30_000);
      assert.deepEqual(
        new Set(late.requests.map((r) => String(r.headers["webhook-id"]))),
        new Set(sent.data.map((m) => m.id)),
      );
      await svix.endpoint.delete(app.id, lateEndpoint.id);

      const scratch = await svix.application.create({ name: "Scratch" });
      const msg = await svix.message.create(scratch.id, { eventType: "user.created", payload: { gone: "soon" } });
      const expunge = await svix.message.expungeAllContents(scratch.id);
      assert.equal(expunge.task, BackgroundTaskType.ApplicationPurgeContent);
      assert.deepEqual((await taskEnd(svix, expunge.id)).data, { messagesPurged: 1 });
      assert.deepEqual((await svix.message.get(scratch.id, msg.id)).payload, {});

      const replays = await svix.backgroundTask.list({
        task: BackgroundTaskType.EndpointReplay,
        status: BackgroundTaskStatus.Finished,
        order: Ordering.Descending,
      });
      assert.deepEqual(
        replays.data.map((t) => t.id),
        [replay.id],
      );
      assert.equal(await statusOf(svix.backgroundTask.get("qtask_2KWPBgLlAfxdpx2AI54pPJ85f4W")), 404);
      assert.equal(
        await statusOf(svix.endpoint.replayMissing(app.id, endpoint.id, { since: new Date(Date.now() + 3_600_000) })),
        422,
      );
    } finally {
      await late.close();
    }
  });

  test("a message to an application that does not exist yet creates it", async () => {
    const msg = await svix.message.create("auto-v2", {
      eventType: "user.created",
      payload: { auto: true },
      application: { name: "Auto", uid: "auto-v2" },
    });
    assert.match(msg.id, /^msg_/);
    const created = await svix.application.get("auto-v2");
    assert.equal(created.name, "Auto");
    assert.equal((await svix.message.get("auto-v2", msg.id, { withContent: true })).payload.auto, true);
    assert.equal(await statusOf(svix.message.create("missing-v2", { eventType: "user.created", payload: {} })), 404);
  });

  test("deleting the endpoint and the application", async () => {
    await svix.endpoint.delete(app.id, otherEndpoint.id);
    assert.equal(await statusOf(svix.endpoint.get(app.id, otherEndpoint.id)), 404);
    await svix.application.delete(app.id);
    assert.equal(await statusOf(svix.application.get(app.id)), 404);
    assert.equal(await statusOf(svix.endpoint.list(app.id)), 404);
    assert.equal(await statusOf(svix.message.list(app.id)), 404);
  });
});
