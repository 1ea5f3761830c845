import type { Logger } from "pino";
import {
  EVALUATION_TIMEOUT_MS,
  HARD_DEADLINE_GRACE_MS,
  HARD_DEADLINE_WALL_MS,
  MAX_QUEUE_LENGTH,
  MAX_QUEUE_PER_TENANT,
  MAX_QUEUE_WAIT_MS,
  PIPELINE_DEPTH,
  QUARANTINE_MS,
  QUARANTINE_SIZE,
  SANDBOX_MEMORY_MB,
  SANDBOX_NICENESS,
  SANDBOX_PROCESSES,
} from "./limits.ts";
import type { Failure, Job, JobResult, Stage } from "./protocol.ts";
import { SandboxWorker } from "./sandbox-worker.ts";

export interface PoolOptions {
  processes: number;
  /** Evaluations waiting for a process, beyond which new ones are refused as busy. */
  maxQueueLength: number;
  /** The same, for one tenant's interactive evaluations (API calls). */
  maxQueuePerTenant: number;
  maxQueueWaitMs: number;
  /** Jobs sent ahead to one process (it runs them one at a time), so it never idles between two. */
  pipelineDepth: number;
  /** CPU time a process may use on one job before it is stopped and replaced. */
  hardDeadlineMs: number;
  /** Wall-clock time after which a job is stopped however little CPU it got. */
  wallDeadlineMs: number;
  memoryMb: number;
  niceness: number;
  log?: Pick<Logger, "warn" | "error">;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  processes: SANDBOX_PROCESSES,
  maxQueueLength: MAX_QUEUE_LENGTH,
  maxQueuePerTenant: MAX_QUEUE_PER_TENANT,
  maxQueueWaitMs: MAX_QUEUE_WAIT_MS,
  pipelineDepth: PIPELINE_DEPTH,
  hardDeadlineMs: EVALUATION_TIMEOUT_MS + HARD_DEADLINE_GRACE_MS,
  wallDeadlineMs: HARD_DEADLINE_WALL_MS,
  memoryMb: SANDBOX_MEMORY_MB,
  niceness: SANDBOX_NICENESS,
};

interface Waiting {
  job: Job;
  tenant: string;
  resolve: (result: JobResult | Promise<JobResult>) => void;
  expires: NodeJS.Timeout;
}

/** A failed start is retried after this long, doubling up to the maximum. */
const RESPAWN_BACKOFF_MS = 500;
const RESPAWN_BACKOFF_MAX_MS = 30_000;

const firstStage = (job: Job): Stage => (job.filter !== null ? "filter" : "transformation");

/**
 * A fixed number of sandbox processes, each running one job at a time. Waiting jobs queue per
 * tenant (an application), and free processes take the tenants' queues in turn: a tenant whose
 * expressions are slow delays its own jobs, while another tenant's job waits for at most one of
 * its jobs per process. Queues are bounded (in all, and per tenant for API calls); a job refused
 * or left waiting too long fails as `busy`. A process that is stopped (time limit) or dies (memory limit, fatal
 * engine error) fails only its own job and is replaced; the others go on meanwhile.
 */
export class SandboxPool {
  private readonly options: PoolOptions;
  private readonly slots: (SandboxWorker | null)[];
  /** Waiting jobs by tenant, in turn order: the tenant served last goes to the back. */
  private readonly queues = new Map<string, Waiting[]>();
  private waitingCount = 0;
  private closed = false;
  private failedStarts = 0;
  /** Processes started to replace one that ended (for tests and logs). */
  replacements = 0;
  /** Expressions that stopped their process, by stage and code, with when they may run again. */
  private readonly quarantined = new Map<string, { failure: Failure; until: number }>();

  constructor(options: Partial<PoolOptions> = {}) {
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.slots = Array.from({ length: this.options.processes }, () => null);
    for (let i = 0; i < this.slots.length; i++) this.start(i);
  }

  /**
   * Evaluates a job in a free process, queued behind `tenant`'s earlier jobs; never rejects
   * (failures, busy included, are results). An `interactive` job (an API call) is refused when
   * its tenant already has maxQueuePerTenant jobs waiting; deliveries are bounded by the worker's
   * own concurrency and wait.
   */
  evaluate(job: Job, tenant = "", { interactive = false } = {}): Promise<JobResult> {
    if (this.closed) return Promise.resolve(this.busy(job, "the expression sandbox is shut down"));
    const known = this.quarantinedFailure(job);
    if (known) return Promise.resolve({ ok: false, failure: known });
    const worker = this.waitingCount === 0 ? this.available() : undefined;
    if (worker) return this.runOn(worker, job, tenant);
    const own = this.queues.get(tenant) ?? [];
    if (interactive && own.length >= this.options.maxQueuePerTenant)
      return Promise.resolve(this.busy(job, `${own.length} evaluations of the same application are already waiting`));
    if (this.waitingCount >= this.options.maxQueueLength)
      return Promise.resolve(this.busy(job, `${this.waitingCount} evaluations are already waiting`));
    return this.enqueue(job, tenant, "back");
  }

  /** Queues a job for its tenant, failing it as busy if no process takes it within maxQueueWaitMs. */
  private enqueue(job: Job, tenant: string, at: "back" | "front"): Promise<JobResult> {
    return new Promise<JobResult>((resolve) => {
      const waiting: Waiting = {
        job,
        tenant,
        resolve,
        expires: setTimeout(() => {
          this.unqueue(waiting);
          resolve(this.busy(job, `no sandbox process was free within ${this.options.maxQueueWaitMs} ms`));
        }, this.options.maxQueueWaitMs),
      };
      const own = this.queues.get(tenant) ?? [];
      if (at === "back") own.push(waiting);
      else own.unshift(waiting);
      if (own.length === 1) this.queues.set(tenant, own);
      this.waitingCount++;
    });
  }

  /** Process ids of the live sandbox processes. */
  pids(): number[] {
    return this.slots.filter((w): w is SandboxWorker => w !== null && w.isAlive).map((w) => w.pid!);
  }

  get queued(): number {
    return this.waitingCount;
  }

  /** Resolves once every slot has a started process (tests, and warm-up before serving). */
  async started(): Promise<void> {
    await Promise.all(this.slots.map((w) => w?.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    this.waitingCount = 0;
    for (const waiting of all) {
      clearTimeout(waiting.expires);
      waiting.resolve(this.busy(waiting.job, "the expression sandbox is shut down"));
    }
    const exits = this.slots.map(
      (w) => new Promise<void>((resolve) => (w && w.isAlive ? (w.kill(), setImmediate(resolve)) : resolve())),
    );
    await Promise.all(exits);
  }

  private busy(job: Job, why: string): JobResult {
    return { ok: false, failure: { stage: firstStage(job), kind: "busy", message: `not evaluated: ${why}` } };
  }

  /** The ready process with the fewest jobs in flight, if one can take another. */
  private available(): SandboxWorker | undefined {
    let best: SandboxWorker | undefined;
    for (const worker of this.slots) {
      if (!worker?.isReady || worker.load >= this.options.pipelineDepth) continue;
      if (!best || worker.load < best.load) best = worker;
    }
    return best;
  }

  private async runOn(worker: SandboxWorker, job: Job, tenant: string): Promise<JobResult> {
    const limits = {
      cpuMs: this.options.hardDeadlineMs,
      wallMs: Math.max(this.options.wallDeadlineMs, this.options.hardDeadlineMs),
    };
    // A job that never started because the one before it took the process down runs again, first.
    const result = await worker.run(job, limits, () => this.requeueFirst(job, tenant));
    if (!result.ok && result.failure.stoppedProcess) this.quarantine(job, result.failure);
    this.pump();
    return result;
  }

  private quarantineKey(stage: Stage, job: Job): string | null {
    const code = stage === "filter" ? job.filter : job.transformation?.code;
    return code === null || code === undefined ? null : `${stage}\n${code}`;
  }

  private quarantine(job: Job, failure: Failure): void {
    const key = this.quarantineKey(failure.stage, job);
    if (key === null) return;
    this.quarantined.delete(key);
    if (this.quarantined.size >= QUARANTINE_SIZE) this.quarantined.delete(this.quarantined.keys().next().value!);
    this.quarantined.set(key, { failure, until: Date.now() + QUARANTINE_MS });
  }

  /**
   * The failure a job would meet again: its filter, or (with no filter to pass first) its
   * transformation, stopped a process within QUARANTINE_MS. Compile checks always run.
   */
  private quarantinedFailure(job: Job): Failure | null {
    if (job.compileOnly || this.quarantined.size === 0) return null;
    const stages: Stage[] = job.filter !== null ? ["filter"] : ["transformation"];
    for (const stage of stages) {
      const key = this.quarantineKey(stage, job);
      const entry = key === null ? undefined : this.quarantined.get(key);
      if (!entry) continue;
      if (entry.until <= Date.now()) {
        this.quarantined.delete(key!);
        continue;
      }
      const seconds = Math.ceil((entry.until - Date.now()) / 1000);
      return { ...entry.failure, message: `${entry.failure.message} (not run again for ${seconds} s)` };
    }
    return null;
  }

  /** Hands waiting jobs, tenant by tenant in turn, to processes that can take them. */
  private pump(): void {
    for (let worker = this.available(); worker && this.waitingCount > 0; worker = this.available()) {
      const next = this.nextWaiting()!;
      clearTimeout(next.expires);
      next.resolve(this.runOn(worker, next.job, next.tenant));
    }
  }

  private requeueFirst(job: Job, tenant: string): Promise<JobResult> {
    if (this.closed) return Promise.resolve(this.busy(job, "the expression sandbox is shut down"));
    const result = this.enqueue(job, tenant, "front");
    this.pump();
    return result;
  }

  /** The first job of the tenant whose turn it is; that tenant then goes to the back. */
  private nextWaiting(): Waiting | undefined {
    const first = this.queues.entries().next();
    if (first.done) return undefined;
    const [tenant, own] = first.value;
    const next = own.shift()!;
    this.queues.delete(tenant);
    if (own.length > 0) this.queues.set(tenant, own);
    this.waitingCount--;
    return next;
  }

  private unqueue(waiting: Waiting): void {
    const own = this.queues.get(waiting.tenant);
    const at = own?.indexOf(waiting) ?? -1;
    if (at < 0) return;
    own!.splice(at, 1);
    if (own!.length === 0) this.queues.delete(waiting.tenant);
    this.waitingCount--;
  }

  private start(slot: number): void {
    if (this.closed) return;
    const worker = new SandboxWorker({ memoryMb: this.options.memoryMb, niceness: this.options.niceness }, (ended) =>
      this.onExit(slot, ended),
    );
    this.slots[slot] = worker;
    void worker.ready.then((ok) => {
      if (!ok || this.closed) return;
      this.failedStarts = 0;
      this.pump();
    });
  }

  private onExit(slot: number, ended: SandboxWorker): void {
    if (this.slots[slot] !== ended || this.closed) return;
    this.slots[slot] = null;
    this.replacements++;
    // A process that ended before it was ready points at a broken start: back off, and say so.
    void ended.ready.then((wasReady) => {
      if (wasReady) return this.start(slot);
      this.failedStarts++;
      const delay = Math.min(RESPAWN_BACKOFF_MAX_MS, RESPAWN_BACKOFF_MS * 2 ** (this.failedStarts - 1));
      this.options.log?.error({ delayMs: delay }, "expression sandbox process failed to start; retrying");
      setTimeout(() => this.start(slot), delay).unref();
    });
  }
}
