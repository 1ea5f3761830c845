import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { sendMessage } from "./support/setup.ts";
import { sleep, waitForValue } from "./support/wait.ts";

/**
 * A bulk task paces itself on its endpoint (src/core/background-tasks/task-step.ts,
 * waitForEndpoint): it re-arms the next batch only once fewer than a batch of the endpoint's
 * deliveries are due. While the receiver holds every answer, a replay of 12 messages in batches of
 * 2 has sent 2 and keeps waiting; released, it goes on to the end. Without the pacing it re-armed
 * all 12 at once, which on a large replay made every claim read past them (docs/benchmarks.md,
 * "Background tasks: live latency during a replay"). And a task leaves a busy event loop to live
 * work: while the loop is kept over 95 % busy, no further batch starts.
 */

const BATCH = 2;
const MESSAGES = 12;

describe("background task pacing", () => {
  let h: TestHookline;
  let receiver: Receiver;
  /** Loop turns of the task runner (once per batch, and once per paced wait). */
  let turns = 0;

  before(async () => {
    receiver = await Receiver.start();
    h = await startTestHookline(
      // Held answers must not time out while the test looks: 120 s is far beyond what it waits.
      { HOOKLINE_TASK_BATCH_SIZE: String(BATCH), HOOKLINE_REQUEST_TIMEOUT: "120" },
      { beforeTaskBatch: async () => void turns++ },
    );
  });
  after(async () => {
    receiver.respond(() => ({ status: 200 }));
    await h.close();
    await receiver.close();
  });

  test("a bulk replay re-arms no more than the endpoint is sending, and finishes once it can send", async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const app = await h.api("POST", "/api/v1/app", { name: "Paced" });
    const ep = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });
    assert.equal(ep.status, 201, ep.text);
    for (let i = 0; i < MESSAGES; i++) await sendMessage(h, app.body.id, { payload: { i } });
    await receiver.waitFor(MESSAGES, 60_000);

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived = 0;
    receiver.respond(() => {
      arrived++;
      return { status: 200, until: gate };
    });
    const res = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint/${ep.body.id}/bulk-replay`, { since });
    assert.equal(res.status, 202, res.text);
    const taskId = res.body.id as string;
    const task = async () => (await h.api("GET", `/api/v1/background-task/${taskId}`)).body;

    // The first batch reaches the receiver, which holds it; then the task looks again and again.
    await waitForValue(async () => arrived > 0, 90_000, "the first replayed delivery to arrive");
    const turnsThen = turns;
    const held = await waitForValue(
      async () => {
        const t = await task();
        return (t.status !== "running" || turns >= turnsThen + 5) && t;
      },
      90_000,
      "the task to wait on its endpoint for five turns",
    );
    assert.equal(held.status, "running", `the task ran to the end while its endpoint held every answer`);
    assert.ok(
      held.data.messagesSent <= 2 * BATCH,
      `re-armed ${held.data.messagesSent} deliveries while the endpoint had sent none (at most ${2 * BATCH})`,
    );

    release();
    receiver.respond(() => ({ status: 200 }));
    const done = await waitForValue(
      async () => {
        const t = await task();
        return t.status !== "running" && t;
      },
      90_000,
      "the task to finish",
    );
    assert.equal(done.status, "finished");
    assert.deepEqual(done.data, { messagesSent: MESSAGES });
    await receiver.waitFor(2 * MESSAGES, 60_000);
  });

  test("a task starts no batch while the event loop is busy, and goes on once it is not", async () => {
    receiver.respond(() => ({ status: 200 }));
    const since = new Date(Date.now() - 60_000).toISOString();
    const app = await h.api("POST", "/api/v1/app", { name: "Busy" });
    const ep = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url });
    assert.equal(ep.status, 201, ep.text);
    for (let i = 0; i < MESSAGES; i++) await sendMessage(h, app.body.id, { payload: { i } });
    const answered = receiver.requests.length;
    await receiver.waitFor(answered, 60_000);

    // Node schedules an interval's next run after its callback returns: 40 ms spinning, then 1 ms
    // free, keeps the loop over 95 % busy (the task runner waits above 80 %).
    const spinner = setInterval(() => {
      const end = performance.now() + 40;
      while (performance.now() < end);
    }, 1);
    try {
      const turnsBefore = turns;
      const res = await h.api("POST", `/api/v1/app/${app.body.id}/endpoint/${ep.body.id}/bulk-replay`, { since });
      assert.equal(res.status, 202, res.text);
      const taskId = res.body.id as string;
      // The first batch runs at once; then the task waits for a quiet loop (at most 30 s).
      await waitForValue(async () => turns > turnsBefore, 90_000, "the first batch");
      // The load is sampled every 250 ms, so a batch may start on a sample taken before the
      // spinning began; after a second every sample is of the busy loop.
      await sleep(1_000);
      const turnsBusy = turns;
      await sleep(2_500);
      const busy = (await h.api("GET", `/api/v1/background-task/${taskId}`)).body;
      assert.equal(turns, turnsBusy, "a batch started while the loop was busy");
      assert.equal(busy.status, "running");
      assert.ok(busy.data.messagesSent < MESSAGES, `sent ${busy.data.messagesSent} of ${MESSAGES} while busy`);
      clearInterval(spinner);
      const done = await waitForValue(
        async () => {
          const t = (await h.api("GET", `/api/v1/background-task/${taskId}`)).body;
          return t.status !== "running" && t;
        },
        90_000,
        "the task to finish once the loop is quiet",
      );
      assert.deepEqual(done.data, { messagesSent: MESSAGES });
    } finally {
      clearInterval(spinner);
    }
  });
});
