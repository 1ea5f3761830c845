import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ApiException, Svix } from "svix";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { sendMessage } from "./support/setup.ts";

/**
 * Svix's usage statistics (docs/api.md, "Usage statistics") through the official SDK against a
 * real server: `statistics.aggregateAppStats` counts the attempts real deliveries made per
 * application, and `statistics.aggregateEventTypes` lists each application's subscriptions; both
 * are background tasks whose result is read with `backgroundTask.get`. Batches of 2 applications
 * make each task run several.
 */

let h: TestHookline;
let svix: Svix;
let receiver: Receiver;
const apps: Record<string, string> = {};

async function waitForTask(id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const task = await svix.backgroundTask.get(id);
    if (task.status !== "running") return task;
    if (Date.now() > deadline) assert.fail(`task ${id} still running`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the endpoint's deliveries have all succeeded: their attempts are then counted. */
async function delivered(appId: string, endpointId: string, count: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const stats = await h.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`);
    assert.equal(stats.status, 200, stats.text);
    if (stats.body.success === count) return;
    if (Date.now() > deadline) assert.fail(`endpoint ${endpointId}: ${stats.text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

before(async () => {
  h = await startTestHookline({ HOOKLINE_TASK_BATCH_SIZE: "2" });
  svix = new Svix(TEST_TOKEN, { serverUrl: h.url });
  receiver = await Receiver.start();
  for (const name of ["order.placed", "order.shipped", "user.created"])
    assert.equal((await h.api("POST", "/api/v1/event-type", { name, description: name })).status, 201);
  for (const uid of ["acme", "beta", "gamma"]) apps[uid] = (await svix.application.create({ name: uid, uid })).id;
  const orders = await svix.endpoint.create(apps.acme!, {
    url: receiver.url,
    eventTypes: ["order.shipped", "order.placed"],
  });
  const everything = await svix.endpoint.create(apps.acme!, { url: receiver.url });
  const users = await svix.endpoint.create(apps.beta!, { url: receiver.url, eventTypes: ["user.created"] });
  for (let i = 0; i < 3; i++) await sendMessage(h, apps.acme!, { eventType: "order.placed", payload: { i } });
  await sendMessage(h, apps.acme!, { eventType: "user.created" });
  await sendMessage(h, apps.beta!, { eventType: "user.created" });
  await delivered(apps.acme!, orders.id, 3);
  await delivered(apps.acme!, everything.id, 4);
  await delivered(apps.beta!, users.id, 1);
});

after(async () => {
  await h?.close();
  await receiver?.close();
});

describe("usage statistics", () => {
  test("aggregateAppStats counts each application's attempts in the range, as a background task", async () => {
    const since = new Date(Date.now() - 3_600_000);
    const until = new Date(Date.now() + 60_000);
    const started = await svix.statistics.aggregateAppStats({ since, until });
    assert.equal(started.task, "application.stats");
    assert.deepEqual(started.unresolvedAppIds, []);
    const task = await waitForTask(started.id);
    assert.equal(task.status, "finished", JSON.stringify(task.data));
    const byApp = Object.fromEntries(
      (task.data.appStats as { appId: string; appUid: string; messageDestinations: number }[]).map((s) => [
        s.appUid,
        s,
      ]),
    );
    assert.deepEqual(Object.keys(byApp).sort(), ["acme", "beta", "gamma"]);
    assert.equal(byApp.acme!.messageDestinations, 7);
    assert.equal(byApp.acme!.appId, apps.acme);
    assert.equal(byApp.beta!.messageDestinations, 1);
    assert.equal(byApp.gamma!.messageDestinations, 0);

    // Listed applications only, by uid or id; the unknown one is reported, not fatal.
    const listed = await svix.statistics.aggregateAppStats({ since, until, appIds: ["beta", apps.gamma!, "nope"] });
    assert.deepEqual(listed.unresolvedAppIds, ["nope"]);
    const listedTask = await waitForTask(listed.id);
    assert.deepEqual(
      (listedTask.data.appStats as { appUid: string; messageDestinations: number }[])
        .map((s) => [s.appUid, s.messageDestinations])
        .sort(),
      [
        ["beta", 1],
        ["gamma", 0],
      ],
    );

    // A range before any attempt counts none.
    const earlier = await svix.statistics.aggregateAppStats({
      since: new Date(Date.now() - 7_200_000),
      until: new Date(Date.now() - 3_600_000),
      appIds: ["acme"],
    });
    const earlierTask = await waitForTask(earlier.id);
    assert.equal((earlierTask.data.appStats as { messageDestinations: number }[])[0]!.messageDestinations, 0);
  });

  test("aggregateEventTypes lists each application's subscriptions and catch-all endpoints", async () => {
    const started = await svix.statistics.aggregateEventTypes();
    assert.equal(started.task, "event-type.aggregate");
    const task = await waitForTask(started.id);
    assert.equal(task.status, "finished", JSON.stringify(task.data));
    const byApp = Object.fromEntries(
      (task.data.event_types as { appId: string }[]).map((entry) => [entry.appId, entry]),
    );
    assert.deepEqual(byApp[apps.acme!], {
      appId: apps.acme,
      explicitlySubscribedEventTypes: ["order.placed", "order.shipped"],
      hasCatchAllEndpoint: true,
    });
    assert.deepEqual(byApp[apps.beta!], {
      appId: apps.beta,
      explicitlySubscribedEventTypes: ["user.created"],
      hasCatchAllEndpoint: false,
    });
    assert.deepEqual(byApp[apps.gamma!], {
      appId: apps.gamma,
      explicitlySubscribedEventTypes: [],
      hasCatchAllEndpoint: false,
    });
    const listed = await h.api("GET", "/api/v1/background-task?task=event-type.aggregate");
    assert.ok(listed.body.data.some((t: { id: string }) => t.id === started.id));
  });

  test("bad input is a 4xx: no application found, a reversed range, an application token", async () => {
    const refused = async (call: () => Promise<unknown>, status: number) => {
      try {
        await call();
      } catch (error) {
        assert.ok(error instanceof ApiException, String(error));
        assert.equal(error.code, status, JSON.stringify(error.body));
        return error.body as { detail: { loc: string[] }[] };
      }
      assert.fail("the call was accepted");
    };
    const now = Date.now();
    const none = await refused(
      () =>
        svix.statistics.aggregateAppStats({ since: new Date(now - 60_000), until: new Date(now), appIds: ["nope"] }),
      422,
    );
    assert.deepEqual(none.detail[0]!.loc, ["body", "appIds"]);
    const reversed = await refused(
      () => svix.statistics.aggregateAppStats({ since: new Date(now), until: new Date(now - 120_000) }),
      422,
    );
    assert.deepEqual(reversed.detail[0]!.loc, ["body", "until"]);
    const token = await h.api("POST", `/api/v1/auth/app-portal-access/${apps.acme}`, {});
    const tenant = new Svix(token.body.token, { serverUrl: h.url });
    await refused(() => tenant.statistics.aggregateEventTypes(), 403);
    await refused(
      () => tenant.statistics.aggregateAppStats({ since: new Date(now - 60_000), until: new Date(now) }),
      403,
    );
  });
});
