import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { appWithEndpoint, sendMessage } from "./support/setup.ts";

/**
 * Longer than the healthy deliveries may take even on a loaded machine: without per-endpoint lanes
 * they would wait behind hung requests for this long, and the test would see it as a timeout.
 */
const HUNG_TIMEOUT_S = 120;

describe("isolation between endpoints", () => {
  let releaseSlow!: () => void;
  const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));
  let h: TestHookline;
  let slow: Receiver;
  let fast: Receiver;
  before(async () => {
    slow = await Receiver.start();
    fast = await Receiver.start();
    // The slow endpoint hangs, as a dead receiver does, until the test lets it go: every request
    // it takes holds its slot for the whole (long) request timeout.
    slow.respond(() => ({ status: 200, until: slowReleased }));
    h = await startTestHookline({
      HOOKLINE_REQUEST_TIMEOUT: String(HUNG_TIMEOUT_S),
      HOOKLINE_WORKER_CONCURRENCY: "16",
      HOOKLINE_ENDPOINT_CONCURRENCY: "4",
    });
  });
  after(async () => {
    releaseSlow();
    await h.close();
    await slow.close();
    await fast.close();
  });

  it("a hung endpoint does not delay deliveries to a healthy one", async () => {
    const a = await appWithEndpoint(h, `${slow.url}/slow`);
    const b = await appWithEndpoint(h, `${fast.url}/fast`);
    // Far more hung work than the worker has slots (16): without per-endpoint lanes it would
    // fill every slot and the healthy endpoint would wait for the hung requests' timeout.
    const sends: Promise<string>[] = [];
    for (let i = 0; i < 60; i++) sends.push(sendMessage(h, a.appId, { payload: { i } }));
    await Promise.all(sends);
    await slow.waitFor(4, 60_000);
    const healthy: Promise<string>[] = [];
    for (let i = 0; i < 40; i++) healthy.push(sendMessage(h, b.appId, { payload: { i } }));
    await Promise.all(healthy);
    // Half the hung requests' timeout: the healthy deliveries cannot have waited for a slot
    // freed by a timeout, however slow the machine.
    await fast.waitFor(40, (HUNG_TIMEOUT_S * 1000) / 2);
    assert.equal(
      slow.requests.length,
      4,
      `the hung endpoint holds exactly its 4 lanes, and no more, while the healthy one is served`,
    );
  });
});
