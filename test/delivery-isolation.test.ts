import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

describe("isolation between endpoints", () => {
  let h: TestHookline;
  let slow: Receiver;
  let fast: Receiver;
  before(async () => {
    slow = await Receiver.start();
    fast = await Receiver.start();
    // The slow endpoint answers only after the whole request timeout, as a hung receiver would.
    slow.respond(() => ({ status: 200, delayMs: 3000 }));
    h = await startTestHookline({
      HOOKLINE_REQUEST_TIMEOUT: "2",
      HOOKLINE_WORKER_CONCURRENCY: "16",
      HOOKLINE_ENDPOINT_CONCURRENCY: "4",
    });
  });
  after(async () => {
    await h.close();
    await slow.close();
    await fast.close();
  });

  it("a slow endpoint that times out does not delay deliveries to a healthy one", async () => {
    const a = await appWithEndpoint(h, `${slow.url}/slow`);
    const b = await appWithEndpoint(h, `${fast.url}/fast`);
    const started = Date.now();
    // Far more slow work than the worker has slots (16): without per-endpoint lanes it would
    // fill every slot and the healthy endpoint would wait for the 2 s timeouts.
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 60; i++) sends.push(sendMessage(h, a.appId, { payload: { i } }));
    await Promise.all(sends);
    const healthy: Promise<string>[] = [];
    for (let i = 0; i < 40; i++) healthy.push(sendMessage(h, b.appId, { payload: { i } }));
    await Promise.all(healthy);
    await fast.waitFor(40, 5000);
    // Without per-endpoint lanes the healthy deliveries would queue behind slow ones and could not
    // finish before the first slow request times out (2 s after it started). Measured relative to
    // that, not to a wall-clock budget, so a loaded machine does not turn this into a false alarm.
    const healthyDone = Math.max(...fast.requests.map((r) => r.at));
    const firstSlowTimesOut = Math.min(...slow.requests.map((r) => r.at)) + 2000;
    assert.ok(
      healthyDone < firstSlowTimesOut,
      `healthy endpoint got all 40 ${firstSlowTimesOut - healthyDone} ms before the first slow request even timed out`,
    );
    assert.ok(Date.now() - started < 10_000);
    assert.ok(
      slow.requests.length <= 4,
      `slow endpoint never has more than its 4 lanes in flight (${slow.requests.length})`,
    );
  });
});
