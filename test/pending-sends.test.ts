import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PendingSends } from "../src/delivery/pending-sends.ts";

describe("deliveries waiting to be sent", () => {
  it("is idle at once when nothing waits, but only after the immediates already queued", async () => {
    const pending = new PendingSends();
    const order: string[] = [];
    setImmediate(() => order.push("queued write"));
    await pending.whenIdle(1000).then((found) => order.push(`idle ${found}`));
    assert.deepEqual(order, ["queued write", "idle true"]);
  });

  it("waits until the last waiting delivery is sent", async () => {
    const pending = new PendingSends();
    pending.add("a");
    pending.add("b");
    pending.add("b");
    let idle = false;
    const waiting = pending.whenIdle(60_000).then((found) => (idle = found));
    pending.done("a");
    pending.done("unknown");
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(idle, false, "b still waits");
    assert.equal(pending.size, 1);
    pending.done("b");
    assert.equal(await waiting, true);
    assert.equal(pending.size, 0);
  });

  it("gives up after the longest wait when deliveries keep coming, so background work still progresses", async () => {
    const pending = new PendingSends();
    pending.add("busy");
    const started = performance.now();
    assert.equal(await pending.whenIdle(20), false);
    assert.ok(performance.now() - started >= 19, "it did wait");
    pending.done("busy");
    assert.equal(await pending.whenIdle(20), true);
  });
});
