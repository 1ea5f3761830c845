import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import { EndpointDirectory } from "../core/endpoint-directory.ts";
import type { WorkHandOff } from "../core/work-hand-off.ts";
import type { DeliveryObserver } from "../observability/delivery-observer.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { ClaimedDelivery, LeaseRef, Store } from "../store/store.ts";
import { AttemptExecutor } from "./attempt-executor.ts";
import { ClaimScheduler, type ClaimResult } from "./claim-scheduler.ts";
import type { DeliveryJob } from "./delivery-job.ts";
import { EndpointLanes } from "./endpoint-lanes.ts";
import type { HttpSender } from "./http-sender.ts";
import { PendingSends } from "./pending-sends.ts";
import { realTimers } from "./timers.ts";

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

/** A claim batch of 500 keeps one claim transaction short (a few ms) while draining a backlog quickly. */
const CLAIM_BATCH = 500;

/**
 * The worker: leases deliveries, holds them in per-endpoint lanes (endpoint-lanes.ts) that send
 * them with bounded concurrency, and keeps their leases alive until their attempts are recorded.
 *
 * Work arrives two ways: handed over in memory by the API right after the commit (the common,
 * fast path; `canAccept` then `accept`), or claimed from the store when the claim scheduler
 * (claim-scheduler.ts) says so (retries that became due, work whose owner died and whose lease
 * expired, work the API created while this worker was full).
 */
export class Dispatcher implements WorkHandOff {
  readonly owner = `wrk_${randomUUID()}`;
  /** Told when an attempt disabled an endpoint, so routing caches can drop it. */
  onEndpointDisabled: (appId: string) => void = () => {};
  /** Deliveries taken on whose request is not on the wire yet (background work waits for them). */
  readonly pendingSends = new PendingSends();
  private readonly lanes: EndpointLanes;
  private readonly claims: ClaimScheduler;
  private readonly executor: AttemptExecutor;
  private renewTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    sender: HttpSender,
    private readonly clock: Clock,
    private readonly options: DispatcherOptions,
    private readonly log: Logger,
    /** The process's endpoint cache, shared with the API so that its changes invalidate it at once. */
    endpoints: EndpointDirectory = new EndpointDirectory(store),
  ) {
    this.executor = new AttemptExecutor(store, sender, clock, options, log, this.owner, endpoints);
    this.lanes = new EndpointLanes(options, {
      run: (job) => this.run(job),
      taken: (job) => this.pendingSends.add(job.id),
      roomForBacklog: () => this.claims.roomFreed(),
    });
    this.claims = new ClaimScheduler(
      {
        pollIntervalMs: options.pollIntervalMs ?? 1000,
        claim: () => this.claimBatch(),
        claimFailed: (error) =>
          this.log.error({ err: error }, "claiming due deliveries failed; retrying at the next tick"),
      },
      realTimers,
      clock,
    );
  }

  start(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(() => void this.renewLeases(), this.options.leaseMs / 3);
    this.renewTimer.unref();
    this.claims.start();
  }

  /** Whether a new delivery to this endpoint may be leased to this worker straight away (EndpointLanes.admits). */
  canAccept(endpointId: string): boolean {
    return this.claims.running && this.lanes.admits(endpointId);
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  /** Takes a delivery this worker has leased. */
  accept(job: DeliveryJob): void {
    this.lanes.take(job);
  }

  /** Looks for due work now instead of at the next tick (after a resend, a recover, a notification). */
  wake(): void {
    this.claims.wake();
  }

  /** Looks for due work when the clock reaches `at` (a scheduled message falls due then). */
  wakeAt(at: number): void {
    this.claims.wakeAt(at);
  }

  /** Claims due work from the store until none is left or this worker is full. */
  pollNow(): Promise<void> {
    return this.claims.pollNow();
  }

  /** Resolves once nothing is queued or in flight (tests use it to wait for delivery without sleeping). */
  idle(): Promise<void> {
    return this.lanes.whenIdle();
  }

  get heldCount(): number {
    return this.lanes.heldCount;
  }

  /** Requests in flight now (metrics). */
  get inflightCount(): number {
    return this.lanes.inflightCount;
  }

  /**
   * Graceful stop: no new claims, in-flight requests get up to `graceMs` to finish and record
   * their attempts, and whatever is left is released so another process can take it at once
   * instead of waiting for the lease to expire.
   */
  async stop(graceMs: number): Promise<void> {
    await this.claims.stop();
    // Work only queued in memory goes back at once, so other processes need not wait for the grace period.
    const queuedOnly = this.lanes.dropQueued();
    for (const { id } of queuedOnly) this.pendingSends.done(id);
    await this.release(queuedOnly);
    const deadline = Date.now() + graceMs;
    while (this.lanes.inflightCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Leases of in-flight work kept being renewed until now, so no other process took it over
    // during the grace period. Requests still running past it may yet reach their receiver:
    // at-least-once.
    if (this.renewTimer) clearInterval(this.renewTimer);
    await this.release(this.lanes.heldJobs());
  }

  private async release(leases: LeaseRef[]): Promise<void> {
    if (leases.length === 0) return;
    await this.store.deliveries.releaseLeases(this.owner, leases).catch((error: unknown) => {
      this.log.warn({ err: error }, "could not release leases; they will expire instead");
    });
  }

  /** One claim of due work, as much as fits, leaving out the lanes that take no more now. */
  private async claimBatch(): Promise<ClaimResult> {
    const room = Math.min(this.lanes.room, CLAIM_BATCH);
    if (room <= 0) {
      this.lanes.noteBacklog();
      return "no-room";
    }
    const now = this.clock.now();
    const full = this.lanes.fullLanes();
    this.lanes.claiming();
    const claimed = await this.store.deliveries.claimDue(this.owner, now, now + this.options.leaseMs, room, full);
    // Fewer than asked: whatever due work is left belongs to the lanes that were excluded.
    const blocked = claimed.length < room && full.length > 0;
    if (blocked) this.lanes.noteBacklog(full);
    for (const d of claimed) this.accept(jobOf(d));
    return claimed.length === room ? "more" : blocked ? "blocked" : "done";
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
    if (this.lanes.heldCount === 0) return;
    try {
      await this.store.deliveries.renewLeases(
        this.owner,
        this.lanes.heldJobs(),
        this.clock.now() + this.options.leaseMs,
      );
    } catch (error) {
      this.log.error({ err: error }, "renewing leases failed");
    }
  }
}

function jobOf(d: ClaimedDelivery): DeliveryJob {
  return {
    id: d.id,
    appId: d.appId,
    msgId: d.msgId,
    endpointId: d.endpointId,
    attemptCount: d.attemptCount,
    trigger: d.nextTrigger,
    dueAt: d.nextAttemptAt ?? undefined,
  };
}
