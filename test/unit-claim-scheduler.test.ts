import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  BLOCKED_RECHECK_MS,
  ClaimScheduler,
  EARLY_POLL_MS,
  type ClaimResult,
} from "../src/delivery/claim-scheduler.ts";
import type { Timers } from "../src/delivery/timers.ts";

/**
 * When the worker claims due work (src/delivery/claim-scheduler.ts), without a server or a store:
 * the timers are a fake moved by hand, and each claim is a promise the test settles.
 */

const POLL_INTERVAL_MS = 1000;

/** Timers that fire only when the test moves time on. */
class FakeTimers implements Timers {
  private time = 1_000_000;
  private pending = new Set<{ at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  set(fn: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, fn };
    this.pending.add(timer);
    return timer;
  }

  clear(handle: unknown): void {
    this.pending.delete(handle as { at: number; fn: () => void });
  }

  get armed(): number {
    return this.pending.size;
  }

  /** Moves time on by `ms`, firing the timers due on the way in order (and what each started). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.pending].filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.pending.delete(due);
      this.time = due.at;
      due.fn();
      await settle();
    }
    this.time = end;
  }
}

/** Lets promise callbacks run (a claim's end, the poll's bookkeeping after it). */
const settle = () => new Promise((r) => setImmediate(r));

/** A scheduler whose claims the test answers one by one. */
function scheduler() {
  const timers = new FakeTimers();
  const answers: ((result: ClaimResult | Error) => void)[] = [];
  const failures: unknown[] = [];
  const claims = new ClaimScheduler(
    {
      pollIntervalMs: POLL_INTERVAL_MS,
      claim: () =>
        new Promise<ClaimResult>((resolve, reject) =>
          answers.push((result) => (result instanceof Error ? reject(result) : resolve(result))),
        ),
      claimFailed: (error) => failures.push(error),
    },
    timers,
    { now: () => timers.now() },
  );
  let claimsStarted = 0;
  return {
    claims,
    timers,
    failures,
    /** Claims started so far. */
    claimCount: () => claimsStarted + answers.length,
    /** Answers the claim in progress. */
    async answer(result: ClaimResult | Error) {
      const reply = answers.shift();
      assert.ok(reply, "a claim is in progress");
      claimsStarted++;
      reply(result);
      await settle();
    },
  };
}

describe("claim scheduler", () => {
  it("claims nothing on its own before start; pollNow claims once and arms no timer", async () => {
    const s = scheduler();
    s.claims.wake();
    s.claims.wakeAt(s.timers.now() + 10);
    s.claims.roomFreed();
    assert.equal(s.claimCount(), 0);
    const polled = s.claims.pollNow();
    assert.equal(s.claims.state, "polling");
    await s.answer("done");
    await polled;
    assert.equal(s.claims.state, "unstarted");
    assert.equal(s.timers.armed, 0);
  });

  it("polls on start, batch after batch while claims come back full, then every poll interval", async () => {
    const s = scheduler();
    s.claims.start();
    assert.equal(s.claimCount(), 1);
    await s.answer("more");
    assert.equal(s.claimCount(), 2, "a full batch: claim again at once");
    await s.answer("done");
    assert.equal(s.claims.state, "resting");
    await s.timers.advance(POLL_INTERVAL_MS - 1);
    assert.equal(s.claimCount(), 2);
    await s.timers.advance(1);
    assert.equal(s.claimCount(), 3, "the regular poll");
    await s.answer("no-room");
    assert.equal(s.claims.state, "resting");
  });

  it("polls at once when woken, and once more after a poll that was woken while it ran", async () => {
    const s = scheduler();
    s.claims.start();
    await s.answer("done");
    s.claims.wake();
    assert.equal(s.claimCount(), 2);
    s.claims.wake();
    s.claims.wake();
    assert.equal(s.claimCount(), 2, "woken during a poll: noted, not run alongside");
    await s.answer("done");
    assert.equal(s.claimCount(), 3, "one poll for every wake noted meanwhile");
    await s.answer("done");
    assert.equal(s.claimCount(), 3);
  });

  it("after a claim blocked by full lanes, wakes claim at most every BLOCKED_RECHECK_MS", async () => {
    const s = scheduler();
    s.claims.start();
    const blockedAt = s.timers.now();
    await s.answer("blocked");
    assert.equal(s.claims.state, "blocked");
    await s.timers.advance(100);
    s.claims.wake();
    s.claims.wake();
    assert.equal(s.claimCount(), 1, "too soon after the blocked claim");
    await s.timers.advance(blockedAt + BLOCKED_RECHECK_MS - 1 - s.timers.now());
    assert.equal(s.claimCount(), 1);
    await s.timers.advance(1);
    assert.equal(s.claimCount(), 2, "one claim for both wakes, when the gate opens");
    await s.answer("done");
    assert.equal(s.claims.state, "resting");
    s.claims.wake();
    assert.equal(s.claimCount(), 3, "not blocked any more: at once");
  });

  it("claims early when room frees, at most every EARLY_POLL_MS, and lifts the block", async () => {
    const s = scheduler();
    s.claims.start();
    await s.answer("blocked");
    s.claims.roomFreed();
    assert.equal(s.claimCount(), 2, "room freed: the block is lifted and a claim runs at once");
    await s.answer("done");
    s.claims.roomFreed();
    s.claims.roomFreed();
    assert.equal(s.claimCount(), 2, "within EARLY_POLL_MS of the last early claim");
    await s.timers.advance(EARLY_POLL_MS);
    assert.equal(s.claimCount(), 3, "one early claim for both, when it is time");
    await s.answer("done");
  });

  it("runs a claim asked for early right after the poll in progress, even one that came back blocked", async () => {
    const s = scheduler();
    s.claims.start();
    s.claims.roomFreed();
    assert.equal(s.claimCount(), 1);
    await s.answer("blocked");
    assert.equal(s.claimCount(), 2, "not gated by the block");
    await s.answer("done");
    assert.equal(s.claims.state, "resting");
  });

  it("wakes for scheduled work when the clock reaches its due time, once per time", async () => {
    const s = scheduler();
    s.claims.start();
    await s.answer("done");
    const at = s.timers.now() + 300;
    s.claims.wakeAt(at + 100);
    s.claims.wakeAt(at);
    s.claims.wakeAt(at);
    await s.timers.advance(299);
    assert.equal(s.claimCount(), 1);
    await s.timers.advance(1);
    assert.equal(s.claimCount(), 2, "due");
    await s.answer("done");
    await s.timers.advance(100);
    assert.equal(s.claimCount(), 3, "the later due time");
    await s.answer("done");
  });

  it("reports a failed claim and tries again at the next tick", async () => {
    const s = scheduler();
    s.claims.start();
    await s.answer(new Error("store unavailable"));
    assert.equal(s.failures.length, 1);
    assert.equal(s.claims.state, "resting");
    await s.timers.advance(POLL_INTERVAL_MS);
    assert.equal(s.claimCount(), 2);
    await s.answer("done");
  });

  it("stops for good: waits for the claim in progress, clears every timer, claims no more", async () => {
    const s = scheduler();
    s.claims.start();
    await s.answer("done");
    s.claims.wakeAt(s.timers.now() + 10);
    s.claims.wake();
    assert.equal(s.claimCount(), 2);
    s.claims.wake();
    let stopped = false;
    const stopping = s.claims.stop().then(() => (stopped = true));
    await settle();
    assert.equal(stopped, false, "the claim in progress is awaited");
    assert.equal(s.claims.running, false);
    await s.answer("more");
    await stopping;
    assert.equal(s.claims.state, "stopped");
    assert.equal(s.timers.armed, 0);
    s.claims.wake();
    s.claims.roomFreed();
    s.claims.wakeAt(s.timers.now() + 5);
    await s.claims.pollNow();
    await s.timers.advance(10 * POLL_INTERVAL_MS);
    assert.equal(s.claimCount(), 2, "neither a full batch nor a noted wake claims after stop");
  });
});
