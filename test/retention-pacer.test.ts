import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchPacer, pauseBetweenBatches } from "../src/retention/retention-pacer.ts";
import type { RetentionPacing } from "../src/retention/retention-strategy.ts";

const pacing: RetentionPacing = { targetBatchMs: 2, share: 0.25, minBatch: 10, maxBatch: 1000, initialBatch: 50 };

describe("retention batch pacing", () => {
  it("pauses after each batch so that the purge uses only its share of the time", () => {
    const pacer = new BatchPacer(pacing);
    for (const ms of [2, 0.5, 40]) {
      const pause = pacer.record(pacer.batchSize, ms);
      assert.ok(Math.abs(ms / (ms + pause) - 0.25) < 1e-9, `a ${ms} ms batch is followed by ${pause} ms of pause`);
    }
    const half = new BatchPacer({ ...pacing, share: 0.5 });
    assert.equal(half.record(50, 3), 3);
  });

  it("sizes batches to take about the target time, changing by at most a factor of two per batch", () => {
    const pacer = new BatchPacer(pacing);
    assert.equal(pacer.batchSize, 50);
    // Rows that cost 10 µs: 200 of them make the 2-ms target, reached by doubling.
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      pacer.record(pacer.batchSize, pacer.batchSize * 0.01);
      sizes.push(pacer.batchSize);
    }
    assert.deepEqual(sizes, [100, 200, 200, 200, 200, 200]);
    // One batch stalled by a checkpoint (30 ms) gets a long pause but leaves the size alone.
    assert.equal(pacer.record(200, 30), 90);
    assert.equal(pacer.batchSize, 200);
    // Rows that lastingly cost four times as much (read from disk): a quarter of the size, by halving.
    const slower: number[] = [];
    for (let i = 0; i < 5; i++) {
      pacer.record(pacer.batchSize, pacer.batchSize * 0.04);
      slower.push(pacer.batchSize);
    }
    assert.deepEqual(slower, [200, 100, 50, 50, 50]);
  });

  it("keeps batches within the bounds", () => {
    const pacer = new BatchPacer(pacing);
    for (let i = 0; i < 20; i++) pacer.record(pacer.batchSize, 0);
    assert.equal(pacer.batchSize, 1000, "free rows: the largest batch");
    for (let i = 0; i < 20; i++) pacer.record(pacer.batchSize, pacer.batchSize * 5);
    assert.equal(pacer.batchSize, 10, "very slow rows: the smallest batch");
    assert.equal(new BatchPacer({ ...pacing, initialBatch: 5 }).batchSize, 10);
  });

  it("starts the next batch after the immediates already queued, where the HTTP client writes requests", async () => {
    const order: string[] = [];
    await new Promise<void>((done) =>
      // In the check phase, as after a group commit: a webhook is sent, and undici queues its
      // write with setImmediate for the next turn, while the purge's pause has just run out.
      setImmediate(() => {
        const paused = pauseBetweenBatches(1).then(() => order.push("next batch"));
        setImmediate(() => order.push("webhook written"));
        const due = performance.now() + 3;
        while (performance.now() < due); // the pause's timer is due at the next turn's timers phase
        void paused.then(() => done());
      }),
    );
    assert.deepEqual(order, ["webhook written", "next batch"]);
  });
});
