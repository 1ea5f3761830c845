import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { BackgroundTaskRepository } from "../../store/store.ts";
import { isStoreUnavailable } from "../../store/store-unavailable.ts";
import type { BackgroundTask } from "../background-task.ts";
import type { Clock } from "../clock.ts";
import type { OperationalEvents } from "../operational-events.ts";
import { TASK_HANDLERS } from "./handlers.ts";
import { LoopLoad } from "./loop-load.ts";
import { TaskFailure, type TaskPorts } from "./task-step.ts";

/** What the runner uses besides its options. */
export interface TaskRunnerPorts {
  backgroundTasks: BackgroundTaskRepository;
  clock: Clock;
  log: Logger;
  /** What the task kinds' batches use (task-step.ts). */
  tasks: TaskPorts;
  /** Where `background_task.finished` is sent; absent where a process sends no operational events. */
  events?: Pick<OperationalEvents, "emit">;
  /** Resolves once the deliveries this process's worker took on are on the wire, or after `maxMs`. */
  sendsIdle?(maxMs: number): Promise<unknown>;
}

export interface TaskRunnerOptions {
  /** How long a claim holds without a checkpoint; a dead process's task is taken over after it. */
  leaseMs: number;
  /** Rows per batch (HOOKLINE_TASK_BATCH_SIZE). */
  batchSize: number;
  /** How often to look for tasks no process holds (created by an API-only process, or left by a dead one). */
  pollIntervalMs?: number;
  /** Tests hold a task between batches with this; resolved (or the runner stopping) lets the next batch run. */
  beforeBatch?: (task: BackgroundTask) => Promise<void>;
}

/** Tasks one process runs at once: each is sequential, and more would only compete with deliveries. */
const CONCURRENT_TASKS = 2;
const DEFAULT_POLL_MS = 1_000;
/**
 * Between batches a task waits for a moment when no delivery of this process is about to be sent
 * (at most this long), then yields the event loop: a batch is a few milliseconds of database work,
 * so live deliveries and API requests run between any two of them.
 */
const MAX_DEFER_MS = 50;
/**
 * A task starts its next batch only while the event loop was busy less than this share of the last
 * quarter second, so a replay uses the room live traffic leaves. Measured (docs/benchmarks.md,
 * "Background tasks"): on a loaded machine, a replay paced only by its endpoint still took the
 * share of the loop live traffic needed, and API answers queued for tens of seconds.
 */
const BUSY_LOOP = 0.8;
/** How often a task looks again while the loop is busy. */
const BUSY_RETRY_MS = 250;
/**
 * The longest a task waits for a quiet loop before it runs one batch anyway: a process that is
 * always busy still finishes its tasks, a batch at a time.
 */
const MAX_BUSY_WAIT_MS = 10_000;

/**
 * Runs background tasks: claims running tasks whose lease is free (created by this process, by an
 * API-only one, or left by one that died), and works through each in batches, saving the cursor
 * and data and extending the lease after every batch. A task whose lease this process lost (it
 * stalled past the lease and another took over) is dropped here without another write. On stop,
 * the leases of unfinished tasks are released, so a restart resumes them at once.
 */
export class BackgroundTaskRunner {
  readonly owner = `task_${randomUUID()}`;
  private readonly running = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private stopped!: () => void;
  private readonly stopSignal = new Promise<void>((resolve) => (this.stopped = resolve));
  private polling: Promise<void> | null = null;
  private readonly load = new LoopLoad();

  constructor(
    private readonly ports: TaskRunnerPorts,
    private readonly options: TaskRunnerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poll(), this.options.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
    this.poll();
  }

  /** Whether this process may take a task it creates now (below its limit of tasks at once). */
  hasRoom(): boolean {
    return !this.stopping && this.running.size < CONCURRENT_TASKS;
  }

  /** Runs a task this process created already leased to itself. */
  adopt(task: BackgroundTask): void {
    if (this.stopping) return;
    this.launch(task);
  }

  /** Looks for unheld tasks now (also after this process's own task finished, for one that waited). */
  poll(): void {
    if (this.stopping || this.polling) return;
    this.polling = this.claim()
      .catch((error: unknown) => this.ports.log.warn({ err: error }, "claiming background tasks failed"))
      .finally(() => (this.polling = null));
  }

  private async claim(): Promise<void> {
    const room = CONCURRENT_TASKS - this.running.size;
    if (room <= 0) return;
    const now = this.ports.clock.now();
    const tasks = await this.ports.backgroundTasks.claim(this.owner, now, now + this.options.leaseMs, room);
    for (const task of tasks) this.launch(task);
  }

  private launch(task: BackgroundTask): void {
    if (this.running.has(task.id)) return;
    const run = this.run(task).finally(() => {
      this.running.delete(task.id);
      this.poll();
    });
    this.running.set(task.id, run);
  }

  private async run(initial: BackgroundTask): Promise<void> {
    const { ports, owner } = this;
    const handler = TASK_HANDLERS[initial.kind];
    let task = initial;
    for (;;) {
      if (this.options.beforeBatch) await Promise.race([this.options.beforeBatch(task), this.stopSignal]);
      if (this.stopping) return;
      let step;
      try {
        if (!handler) throw new TaskFailure(`Hookline does not run ${task.kind} tasks`);
        step = await handler(ports.tasks, task, this.options.batchSize);
      } catch (error) {
        if (isStoreUnavailable(error)) {
          // The database will be back; the lease runs out and this or another process resumes the task.
          ports.log.warn({ err: error, taskId: task.id }, "a background task paused: the database is unavailable");
          return;
        }
        if (!(error instanceof TaskFailure))
          ports.log.error({ err: error, taskId: task.id }, "a background task failed");
        const reason = error instanceof TaskFailure ? error.message : "an internal error stopped the task";
        await this.settle({ ...task, status: "failed", data: { ...task.data, error: reason } });
        return;
      }
      task = { ...task, cursor: step.cursor, data: step.data, updatedAt: ports.clock.now() };
      if (step.done) {
        await this.settle({ ...task, status: "finished" });
        return;
      }
      if (!(await ports.backgroundTasks.checkpoint(task, owner, ports.clock.now() + this.options.leaseMs))) return;
      if (step.waitMs) await this.pause(step.waitMs);
      await this.waitForQuietLoop();
      await ports.sendsIdle?.(MAX_DEFER_MS);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Waits while the event loop is busy (BUSY_LOOP), at most MAX_BUSY_WAIT_MS, or until the runner stops. */
  private async waitForQuietLoop(): Promise<void> {
    const deadline = Date.now() + MAX_BUSY_WAIT_MS;
    while (this.load.current >= BUSY_LOOP && Date.now() < deadline && !this.stopping) await this.pause(BUSY_RETRY_MS);
  }

  /** Waits before a paced task's next look (task-step.ts, waitForEndpoint), or until the runner stops. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.stopSignal]);
    clearTimeout(timer);
  }

  /** Records the outcome and, if this process still held the task, announces it (background_task.finished). */
  private async settle(task: BackgroundTask): Promise<void> {
    const finished = { ...task, updatedAt: this.ports.clock.now() };
    if (!(await this.ports.backgroundTasks.finish(finished, this.owner))) return;
    this.ports.log.info(
      { taskId: task.id, task: task.kind, status: task.status, data: task.data },
      "background task ended",
    );
    this.ports.events?.emit({
      type: "background_task.finished",
      data: { data: finished.data, status: finished.status, task: finished.kind, taskId: finished.id },
    });
  }

  /** Stops taking tasks, lets each running one end its batch, and frees their leases. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped();
    this.load.stop();
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    const ids = [...this.running.keys()];
    await Promise.allSettled(this.running.values());
    await this.ports.backgroundTasks.release(this.owner, ids).catch((error: unknown) => {
      this.ports.log.warn({ err: error }, "releasing background tasks failed; they resume once their lease runs out");
    });
  }
}
