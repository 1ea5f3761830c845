import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TriggerType } from "../src/core/entities.ts";
import type { DeliveryJob } from "../src/delivery/delivery-job.ts";
import { EndpointLanes, type LaneLimits } from "../src/delivery/endpoint-lanes.ts";

/**
 * The worker's per-endpoint lanes without a server (src/delivery/endpoint-lanes.ts): which
 * delivery starts when, what is admitted, and when room for work left in the store is reported.
 * Attempts are promises the test settles by hand.
 */

let next = 0;
function job(endpointId: string, id = `msg_${++next}`): DeliveryJob {
  return { id, appId: "app_1", msgId: id, endpointId, attemptCount: 0, trigger: TriggerType.Scheduled };
}

/** Lanes whose attempts run until the test finishes them. */
function lanesWith(limits: LaneLimits) {
  const running = new Map<string, () => void>();
  const started: string[] = [];
  const taken: string[] = [];
  let roomReports = 0;
  const lanes = new EndpointLanes(limits, {
    run: (j) =>
      new Promise<void>((resolve) => {
        started.push(j.id);
        running.set(j.id, resolve);
      }),
    taken: (j) => taken.push(j.id),
    roomForBacklog: () => roomReports++,
  });
  return {
    lanes,
    started,
    taken,
    roomReports: () => roomReports,
    running: () => [...running.keys()],
    /** Ends the attempt and lets the lanes' bookkeeping run. */
    async finish(id: string) {
      const resolve = running.get(id);
      assert.ok(resolve, `${id} is in flight`);
      running.delete(id);
      resolve();
      await new Promise((r) => setImmediate(r));
    },
  };
}

describe("endpoint lanes", () => {
  it("sends at most endpointConcurrency to one endpoint, in the order taken", async () => {
    const t = lanesWith({ workerConcurrency: 8, endpointConcurrency: 2 });
    const jobs = [job("ep_a"), job("ep_a"), job("ep_a")] as const;
    for (const j of jobs) t.lanes.take(j);
    assert.deepEqual(t.started, [jobs[0].id, jobs[1].id]);
    assert.equal(t.lanes.inflightCount, 2);
    assert.equal(t.lanes.heldCount, 3);
    await t.finish(jobs[1].id);
    assert.deepEqual(
      t.started,
      jobs.map((j) => j.id),
    );
    assert.equal(t.lanes.heldCount, 2);
  });

  it("keeps the last quarter of the worker's request slots for endpoints with nothing in flight", () => {
    const t = lanesWith({ workerConcurrency: 4, endpointConcurrency: 2 });
    const [a1, a2, b1, b2, c1] = [job("ep_a"), job("ep_a"), job("ep_b"), job("ep_b"), job("ep_c")];
    for (const j of [a1, a2, b1, b2]) t.lanes.take(j);
    // 3 of 4 slots taken: b's second request would be a busy lane's fourth, which is the reserve.
    assert.deepEqual(t.started, [a1.id, a2.id, b1.id]);
    t.lanes.take(c1);
    assert.deepEqual(t.started, [a1.id, a2.id, b1.id, c1.id]);
    assert.equal(t.lanes.inflightCount, 4);
  });

  it("admits up to a lane's cap while the worker is half full, and refuses once the worker is full", () => {
    // maxHeld 8, laneCap 4, busy lanes take more only while fewer than 6 are held.
    const t = lanesWith({ workerConcurrency: 2, endpointConcurrency: 1 });
    for (let i = 0; i < 4; i++) {
      assert.equal(t.lanes.admits("ep_a"), true);
      t.lanes.take(job("ep_a"));
    }
    assert.equal(t.lanes.admits("ep_a"), false, "at its cap with the worker half full");
    assert.deepEqual(t.lanes.fullLanes(), ["ep_a"]);
    assert.equal(t.lanes.admits("ep_b"), true);
    for (let i = 0; i < 2; i++) t.lanes.take(job("ep_b"));
    assert.equal(t.lanes.admits("ep_b"), false, "half its cap while only the reserve is left");
    assert.equal(t.lanes.admits("ep_c"), true, "an endpoint holding nothing may use the reserve");
    for (let i = 0; i < 2; i++) t.lanes.take(job("ep_c"));
    assert.equal(t.lanes.room, 0);
    assert.equal(t.lanes.admits("ep_d"), false, "the worker is full");
  });

  it("leaves a lane at its cap out of claims even while the worker has room", () => {
    const t = lanesWith({ workerConcurrency: 10, endpointConcurrency: 1 });
    for (let i = 0; i < 4; i++) t.lanes.take(job("ep_a"));
    assert.equal(t.lanes.admits("ep_a"), true, "admitted: the worker is far from half full");
    assert.deepEqual(t.lanes.fullLanes(), ["ep_a"]);
  });

  it("reports room for work left in the store when a lane that refused drops below its cap", async () => {
    const t = lanesWith({ workerConcurrency: 2, endpointConcurrency: 1 });
    const a = [job("ep_a"), job("ep_a"), job("ep_a"), job("ep_a")] as const;
    for (const j of a) t.lanes.take(j);
    assert.equal(t.lanes.admits("ep_a"), false);
    await t.finish(a[0].id);
    assert.equal(t.roomReports(), 1);
    await t.finish(a[1].id);
    assert.equal(t.roomReports(), 1, "reported once: the lane is no longer waiting");
    t.lanes.noteBacklog(["ep_a"]);
    await t.finish(a[2].id);
    assert.equal(t.roomReports(), 2, "a claim that left the lane's work behind waits for it again");
  });

  it("reports room once the worker that was full is less than half full, unless a claim has run since", async () => {
    const t = lanesWith({ workerConcurrency: 1, endpointConcurrency: 1 });
    const jobs = [job("ep_a"), job("ep_b"), job("ep_c"), job("ep_d")] as const;
    for (const j of jobs) t.lanes.take(j);
    assert.equal(t.lanes.admits("ep_e"), false, "4 held: full");
    await t.finish(jobs[0].id);
    assert.equal(t.roomReports(), 0, "3 held: not less than half full yet");
    await t.finish(jobs[1].id);
    assert.equal(t.roomReports(), 0, "2 held: half full");
    await t.finish(jobs[2].id);
    assert.equal(t.roomReports(), 1);
    t.lanes.noteBacklog();
    t.lanes.claiming();
    await t.finish(jobs[3].id);
    assert.equal(t.roomReports(), 1, "the claim took what it could");
  });

  it("takes a delivery claimed again while its attempt finishes once that attempt has ended", async () => {
    const t = lanesWith({ workerConcurrency: 4, endpointConcurrency: 1 });
    const first = job("ep_a", "msg_again");
    t.lanes.take(first);
    t.lanes.take({ ...first, attemptCount: 1 });
    assert.deepEqual(t.started, ["msg_again"]);
    await t.finish("msg_again");
    assert.deepEqual(t.started, ["msg_again", "msg_again"]);
    assert.deepEqual(t.taken, ["msg_again", "msg_again"]);
    assert.equal(t.lanes.heldJobs()[0]?.attemptCount, 1);
  });

  it("takes a delivery it already holds only once", () => {
    const t = lanesWith({ workerConcurrency: 1, endpointConcurrency: 1 });
    const [a, b] = [job("ep_a"), job("ep_b")];
    t.lanes.take(a);
    t.lanes.take(b);
    t.lanes.take(b);
    assert.deepEqual(t.taken, [a.id, b.id]);
    assert.equal(t.lanes.heldCount, 2);
  });

  it("is idle once the last delivery is done; dropping the queues keeps only what is in flight", async () => {
    const t = lanesWith({ workerConcurrency: 1, endpointConcurrency: 1 });
    const [a, b, c] = [job("ep_a"), job("ep_a"), job("ep_b")];
    for (const j of [a, b, c]) t.lanes.take(j);
    let idle = false;
    const idling = t.lanes.whenIdle().then(() => (idle = true));
    assert.deepEqual(
      t.lanes.dropQueued().map((j) => j.id),
      [b.id, c.id],
    );
    assert.deepEqual(
      t.lanes.heldJobs().map((j) => j.id),
      [a.id],
    );
    await t.finish(a.id);
    await idling;
    assert.equal(idle, true);
    assert.deepEqual(t.started, [a.id], "nothing dropped was started");
    await t.lanes.whenIdle();
  });
});
