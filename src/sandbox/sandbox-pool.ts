import type { Logger } from "pino";
import {
  EVALUATION_TIMEOUT_MS,
  HARD_DEADLINE_GRACE_MS,
  MAX_QUEUE_LENGTH,
  MAX_QUEUE_WAIT_MS,
  SANDBOX_MEMORY_MB,
  SANDBOX_NICENESS,
  SANDBOX_PROCESSES,
} from "./limits.ts";
import type { Job, JobResult, Stage } from "./protocol.ts";
import { SandboxWorker } from "./sandbox-worker.ts";

export interface PoolOptions {
  processes: number;
  /** Evaluations waiting for a process, beyond which new ones are refused as busy. */
  maxQueueLength: number;
  maxQueueWaitMs: number;
  /** Wall time a process gets for one job before it is stopped and replaced. */
  hardDeadlineMs: number;
  memoryMb: number;
  niceness: number;
  log?: Pick<Logger, "warn" | "error">;
}

export const DEFAULT_POOL_OPTIONS: PoolOptions = {
  processes: SANDBOX_PROCESSES,
  maxQueueLength: MAX_QUEUE_LENGTH,
  maxQueueWaitMs: MAX_QUEUE_WAIT_MS,
  hardDeadlineMs: EVALUATION_TIMEOUT_MS + HARD_DEADLINE_GRACE_MS,
  memoryMb: SANDBOX_MEMORY_MB,
  niceness: SANDBOX_NICENESS,
};

interface Waiting {
  job: Job;
  resolve: (result: JobResult | Promise<JobResult>) => void;
  expires: NodeJS.Timeout;
}

/** A failed start is retried after this long, doubling up to the maximum. */
const RESPAWN_BACKOFF_MS = 500;
const RESPAWN_BACKOFF_MAX_MS = 30_000;

const firstStage = (job: Job): Stage => (job.filter !== null ? "filter" : "transformation");

/**
 * A fixed number of sandbox processes, each running one job at a time, fed from one bounded FIFO
 * queue. A process that is stopped (time limit) or dies (memory limit, fatal engine error) fails
 * only its own job and is replaced; the queue moves on meanwhile with the others.
 */
export class SandboxPool {
  private readonly options: PoolOptions;
  private readonly slots: (SandboxWorker | null)[];
  private readonly idle: SandboxWorker[] = [];
  private readonly queue: Waiting[] = [];
  private closed = false;
  private failedStarts = 0;
  /** Processes started to replace one that ended (for tests and logs). */
  replacements = 0;

  constructor(options: Partial<PoolOptions> = {}) {
    this.options = { ...DEFAULT_POOL_OPTIONS, ...options };
    this.slots = Array.from({ length: this.options.processes }, () => null);
    for (let i = 0; i < this.slots.length; i++) this.start(i);
  }

  /** Evaluates a job in a free process; never rejects (failures, busy included, are results). */
  evaluate(job: Job): Promise<JobResult> {
    if (this.closed) return Promise.resolve(this.busy(job, "the expression sandbox is shut down"));
    const worker = this.idle.pop();
    if (worker) return this.runOn(worker, job);
    if (this.queue.length >= this.options.maxQueueLength)
      return Promise.resolve(this.busy(job, `${this.queue.length} evaluations are already waiting`));
    return new Promise<JobResult>((resolve) => {
      const waiting: Waiting = {
        job,
        resolve,
        expires: setTimeout(() => {
          const at = this.queue.indexOf(waiting);
          if (at >= 0) this.queue.splice(at, 1);
          resolve(this.busy(job, `no sandbox process was free within ${this.options.maxQueueWaitMs} ms`));
        }, this.options.maxQueueWaitMs),
      };
      this.queue.push(waiting);
    });
  }

  /** Process ids of the live sandbox processes. */
  pids(): number[] {
    return this.slots.filter((w): w is SandboxWorker => w !== null && w.isAlive).map((w) => w.pid!);
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Resolves once every slot has a started process (tests, and warm-up before serving). */
  async started(): Promise<void> {
    await Promise.all(this.slots.map((w) => w?.ready));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) {
      clearTimeout(waiting.expires);
      waiting.resolve(this.busy(waiting.job, "the expression sandbox is shut down"));
    }
    const exits = this.slots.map(
      (w) => new Promise<void>((resolve) => (w && w.isAlive ? (w.kill(), setImmediate(resolve)) : resolve())),
    );
    this.idle.length = 0;
    await Promise.all(exits);
  }

  private busy(job: Job, why: string): JobResult {
    return { ok: false, failure: { stage: firstStage(job), kind: "busy", message: `not evaluated: ${why}` } };
  }

  private async runOn(worker: SandboxWorker, job: Job): Promise<JobResult> {
    const result = await worker.run(job, this.options.hardDeadlineMs);
    if (worker.isAlive) this.release(worker);
    return result;
  }

  private release(worker: SandboxWorker): void {
    const next = this.queue.shift();
    if (!next) {
      this.idle.push(worker);
      return;
    }
    clearTimeout(next.expires);
    next.resolve(this.runOn(worker, next.job));
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
      this.release(worker);
    });
  }

  private onExit(slot: number, ended: SandboxWorker): void {
    const at = this.idle.indexOf(ended);
    if (at >= 0) this.idle.splice(at, 1);
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
