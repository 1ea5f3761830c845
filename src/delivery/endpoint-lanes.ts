import type { DeliveryJob } from "./delivery-job.ts";

export interface LaneLimits {
  /** Requests in flight at most, over all endpoints. */
  workerConcurrency: number;
  /** Requests in flight at most to any one endpoint. */
  endpointConcurrency: number;
}

export interface LaneHooks {
  /** Makes the attempt; the delivery's slot frees when it settles (it must not reject). */
  run(job: DeliveryJob): Promise<void>;
  /** A delivery was taken into memory (again, for one claimed anew while its last attempt finished). */
  taken(job: DeliveryJob): void;
  /** A slot freed where due work is known to wait in the store: worth claiming now rather than later. */
  roomForBacklog(): void;
}

interface Lane {
  queue: DeliveryJob[];
  inflight: number;
}

/**
 * The share of the worker's request slots and memory that endpoints already busy cannot take: the
 * last quarter is kept for endpoints with nothing in flight (request slots) or few deliveries
 * held (memory). Without it, WORKER/ENDPOINT_CONCURRENCY endpoints that hang (8 with the defaults)
 * filled every slot and all the memory, and a healthy endpoint's webhooks waited for a hanging
 * request to time out: 0 of 50 arrived within 3 s in the reliability scenario, the last after 8 s.
 */
const RESERVED_SHARE = 0.25;

/**
 * The deliveries a worker holds, one lane per endpoint, and which of them may be sent now: at most
 * `workerConcurrency` requests in flight overall and at most `endpointConcurrency` to any one
 * endpoint, so an endpoint that takes the full timeout to answer occupies only its own lane while
 * every other endpoint keeps flowing. Also remembers where due work was left in the store for
 * want of room, so that room freeing up there can be claimed at once (LaneHooks.roomForBacklog).
 */
export class EndpointLanes {
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
  /** Set when due work was left in the store because this worker was full; cleared by the next claim. */
  private workerBacklog = false;
  /** Full lanes whose endpoint has due work left in the store: when one drops below its cap, claim. */
  private readonly waitingLanes = new Set<string>();
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

  constructor(
    private readonly limits: LaneLimits,
    private readonly hooks: LaneHooks,
  ) {
    this.maxHeld = limits.workerConcurrency * 4;
    this.laneCap = limits.endpointConcurrency * 4;
    this.busyMaxHeld = Math.max(1, Math.floor(this.maxHeld * (1 - RESERVED_SHARE)));
    this.busyMaxInflight = Math.max(1, Math.floor(limits.workerConcurrency * (1 - RESERVED_SHARE)));
  }

  /**
   * Whether a new delivery to this endpoint may be taken straight away. A lane holds up to
   * `laneCap`, or more while the worker is less than half full: the other half stays free for
   * other endpoints (isolation), and a busy endpoint's deliveries are handed over in memory instead
   * of taking the store round trip (a claim and a message read each). A busy lane leaves the last
   * quarter of the worker's memory to lanes holding little (RESERVED_SHARE). A refusal notes that
   * the delivery waits in the store instead.
   */
  admits(endpointId: string): boolean {
    if (this.held.size >= this.maxHeld) {
      this.workerBacklog = true;
      return false;
    }
    if (this.laneIsFull(this.sizeOf(this.lanes.get(endpointId)))) {
      this.waitingLanes.add(endpointId);
      return false;
    }
    return true;
  }

  /** Takes a leased delivery and starts it if its lane and the worker have a free slot. */
  take(job: DeliveryJob): void {
    if (this.held.has(job.id)) {
      if (this.inflightIds.has(job.id)) this.reclaimed.set(job.id, job);
      return;
    }
    this.held.set(job.id, job);
    this.hooks.taken(job);
    let lane = this.lanes.get(job.endpointId);
    if (!lane) this.lanes.set(job.endpointId, (lane = { queue: [], inflight: 0 }));
    lane.queue.push(job);
    this.pump();
  }

  /** How many more deliveries fit in memory. */
  get room(): number {
    return this.maxHeld - this.held.size;
  }

  /** Endpoints whose lanes take no more now: a claim leaves their due work in the store. */
  fullLanes(): string[] {
    return [...this.lanes]
      .filter(([, lane]) => this.sizeOf(lane) >= this.laneCap || this.laneIsFull(this.sizeOf(lane)))
      .map(([endpointId]) => endpointId);
  }

  /** Due work was left in the store: because this worker is full, or (given) because these lanes are. */
  noteBacklog(fullLanes?: string[]): void {
    if (!fullLanes) this.workerBacklog = true;
    else for (const endpointId of fullLanes) this.waitingLanes.add(endpointId);
  }

  /** A claim is about to take all the work that fits: what the worker left behind so far is taken now. */
  claiming(): void {
    this.workerBacklog = false;
  }

  get heldCount(): number {
    return this.held.size;
  }

  /** Requests in flight now. */
  get inflightCount(): number {
    return this.inflight;
  }

  /** Every delivery held: queued or in flight. */
  heldJobs(): DeliveryJob[] {
    return [...this.held.values()];
  }

  /** Empties the queues (shutting down); returns the deliveries that were only queued, now no longer held. */
  dropQueued(): DeliveryJob[] {
    for (const lane of this.lanes.values()) lane.queue.length = 0;
    const queuedOnly = [...this.held.values()].filter((job) => !this.inflightIds.has(job.id));
    for (const { id } of queuedOnly) this.held.delete(id);
    return queuedOnly;
  }

  /** Resolves once nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.held.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private sizeOf(lane: Lane | undefined): number {
    return lane ? lane.queue.length + lane.inflight : 0;
  }

  /**
   * Whether a lane holding `size` deliveries takes no more for now: past its cap once the worker
   * is half full, or busy while only the reserve is left (see RESERVED_SHARE).
   */
  private laneIsFull(size: number): boolean {
    if (size >= this.laneCap && this.held.size >= this.maxHeld / 2) return true;
    return size >= this.laneCap / 2 && this.held.size >= this.busyMaxHeld;
  }

  private pump(): void {
    const { workerConcurrency, endpointConcurrency } = this.limits;
    if (this.inflight >= workerConcurrency) return;
    for (const [endpointId, lane] of this.lanes) {
      while (
        lane.queue.length > 0 &&
        lane.inflight < endpointConcurrency &&
        this.inflight < (lane.inflight === 0 ? workerConcurrency : this.busyMaxInflight)
      ) {
        const job = lane.queue.shift()!;
        lane.inflight++;
        this.inflight++;
        this.inflightIds.add(job.id);
        void this.hooks.run(job).finally(() => this.finished(endpointId, lane, job));
      }
      if (this.inflight >= workerConcurrency) return;
    }
  }

  private finished(endpointId: string, lane: Lane, job: DeliveryJob): void {
    lane.inflight--;
    this.inflight--;
    this.inflightIds.delete(job.id);
    this.held.delete(job.id);
    if (lane.inflight === 0 && lane.queue.length === 0) this.lanes.delete(endpointId);
    const again = this.reclaimed.get(job.id);
    if (again) {
      this.reclaimed.delete(job.id);
      this.take(again);
    }
    if (this.held.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.pump();
    if (this.freedForBacklog(endpointId, lane)) this.hooks.roomForBacklog();
  }

  /** Whether this lane, or the worker, just got room for work that was left in the store for want of it. */
  private freedForBacklog(endpointId: string, lane: Lane): boolean {
    const size = this.sizeOf(lane);
    const laneFreed = this.waitingLanes.has(endpointId) && size < this.laneCap && !this.laneIsFull(size);
    const workerFreed = this.workerBacklog && this.held.size < this.maxHeld / 2;
    if (laneFreed) this.waitingLanes.delete(endpointId);
    return laneFreed || workerFreed;
  }
}
