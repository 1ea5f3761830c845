import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import type { BackgroundTask } from "../src/core/background-task.ts";
import { newId } from "../src/core/ids.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { sendMessage } from "./support/setup.ts";
import { waitForValue } from "./support/wait.ts";

/**
 * Background tasks survive their process (docs/operations.md, "Background tasks"): a task stopped
 * mid-way resumes from its last checkpoint when the server comes back, a task whose process died
 * is taken over once its lease runs out, and a lease keeps every other process off a task.
 */

const taskOf = async (h: TestHookline, id: string) => (await h.api("GET", `/api/v1/background-task/${id}`)).body;

/** An application with `count` messages and, created after them, an endpoint at `url` that missed them all. */
async function missedMessages(h: TestHookline, url: string, count: number) {
  const app = await h.api("POST", "/api/v1/app", { name: "Restarted" });
  const appId = app.body.id as string;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await sendMessage(h, appId, { payload: { i } }));
  const ep = await h.api("POST", `/api/v1/app/${appId}/endpoint`, { url });
  assert.equal(ep.status, 201, ep.text);
  return { appId, endpointId: ep.body.id as string, ids };
}

describe("background tasks across restarts", () => {
  const receivers: Receiver[] = [];
  after(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  test("a task stopped mid-way resumes from its checkpoint after a restart, and sends nothing twice", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "hookline-task-restart-"));
    const receiver = await Receiver.start();
    receivers.push(receiver);
    // A lease far longer than the test waits: the second server resumes the task only because the
    // first released it as it stopped.
    const env = { HOOKLINE_TASK_BATCH_SIZE: "3", HOOKLINE_LEASE: "600" };
    // The first batch runs; every later one waits until the server stops.
    let batches = 0;
    const first = await startTestHookline(env, {
      dataDir,
      beforeTaskBatch: () => (batches++ === 0 ? Promise.resolve() : new Promise<void>(() => {})),
    });
    let taskId: string;
    let ids: string[];
    try {
      const setup = await missedMessages(first, receiver.url, 10);
      ids = setup.ids;
      const since = new Date(Date.now() - 60_000).toISOString();
      const res = await first.api("POST", `/api/v1/app/${setup.appId}/endpoint/${setup.endpointId}/replay-missing`, {
        since,
      });
      assert.equal(res.status, 202, res.text);
      taskId = res.body.id;
      const held = await waitForValue(
        async () => {
          const task = await taskOf(first, taskId);
          return task.data.messagesSent === 3 ? task : undefined;
        },
        60_000,
        "the first batch's checkpoint",
      );
      assert.equal(held.status, "running");
    } finally {
      await first.close();
    }

    const second = await startTestHookline(env, { dataDir });
    try {
      const done = await waitForValue(
        async () => {
          const task = await taskOf(second, taskId);
          return task.status === "running" ? undefined : task;
        },
        60_000,
        "the resumed task to finish",
      );
      assert.deepEqual([done.status, done.data], ["finished", { messagesSent: 10 }]);
      await receiver.waitFor(10, 60_000);
      await second.dispatcher.idle();
      const got = receiver.requests.map((r) => String(r.headers["webhook-id"]));
      assert.deepEqual(new Set(got), new Set(ids));
      assert.equal(got.length, 10, "each missed message once");
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("a task whose process died is taken over when its lease runs out, from its cursor", async () => {
    const receiver = await Receiver.start();
    receivers.push(receiver);
    const h = await startTestHookline({ HOOKLINE_TASK_BATCH_SIZE: "2" });
    try {
      const { appId, endpointId, ids } = await missedMessages(h, receiver.url, 6);
      const now = h.ctx.clock.now();
      // What a process killed after its first checkpoint leaves: two messages done, its lease running.
      const task: BackgroundTask = {
        id: newId("qtask", now),
        appId,
        kind: "endpoint.replay",
        status: "running",
        params: { endpointId, since: now - 60_000, until: now + 1 },
        cursor: ids[1]!,
        data: { messagesSent: 2 },
        createdAt: now,
        updatedAt: now,
      };
      await h.ctx.store.backgroundTasks.insert(task, "task_a-process-that-died", now + 1_000);
      const done = await waitForValue(
        async () => {
          const t = await taskOf(h, task.id);
          return t.status === "running" ? undefined : t;
        },
        60_000,
        "the taken-over task to finish",
      );
      assert.deepEqual([done.status, done.data], ["finished", { messagesSent: 6 }]);
      await receiver.waitFor(4, 60_000);
      await h.dispatcher.idle();
      // The first two were the dead process's part: the task went on after its cursor.
      assert.deepEqual(new Set(receiver.requests.map((r) => String(r.headers["webhook-id"]))), new Set(ids.slice(2)));
    } finally {
      await h.close();
    }
  });

  test("a lease keeps other processes off a task until it runs out; the loser's writes change nothing", async () => {
    const h = await startTestHookline();
    try {
      const tasks = h.ctx.store.backgroundTasks;
      // Far ahead of the real clock, so this server's own runner never finds the lease expired.
      const t0 = h.ctx.clock.now() + 1e9;
      const task: BackgroundTask = {
        id: newId("qtask", h.ctx.clock.now()),
        appId: null,
        kind: "endpoint.replay",
        status: "running",
        params: {},
        cursor: null,
        data: {},
        createdAt: t0,
        updatedAt: t0,
      };
      await tasks.insert(task, "A", t0 + 1_000);
      assert.deepEqual(await tasks.claim("B", t0, t0 + 1_000, 10), [], "held by A");
      assert.equal(await tasks.checkpoint({ ...task, cursor: "x", data: { n: 1 } }, "A", t0 + 2_000), true);
      assert.deepEqual(await tasks.claim("B", t0 + 1_500, t0 + 3_000, 10), [], "A's checkpoint extended its lease");
      const taken = await tasks.claim("B", t0 + 2_000, t0 + 3_000, 10);
      assert.deepEqual(
        taken.map((t) => [t.id, t.cursor, t.data]),
        [[task.id, "x", { n: 1 }]],
      );
      assert.equal(await tasks.checkpoint({ ...task, cursor: "y" }, "A", t0 + 9_000), false, "A lost it");
      assert.equal(await tasks.finish({ ...task, status: "failed" }, "A"), false);
      assert.equal(await tasks.finish({ ...task, status: "finished", data: { n: 2 } }, "B"), true);
      const stored = await tasks.get(task.id);
      assert.deepEqual([stored?.status, stored?.data], ["finished", { n: 2 }]);
      assert.deepEqual(await tasks.claim("C", t0 + 99_000, t0 + 100_000, 10), [], "a finished task is never claimed");
    } finally {
      await h.close();
    }
  });
});
