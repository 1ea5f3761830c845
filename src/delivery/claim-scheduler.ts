import type { Clock } from "../core/clock.ts";
import { TimerSlot, type Timers } from "./timers.ts";

/**
 * What one claim from the store found: `no-room` (the worker is full, nothing was claimed), `more`
 * (a whole batch: more may be due), `done` (less than a batch: nothing else is due), `blocked`
 * (less than a batch, and what is left belongs to lanes that were full and left out of the claim).
 */
export type ClaimResult = "no-room" | "more" | "done" | "blocked";

export interface ClaimSchedulerOptions {
  /** How often to look for due work when nothing wakes the scheduler sooner. */
  pollIntervalMs: number;
  /** Claims one batch of due work (the worker takes what it claimed before this resolves). */
  claim(): Promise<ClaimResult>;
  /** A claim failed; the next tick tries again. */
  claimFailed(error: unknown): void;
}

/**
 * Early polls (room freed while work waits in the store) at most this often, so a fast-failing
 * endpoint cannot turn them into a claim transaction per completion.
 */
export const EARLY_POLL_MS = 50;
/**
 * After a claim found only work of full lanes, wakes do not claim again for this long: a claim
 * that excludes a full lane scans every due row of it (39 ms at 200,000 rows), and under load
 * every accepted message that overflowed a lane wakes the worker. Lanes draining below their cap
 * still poll after EARLY_POLL_MS, and work for other endpoints waits at most this long.
 */
export const BLOCKED_RECHECK_MS = 250;
/**
 * Scheduled due times the scheduler keeps a timer for (see wakeAt). Beyond it the latest ones are
 * forgotten: the regular poll still claims them, up to one poll interval late.
 */
const MAX_WAKE_TIMES = 10_000;

/** What to do once the running poll ends: nothing more, a wake (gated while blocked), or poll again at once. */
type AfterPoll = "rest" | "wake" | "poll";

interface Polling {
  name: "polling";
  /** Whether the scheduler was started (a poll asked for before start returns to `unstarted`). */
  started: boolean;
  /** When the latest claim that could only have taken work of full lanes began; 0: the latest was not blocked. */
  blockedSince: number;
  then: AfterPoll;
  done: Promise<void>;
}

/**
 * - unstarted: no timers; `pollNow` still claims once.
 * - resting: the regular poll is due in at most a poll interval; a wake polls at once.
 * - blocked: like resting, but the last claim found only work of full lanes: wakes poll at most
 *   every BLOCKED_RECHECK_MS (later ones wait on one timer); room freed in a lane polls early.
 * - polling: claiming batch after batch until one is not full; wakes meanwhile are noted in `then`.
 * - stopped: for good; no claim starts, every timer is cleared.
 */
export type ClaimState =
  { name: "unstarted" } | { name: "resting" } | { name: "blocked"; since: number } | Polling | { name: "stopped" };

/**
 * When the worker claims due work from the store: at every poll interval, at once when woken
 * (work announced, a retry promoted), when a scheduled message falls due, and early when room frees
 * up where work is known to wait (EndpointLanes). The claim itself is the caller's (`claim`).
 * Every timer the worker's claims depend on lives here, cleared together on stop.
 */
export class ClaimScheduler {
  private current: ClaimState = { name: "unstarted" };
  private readonly pollTimer: TimerSlot;
  private readonly recheckTimer: TimerSlot;
  private readonly earlyTimer: TimerSlot;
  private readonly wakeTimer: TimerSlot;
  /** Due times of scheduled work this process created, ascending (see wakeAt). */
  private wakeTimes: number[] = [];
  private wakeTimerAt = Number.POSITIVE_INFINITY;
  private lastEarlyPoll = 0;

  constructor(
    private readonly options: ClaimSchedulerOptions,
    /** Real time, for the gaps between claims and for timers. */
    private readonly timers: Timers,
    /** The time due work is judged by (the store's claims use it): injected, it may differ from real time. */
    private readonly clock: Clock,
  ) {
    this.pollTimer = new TimerSlot(timers);
    this.recheckTimer = new TimerSlot(timers);
    this.earlyTimer = new TimerSlot(timers);
    this.wakeTimer = new TimerSlot(timers);
  }

  get state(): ClaimState["name"] {
    return this.current.name;
  }

  /** Started and not stopped: claims run on their own. */
  get running(): boolean {
    const state = this.current;
    if (state.name === "polling") return state.started;
    return state.name !== "unstarted" && state.name !== "stopped";
  }

  start(): void {
    const state = this.current;
    if (state.name === "polling" && !state.started) {
      state.started = true;
      this.after(state, "wake");
      return;
    }
    if (state.name !== "unstarted") return;
    this.current = { name: "resting" };
    this.wake();
  }

  /** Looks for due work now instead of at the next tick; while blocked, at most every BLOCKED_RECHECK_MS. */
  wake(): void {
    const state = this.current;
    if (state.name === "resting") void this.pollNow();
    else if (state.name === "polling") this.after(state, "wake");
    else if (state.name === "blocked") {
      const wait = state.since + BLOCKED_RECHECK_MS - this.timers.now();
      if (wait <= 0) void this.pollNow();
      else this.recheckTimer.armUnlessArmed(wait, () => this.wake());
    }
  }

  /** Claims due work until none is left or the worker is full. During a poll: another one after it. */
  pollNow(): Promise<void> {
    const state = this.current;
    if (state.name === "polling") {
      this.after(state, "wake");
      return state.done;
    }
    if (state.name === "stopped") return Promise.resolve();
    const polling: Polling = {
      name: "polling",
      started: state.name !== "unstarted",
      blockedSince: state.name === "blocked" ? state.since : 0,
      then: "rest",
      done: Promise.resolve(),
    };
    this.current = polling;
    polling.done = this.claimUntilDone(polling).finally(() => this.pollEnded(polling));
    return polling.done;
  }

  /**
   * Room freed up where work is known to wait in the store: claim it now rather than at the next
   * tick, at most every EARLY_POLL_MS. Asked for while a poll runs, it runs after that one (which
   * may have started before the room freed): dropping it left gaps of up to a poll interval.
   */
  roomFreed(): void {
    if (!this.running) return;
    // What a blocked claim waited for happened: the next claim can take something.
    this.unblock();
    const wait = this.lastEarlyPoll + EARLY_POLL_MS - this.timers.now();
    // Too soon after the last one: poll when it is time, not at the next tick (up to a second away).
    if (wait > 0) this.earlyTimer.armUnlessArmed(wait, () => this.pollEarly());
    else this.pollEarly();
  }

  /**
   * Polls when the clock reaches `at`: work was committed that becomes due then (a scheduled
   * message). The regular poll would find it too, but up to a poll interval late; this keeps a
   * scheduled message within milliseconds of its time in the process that accepted it.
   */
  wakeAt(at: number): void {
    if (!this.running) return;
    const i = this.wakeTimes.findIndex((t) => t >= at);
    if (this.wakeTimes[i] === at) return;
    this.wakeTimes.splice(i === -1 ? this.wakeTimes.length : i, 0, at);
    if (this.wakeTimes.length > MAX_WAKE_TIMES) this.wakeTimes.pop();
    this.armWakeTimer();
  }

  /** No claim starts from now on; resolves once the one running (if any) has ended. */
  async stop(): Promise<void> {
    const state = this.current;
    this.current = { name: "stopped" };
    for (const timer of [this.pollTimer, this.recheckTimer, this.earlyTimer, this.wakeTimer]) timer.clear();
    if (state.name === "polling") await state.done;
  }

  private after(polling: Polling, then: AfterPoll): void {
    if (polling.then !== "poll") polling.then = then;
  }

  private unblock(): void {
    const state = this.current;
    if (state.name === "blocked") this.current = { name: "resting" };
    else if (state.name === "polling") state.blockedSince = 0;
  }

  private pollEarly(): void {
    if (this.current.name === "stopped") return;
    this.lastEarlyPoll = this.timers.now();
    this.unblock();
    const state = this.current;
    if (state.name === "polling") state.then = "poll";
    else void this.pollNow();
  }

  private async claimUntilDone(polling: Polling): Promise<void> {
    try {
      while (this.current === polling) {
        const startedAt = this.timers.now();
        const result = await this.options.claim();
        if (result === "no-room") return;
        polling.blockedSince = result === "blocked" ? startedAt : 0;
        if (result !== "more") return;
      }
    } catch (error) {
      this.options.claimFailed(error);
    }
  }

  private pollEnded(polling: Polling): void {
    if (this.current !== polling) return;
    if (!polling.started) {
      this.current = { name: "unstarted" };
      if (polling.then === "poll") void this.pollNow();
      return;
    }
    this.pollTimer.arm(this.options.pollIntervalMs, () => void this.pollNow());
    this.current = polling.blockedSince ? { name: "blocked", since: polling.blockedSince } : { name: "resting" };
    if (polling.then === "poll") void this.pollNow();
    else if (polling.then === "wake") this.wake();
  }

  private armWakeTimer(): void {
    const next = this.wakeTimes[0];
    if (next === undefined || next >= this.wakeTimerAt || !this.running) return;
    this.wakeTimerAt = next;
    // The timer counts real time, the claim uses the injected clock: a claim too early (a clock
    // moved by hand) finds nothing, and the time is looked at again.
    this.wakeTimer.arm(Math.min(Math.max(0, next - this.clock.now()), 2 ** 31 - 1), () => {
      this.wakeTimerAt = Number.POSITIVE_INFINITY;
      const now = this.clock.now();
      const due = this.wakeTimes.findIndex((t) => t > now);
      this.wakeTimes.splice(0, due === -1 ? this.wakeTimes.length : due);
      this.wake();
      this.armWakeTimer();
    });
  }
}
