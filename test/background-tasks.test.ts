import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { sendMessage } from "./support/setup.ts";
import { waitForValue } from "./support/wait.ts";

/**
 * Background tasks (docs/api.md, "Background tasks"): replay-missing, bulk-replay, recover and
 * expunge-all-contents run in batches against real deliveries to real receivers, are readable at
 * /api/v1/background-task, and announce their end with a `background_task.finished` webhook.
 * Batches of 2 make every task here run several of them.
 */

/** Waits for the task to leave `running`; returns it as GET …/background-task/{id} shows it. */
export async function settled(h: TestHookline, taskId: string) {
  return waitForValue(
    async () => {
      const res = await h.api("GET", `/api/v1/background-task/${taskId}`);
      assert.equal(res.status, 200, res.text);
      return res.body.status === "running" ? undefined : res.body;
    },
    60_000,
    `task ${taskId} to end`,
  );
}

/** The distinct `webhook-id`s a receiver got, and how many requests. */
function received(receiver: Receiver) {
  const ids = receiver.requests.map((r) => String(r.headers["webhook-id"]));
  return { ids: new Set(ids), count: ids.length };
}

describe("background tasks", () => {
  let h: TestHookline;
  let early: Receiver;
  let late: Receiver;
  let ops: Receiver;
  let appId: string;

  before(async () => {
    // One retry, at once: a failing delivery is failed for good after two attempts.
    h = await startTestHookline({ HOOKLINE_TASK_BATCH_SIZE: "2", HOOKLINE_RETRY_SCHEDULE: "0" });
    [early, late, ops] = await Promise.all([Receiver.start(), Receiver.start(), Receiver.start()]);
    for (const name of ["order.placed", "order.shipped", "user.created"]) {
      const res = await h.api("POST", "/api/v1/event-type", { name, description: name });
      assert.equal(res.status, 201, res.text);
    }
    const app = await h.api("POST", "/api/v1/app", { name: "Shop" });
    appId = app.body.id;
    const op = await h.api("POST", "/api/v1/operational-webhook/endpoint", {
      url: ops.url,
      eventTypes: ["background_task.finished"],
    });
    assert.equal(op.status, 201, op.text);
  });
  after(async () => {
    await h.close();
    await Promise.all([early.close(), late.close(), ops.close()]);
  });

  const endpoint = async (url: string, extra: Record<string, unknown> = {}) => {
    const res = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url, ...extra });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };

  test("replay-missing delivers exactly the messages the endpoint never had, and announces the end", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const earlyEp = await endpoint(early.url);
    const before = [];
    for (let i = 0; i < 5; i++) before.push(await sendMessage(h, appId, { eventType: "order.placed", payload: { i } }));
    // Not for the late endpoint: it subscribes to orders only.
    const other = await sendMessage(h, appId, { eventType: "user.created" });
    await early.waitFor(6, 30_000);

    const lateEp = await endpoint(late.url, { filterTypes: ["order.placed", "order.shipped"] });
    const after = await sendMessage(h, appId, { eventType: "order.shipped" });
    await late.waitFor(1, 30_000);

    const res = await h.api("POST", `/api/v1/app/${appId}/endpoint/${lateEp}/replay-missing`, { since });
    assert.equal(res.status, 202, res.text);
    assert.match(res.body.id, /^qtask_[A-Za-z0-9]{27}$/);
    assert.equal(res.body.task, "endpoint.replay");
    assert.equal(res.body.status, "running");
    assert.ok(!Number.isNaN(Date.parse(res.body.updatedAt)));

    const task = await settled(h, res.body.id);
    assert.equal(task.status, "finished");
    assert.deepEqual(task.data, { messagesSent: 5 });
    await late.waitFor(6, 30_000);
    const got = received(late);
    assert.deepEqual(got.ids, new Set([...before, after]));
    assert.equal(got.count, 6, "no message twice");
    assert.ok(!got.ids.has(other));
    // The early endpoint had them all (it takes every type): nothing more went to it.
    await early.waitFor(7, 30_000);
    assert.equal(received(early).count, 7);
    assert.equal(
      (await h.api("GET", `/api/v1/app/${appId}/endpoint/${earlyEp}/stats`)).body.success,
      7,
      "the early endpoint's deliveries are untouched",
    );

    const event = await waitForValue(
      async () =>
        ops.requests.map((r) => JSON.parse(r.body)).find((b) => b.data?.taskId === res.body.id) as
          { type: string; data: Record<string, unknown> } | undefined,
      60_000,
      "the background_task.finished webhook",
    );
    assert.deepEqual(event, {
      type: "background_task.finished",
      data: { taskId: res.body.id, task: "endpoint.replay", status: "finished", data: { messagesSent: 5 } },
    });

    // A second run finds nothing missing.
    const again = await h.api("POST", `/api/v1/app/${appId}/endpoint/${lateEp}/replay-missing`, { since });
    assert.deepEqual((await settled(h, again.body.id)).data, { messagesSent: 0 });
  });

  test("recover resends the failed deliveries only, and they succeed", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const flaky = await Receiver.start();
    try {
      const ep = await endpoint(flaky.url, { filterTypes: ["order.shipped"] });
      // Two messages fail for good (two attempts each), then the endpoint is fixed and a third succeeds.
      flaky.respond(() => ({ status: 500 }));
      const bad = [await sendMessage(h, appId, { eventType: "order.shipped" })];
      bad.push(await sendMessage(h, appId, { eventType: "order.shipped" }));
      await flaky.waitFor(4, 30_000); // two attempts each
      await waitForValue(
        async () => {
          const stats = await h.api("GET", `/api/v1/app/${appId}/endpoint/${ep}/stats`);
          return stats.body.fail === 2;
        },
        60_000,
        "two failed deliveries",
      );
      flaky.respond(() => ({ status: 200 }));
      const good = await sendMessage(h, appId, { eventType: "order.shipped" });
      await flaky.waitFor(5, 30_000);

      const res = await h.api("POST", `/api/v1/app/${appId}/endpoint/${ep}/recover`, { since });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.task, "endpoint.recover");
      const task = await settled(h, res.body.id);
      assert.deepEqual([task.status, task.data], ["finished", { messagesSent: 2 }]);
      await flaky.waitFor(7, 30_000);
      const resent = flaky.requests.slice(5).map((r) => String(r.headers["webhook-id"]));
      assert.deepEqual(new Set(resent), new Set(bad));
      assert.ok(!resent.includes(good));
      await waitForValue(
        async () => {
          const stats = await h.api("GET", `/api/v1/app/${appId}/endpoint/${ep}/stats`);
          return stats.body.success === 3 && stats.body.fail === 0;
        },
        60_000,
        "every delivery to succeed",
      );
    } finally {
      await flaky.close();
    }
  });

  test("bulk-replay resends what its filters pick, succeeded or not", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const target = await Receiver.start();
    try {
      const ep = await endpoint(target.url, { filterTypes: ["order.placed", "order.shipped"] });
      const placed = await sendMessage(h, appId, { eventType: "order.placed", channels: ["eu"], tags: ["vip"] });
      await sendMessage(h, appId, { eventType: "order.placed", channels: ["us"] });
      await sendMessage(h, appId, { eventType: "order.shipped", channels: ["eu"] });
      await target.waitFor(3, 30_000);
      const res = await h.api("POST", `/api/v1/app/${appId}/endpoint/${ep}/bulk-replay`, {
        since,
        eventTypes: ["order.placed"],
        channel: "eu",
        status: 0,
        statusCodeClass: 200,
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.task, "endpoint.bulk-replay");
      assert.deepEqual((await settled(h, res.body.id)).data, { messagesSent: 1 });
      await target.waitFor(4, 30_000);
      assert.equal(String(target.requests[3]!.headers["webhook-id"]), placed);

      const byTag = await h.api("POST", `/api/v1/app/${appId}/endpoint/${ep}/bulk-replay`, { since, tag: "vip" });
      assert.deepEqual((await settled(h, byTag.body.id)).data, { messagesSent: 1 });
      const all = await h.api("POST", `/api/v1/app/${appId}/endpoint/${ep}/bulk-replay`, { since });
      assert.deepEqual((await settled(h, all.body.id)).data, { messagesSent: 3 });
      await target.waitFor(8, 30_000);
    } finally {
      await target.close();
    }
  });

  test("expunge-all-contents removes every payload and keeps the messages and the attempt log", async () => {
    const shop = (await h.api("POST", "/api/v1/app", { name: "Expunged" })).body.id as string;
    const sink = await Receiver.start();
    try {
      await h.api("POST", `/api/v1/app/${shop}/endpoint`, { url: sink.url });
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await sendMessage(h, shop, { payload: { secret: `s${i}` } }));
      await sink.waitFor(5, 30_000);
      // Another application's messages keep theirs.
      const kept = await sendMessage(h, appId, { eventType: "user.created", payload: { keep: true } });

      const res = await h.api("POST", `/api/v1/app/${shop}/msg/expunge-all-contents`);
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.task, "application.purge_content");
      const task = await settled(h, res.body.id);
      assert.deepEqual([task.status, task.data], ["finished", { messagesPurged: 5 }]);

      for (const id of ids) {
        const raw = await h.api("GET", `/api/v1/app/${shop}/msg/${id}/raw`);
        assert.equal(raw.status, 200, raw.text);
        assert.ok(!raw.text.includes("secret"), raw.text);
        const attempts = await h.api("GET", `/api/v1/app/${shop}/attempt/msg/${id}`);
        assert.equal(attempts.body.data.length, 1, "the attempt log stays");
      }
      assert.equal((await h.api("GET", `/api/v1/app/${shop}/msg?limit=250`)).body.data.length, 5);
      const other = await h.api("GET", `/api/v1/app/${appId}/msg/${kept}/raw`);
      assert.match(other.text, /keep/);
    } finally {
      await sink.close();
    }
  });

  test("tasks are listed newest first, filtered by status and type, and paged", async () => {
    const all = await h.api("GET", "/api/v1/background-task?limit=250");
    assert.equal(all.status, 200, all.text);
    const ids = all.body.data.map((t: { id: string }) => t.id);
    assert.ok(ids.length >= 7, all.text);
    assert.deepEqual(ids, [...ids].sort().reverse());
    const replays = await h.api("GET", "/api/v1/background-task?task=endpoint.bulk-replay&status=finished");
    assert.equal(replays.body.data.length, 3);
    assert.ok(replays.body.data.every((t: { task: string }) => t.task === "endpoint.bulk-replay"));
    assert.equal((await h.api("GET", "/api/v1/background-task?status=failed")).body.data.length, 0);

    const first = await h.api("GET", "/api/v1/background-task?limit=2");
    assert.equal(first.body.done, false);
    const second = await h.api("GET", `/api/v1/background-task?limit=2&iterator=${first.body.iterator}`);
    assert.deepEqual(
      [...first.body.data, ...second.body.data].map((t: { id: string }) => t.id),
      ids.slice(0, 4),
    );
    const ascending = await h.api("GET", "/api/v1/background-task?order=ascending&limit=1");
    assert.equal(ascending.body.data[0].id, ids[ids.length - 1]);
  });

  test("bad input is a 4xx", async () => {
    const ep = await endpoint(early.url);
    const base = `/api/v1/app/${appId}/endpoint/${ep}`;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const cases: [string, string, unknown, number, unknown?][] = [
      ["POST", `${base}/replay-missing`, { since: future }, 422, ["body", "since"]],
      ["POST", `${base}/recover`, { since: future }, 422, ["body", "since"]],
      ["POST", `${base}/bulk-replay`, { since, until: since }, 422, ["body", "until"]],
      ["POST", `${base}/replay-missing`, {}, 422, ["body", "since"]],
      ["POST", `${base}/bulk-replay`, { since, status: 7 }, 422, ["body", "status"]],
      ["POST", `${base}/bulk-replay`, { since, statusCodeClass: 201 }, 422, ["body", "statusCodeClass"]],
      ["POST", `${base}/bulk-replay`, { since, eventTypes: ["a b"] }, 422],
      ["POST", `/api/v1/app/${appId}/endpoint/ep_unknown/replay-missing`, { since }, 404],
      ["POST", `/api/v1/app/app_unknown/endpoint/${ep}/bulk-replay`, { since }, 404],
      ["POST", "/api/v1/app/app_unknown/msg/expunge-all-contents", undefined, 404],
      ["GET", "/api/v1/background-task/qtask_2KWPBgLlAfxdpx2AI54pPJ85f4W", undefined, 404],
      ["GET", "/api/v1/background-task/not-a-task", undefined, 422],
      ["GET", "/api/v1/background-task?status=done", undefined, 422],
      ["GET", "/api/v1/background-task?task=endpoint.explode", undefined, 422],
    ];
    for (const [method, path, body, status, loc] of cases) {
      const res = await h.api(method, path, body);
      assert.equal(res.status, status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`);
      if (loc) assert.ok(res.body.detail.some((d: { loc: unknown }) => JSON.stringify(d.loc) === JSON.stringify(loc)));
    }
  });
});
