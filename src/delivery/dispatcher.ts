import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { EndpointDirectory } from "../core/endpoint-directory.ts";
import type { Message, TriggerType } from "../core/entities.ts";
import type { WorkHandOff } from "../core/work-hand-off.ts";
import type { DeliveryObserver } from "../observability/delivery-observer.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { LeaseRef, Store } from "../store/store.ts";
import { AttemptExecutor } from "./attempt-executor.ts";
import type { HttpSender } from "./http-sender.ts";
import { PendingSends } from "./pending-sends.ts";

export interface DeliveryJob {
  id: string;
  appId: string;
  msgId: string;
  endpointId: string;
  attemptCount: number;
  trigger: TriggerType;
  /** Present when the API hands a just-committed message over in memory, saving a read. */
  message?: Message;
  /** When the delivery fell due (ms), for the worker-lag metric; absent when not known. */
  dueAt?: number;
}

export interface DispatcherOptions {
  leaseMs: number;
  workerConcurrency: number;
  endpointConcurrency: number;
  retryScheduleSeconds: number[];
  endpointDisableAfterMs: number;
  webhookOrigin: string;
  /** How often to look for due retries and expired leases when nothing wakes us sooner. */
  pollIntervalMs?: number;
  /** Told about every recorded attempt (metrics, the attempt log). */
  observer?: DeliveryObserver;
  /** Records a span per attempt (observability/tracing.ts); absent: none. */
  tracing?: Tracing;
}

interface Lane {
  queue: DeliveryJob[];
  inflight: number;
}

/** A claim batch of 500 keeps one claim transaction short (a few ms) while draining a backlog quickly. */
const CLAIM_BATCH = 500;
/**
 * Early polls (room freed while work waits in the store) at most this often, so a fast-failing
 * endpoint cannot turn them into a claim transaction per completion.
 */
const EARLY_POLL_MS = 50;
/**
 * After a claim found only work of full lanes, wakes do not claim again for this long: a claim
 * that excludes a full lane scans every due row of it (39 ms at 200,000 rows), and under load
 * every accepted message that overflowed a lane wakes the worker. Lanes draining below their cap
 * still poll after EARLY_POLL_MS, and work for other endpoints waits at most this long.
 */
const BLOCKED_RECHECK_MS = 250;

/**
 * The share of the worker's request slots and memory that endpoints already busy cannot take: the
 * last quarter is kept for endpoints with nothing in flight (request slots) or few deliveries
 * held (memory). Without it, WORKER/ENDPOINT_CONCURRENCY endpoints that hang (8 with the defaults)
 * filled every slot and all the memory, and a healthy endpoint's webhooks waited for a hanging
 * request to time out: 0 of 50 arrived within 3 s in the reliability scenario, the last after 8 s.
 */
const RESERVED_SHARE = 0.25;

/**
 * Scheduled due times this worker keeps a timer for (see wakeAt). Beyond it the latest ones are
 * forgotten: the regular poll still claims them, up to one poll interval late.
 */
const MAX_WAKE_TIMES = 10_000;

/**
 * The worker. Holds the deliveries this process has leased, one lane per endpoint, and sends them
 * with bounded concurrency: at most `workerConcurrency` requests in flight overall and at most
 * `endpointConcurrency` to any one endpoint, so an endpoint that takes the full timeout to answer
 * occupies only its own lane while every other endpoint keeps flowing.
 *
 * Work arrives two ways: handed over in memory by the API right after the commit (the common,
 * fast path), or claimed from the store by the poll loop (retries that became due, work whose
 * owner died and whose lease expired, work the API created while this worker was full).
 */
export class Dispatcher implements WorkHandOff {
  readonly owner = `wrk_${randomUUID()}`;
  /** Told when an attempt disabled an endpoint, so routing caches can drop it. */
  onEndpointDisabled: (appId: string) => void = () => {};
  /** Deliveries taken on whose request is not on the wire yet (background work waits for them). */
  readonly pendingSends = new PendingSends();
  private readonly lanes = new Map<string, Lane>();
  private readonly held = new Map<string, DeliveryJob>();
  private inflight = 0;
  private readonly inflightIds = new Set<string>();
  /**
   * Deliveries claimed again while their previous attempt was still finishing: its outcome was
   * committed (a retry due very soon) and a poll in the same group commit claimed the retry before
   * the attempt's own bookkeeping ended. Taken up once it has; dropped, the retry would wait for
   * its lease to expire.
   */
  private readonly reclaimed = new Map<string, DeliveryJob>();
  private stopping = false;
  private started = false;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  /** An early poll was asked for during a poll: run it right after, ungated (see pollEarly). */
  private pollAgainNow = false;
  /** Set when due work was left in the store because this worker was full; cleared by the next claim. */
  private storeHasMore = false;
  /** Full lanes whose endpoint has due work left in the store: when one drops below its cap, claim. */
  private readonly waitingLanes = new Set<string>();
  private lastEarlyPoll = 0;
  /** When the last claim that could only have taken work of full lanes ran (0: the last one was not blocked). */
  private blockedSince = 0;
  private recheckTimer: NodeJS.Timeout | null = null;
  private earlyTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  /** Due times of scheduled work this process created, ascending (see wakeAt). */
  private wakeTimes: number[] = [];
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeTimerAt = Number.POSITIVE_INFINITY;
  private idleWaiters: (() => void)[] = [];
  /** Upper bound on deliveries held in memory: keeps memory flat however large the backlog in the store. */
  private readonly maxHeld: number;
  private readonly laneCap: number;
  /**
   * Backed-up lanes (holding half their cap or more: a queue at least as long as their in-flight
   * limit) take more work only while fewer than this are held. At endpointConcurrency instead of
   * half the cap, a fan-out to 50 endpoints (~40 held each) sent more deliveries the store's way
   * (claim and message read) instead of handing them over, a measurable loss of fan-out
   * throughput; at half the cap the reserve costs nothing measurable (docs/benchmarks.md,
   * "Figures behind design choices"; the runs: docs/history/benchmarks-log.md).
   */
  private readonly busyMaxHeld: number;
  /** Lanes with a request in flight start another only while fewer than this are in flight overall. */
  private readonly busyMaxInflight: number;
  private readonly pollIntervalMs: number;
  private readonly executor: AttemptExecutor;

  constructor(
    private readonly store: Store,
    private readonly sender: HttpSender,
    private readonly clock: Clock,
    private readonly options: DispatcherOptions,
    private readonly log: Logger,
    /** The process's endpoint cache, shared with the API so that its changes invalidate it at once. */
    endpoints: EndpointDirectory = new EndpointDirectory(store),
  ) {
    this.maxHeld = options.workerConcurrency * 4;
    this.laneCap = options.endpointConcurrency * 4;
    this.busyMaxHeld = Math.max(1, Math.floor(this.maxHeld * (1 - RESERVED_SHARE)));
    this.busyMaxInflight = Math.max(1, Math.floor(options.workerConcurrency * (1 - RESERVED_SHARE)));
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.executor = new AttemptExecutor(store, sender, clock, options, log, this.owner, endpoints);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), this.options.leaseMs / 3);
    this.renewTimer.unref();
    this.wake();
  }

  /**
   * Whether a new delivery to this endpoint may be leased to this worker straight away. A lane
   * holds up to `laneCap`, or more while this worker is less than half full: the other half stays
   * free for other endpoints (isolation), and a busy endpoint's deliveries are handed over in
   * memory instead of taking the store round trip (a claim and a message read each). A busy lane
   * leaves the last quarter of the worker's memory to lanes holding little (RESERVED_SHARE).
   */
  canAccept(endpointId: string): boolean {
    if (!this.started || this.stopping) return false;
    const lane = this.lanes.get(endpointId);
    const size = lane ? lane.queue.length + lane.inflight : 0;
    if (this.held.size >= this.maxHeld) {
      this.storeHasMore = true;
      return false;
    }
    if (this.laneIsFull(size)) {
      this.waitingLanes.add(endpointId);
      return false;
    }
    return true;
  }

  /**
   * Whether a lane holding `size` deliveries takes no more for now: past its cap once the worker
   * is half full, or busy while only the reserve is left (see RESERVED_SHARE).
   */
  private laneIsFull(size: number): boolean {
    if (size >= this.laneCap && this.held.size >= this.maxHeld / 2) return true;
    return size >= this.laneCap / 2 && this.held.size >= this.busyMaxHeld;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  /** Takes a delivery this worker has leased. */
  accept(job: DeliveryJob): void {
    if (this.held.has(job.id)) {
      if (this.inflightIds.has(job.id)) this.reclaimed.set(job.id, job);
      return;
    }
    this.held.set(job.id, job);
    this.pendingSends.add(job.id);
    let lane = this.lanes.get(job.endpointId);
    if (!lane) this.lanes.set(job.endpointId, (lane = { queue: [], inflight: 0 }));
    lane.queue.push(job);
    this.pump();
  }

  /**
   * Looks for due work now instead of at the next tick (after a resend, a recover, a notification).
   * While the last claim was blocked by full lanes, at most every BLOCKED_RECHECK_MS.
   */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.blockedSince === 0) {
      void this.pollNow();
      return;
    }
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    const wait = this.blockedSince + BLOCKED_RECHECK_MS - Date.now();
    if (wait <= 0) void this.pollNow();
    else if (!this.recheckTimer) {
      this.recheckTimer = setTimeout(() => {
        this.recheckTimer = null;
        this.wake();
      }, wait);
      this.recheckTimer.unref();
    }
  }

  /**
   * Polls when the clock reaches `at`: work was committed that becomes due then (a scheduled
   * message). The regular poll would find it too, but up to a poll interval late; this keeps a
   * scheduled message within milliseconds of its time in the process that accepted it.
   */
  wakeAt(at: number): void {
    if (!this.started || this.stopping) return;
    const i = this.wakeTimes.findIndex((t) => t >= at);
    if (this.wakeTimes[i] === at) return;
    this.wakeTimes.splice(i === -1 ? this.wakeTimes.length : i, 0, at);
    if (this.wakeTimes.length > MAX_WAKE_TIMES) this.wakeTimes.pop();
    this.armWakeTimer();
  }

  private armWakeTimer(): void {
    const next = this.wakeTimes[0];
    if (next === undefined || next >= this.wakeTimerAt || this.stopping) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimerAt = next;
    // The timer counts real time, the claim uses the injected clock: a claim too early (a clock
    // moved by hand) finds nothing, and the time is looked at again.
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.wakeTimerAt = Number.POSITIVE_INFINITY;
        const now = this.clock.now();
        const due = this.wakeTimes.findIndex((t) => t > now);
        this.wakeTimes.splice(0, due === -1 ? this.wakeTimes.length : due);
        this.wake();
        this.armWakeTimer();
      },
      Math.min(Math.max(0, next - this.clock.now()), 2 ** 31 - 1),
    );
    this.wakeTimer.unref();
  }

  /** Claims due work from the store until none is left or this worker is full. */
  pollNow(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = this.pollLoop().finally(() => {
      this.polling = null;
      this.schedulePoll();
      if (this.stopping) return;
      const [again, now] = [this.pollAgain, this.pollAgainNow];
      this.pollAgain = this.pollAgainNow = false;
      if (now) void this.pollNow();
      else if (again) this.wake();
    });
    return this.polling;
  }

  /** Resolves once nothing is queued or in flight (tests use it to wait for delivery without sleeping). */
  idle(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** Requests in flight now (metrics). */
  get inflightCount(): number {
    return this.inflight;
  }

  /**
   * Graceful stop: no new claims, in-flight requests get up to `graceMs` to finish and record
   * their attempts, and whatever is left is released so another process can take it at once
   * instead of waiting for the lease to expire.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    if (this.earlyTimer) clearTimeout(this.earlyTimer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    await this.polling;
    // Work only queued in memory goes back at once, so other processes need not wait for the grace period.
    for (const lane of this.lanes.values()) lane.queue.length = 0;
    const queuedOnly = [...this.held.values()].filter((j) => !this.inflightIds.has(j.id));
    for (const { id } of queuedOnly) {
      this.held.delete(id);
      this.pendingSends.done(id);
    }
    await this.release(queuedOnly);
    const deadline = Date.now() + graceMs;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Leases of in-flight work kept being renewed until now, so no other process took it over
    // during the grace period. Requests still running past it may yet reach their receiver:
    // at-least-once.
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.release([...this.held.values()]);
  }

  private async release(leases: LeaseRef[]): Promise<void> {
    if (leases.length === 0) return;
    await this.store.deliveries.releaseLeases(this.owner, leases).catch((error: unknown) => {
      this.log.warn({ err: error }, "could not release leases; they will expire instead");
    });
  }

  private schedulePoll(): void {
    if (this.stopping || !this.started) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(() => void this.pollNow(), this.pollIntervalMs);
    this.pollTimer.unref();
  }

  private async pollLoop(): Promise<void> {
    try {
      while (!this.stopping) {
        const room = Math.min(this.maxHeld - this.held.size, CLAIM_BATCH);
        if (room <= 0) {
          this.storeHasMore = true;
          return;
        }
        const now = this.clock.now();
        const full = [...this.lanes]
          .filter(
            ([, lane]) =>
              lane.queue.length + lane.inflight >= this.laneCap || this.laneIsFull(lane.queue.length + lane.inflight),
          )
          .map(([endpointId]) => endpointId);
        this.storeHasMore = false;
        const claimStarted = Date.now();
        const claimed = await this.store.deliveries.claimDue(this.owner, now, now + this.options.leaseMs, room, full);
        // Fewer than asked: whatever due work is left belongs to the lanes that were excluded.
        const blocked = claimed.length < room && full.length > 0;
        this.blockedSince = blocked ? claimStarted : 0;
        if (blocked) for (const endpointId of full) this.waitingLanes.add(endpointId);
        for (const d of claimed) {
          this.accept({
            id: d.id,
            appId: d.appId,
            msgId: d.msgId,
            endpointId: d.endpointId,
            attemptCount: d.attemptCount,
            trigger: d.nextTrigger,
            dueAt: d.nextAttemptAt ?? undefined,
          });
        }
        if (claimed.length < room) return;
      }
    } catch (error) {
      this.log.error({ err: error }, "claiming due deliveries failed; retrying at the next tick");
    }
  }

  private pump(): void {
    if (this.inflight >= this.options.workerConcurrency) return;
    for (const [endpointId, lane] of this.lanes) {
      while (
        lane.queue.length > 0 &&
        lane.inflight < this.options.endpointConcurrency &&
        this.inflight < (lane.inflight === 0 ? this.options.workerConcurrency : this.busyMaxInflight)
      ) {
        const job = lane.queue.shift()!;
        lane.inflight++;
        this.inflight++;
        this.inflightIds.add(job.id);
        void this.run(job).finally(() => {
          lane.inflight--;
          this.inflight--;
          this.inflightIds.delete(job.id);
          this.held.delete(job.id);
          if (lane.inflight === 0 && lane.queue.length === 0) this.lanes.delete(endpointId);
          const again = this.reclaimed.get(job.id);
          if (again) {
            this.reclaimed.delete(job.id);
            this.accept(again);
          }
          if (this.held.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
          this.pump();
          this.pollEarlyIfBacklog(endpointId, lane);
        });
      }
      if (this.inflight >= this.options.workerConcurrency) return;
    }
  }

  /**
   * Room freed up and work is known to be waiting in the store: claim it now rather than at the
   * next tick, at most every EARLY_POLL_MS. Requested while a poll runs, it runs after that one
   * (which may have started before the room freed): dropping it left gaps of up to a poll interval.
   */
  private pollEarlyIfBacklog(endpointId: string, lane: Lane): void {
    if (this.stopping || !this.started) return;
    const size = lane.queue.length + lane.inflight;
    const laneFreed = this.waitingLanes.has(endpointId) && size < this.laneCap && !this.laneIsFull(size);
    const workerFreed = this.storeHasMore && this.held.size < this.maxHeld / 2;
    if (!laneFreed && !workerFreed) return;
    if (laneFreed) this.waitingLanes.delete(endpointId);
    // What a blocked claim waited for happened: the next claim can take something.
    this.blockedSince = 0;
    const wait = this.lastEarlyPoll + EARLY_POLL_MS - Date.now();
    if (wait > 0) {
      // Too soon after the last one: poll when it is time, not at the next tick (up to a second away).
      if (!this.earlyTimer) {
        this.earlyTimer = setTimeout(() => {
          this.earlyTimer = null;
          this.pollEarly();
        }, wait);
        this.earlyTimer.unref();
      }
      return;
    }
    this.pollEarly();
  }

  private pollEarly(): void {
    if (this.stopping) return;
    this.lastEarlyPoll = Date.now();
    this.blockedSince = 0;
    if (this.polling) this.pollAgainNow = true;
    else void this.pollNow();
  }

  private async run(job: DeliveryJob): Promise<void> {
    try {
      const outcome = await this.executor.run(job, () => this.pendingSends.done(job.id));
      if (outcome.endpointDisabled) this.onEndpointDisabled(job.appId);
      // An ordered endpoint's next message just became due: claim it now, not at the next tick.
      if (outcome.promoted) this.wake();
    } catch (error) {
      // The attempt may or may not have reached the receiver; the lease expires and it is retried
      // (at-least-once). Typical cause: the store refusing writes (disk full).
      this.log.error({ err: error, deliveryId: job.id }, "delivery attempt could not be recorded");
    } finally {
      this.pendingSends.done(job.id);
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.store.deliveries.renewLeases(
        this.owner,
        [...this.held.values()],
        this.clock.now() + this.options.leaseMs,
      );
    } catch (error) {
      this.log.error({ err: error }, "renewing leases failed");
    }
  }
}
