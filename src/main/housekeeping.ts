import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { Store } from "../store/store.ts";

export interface PeriodicJob {
  name: string;
  intervalMs: number;
  run(): Promise<void>;
}

/** How often each process asks whether a job is due, at most; the job's own interval decides how often it runs. */
const MAX_TICK_MS = 15_000;

/**
 * Runs periodic jobs once per interval across every process sharing the store: each process
 * ticks, but only the one whose `claimJob` succeeds runs the job this time.
 */
export function startHousekeeping(store: Store, clock: Clock, log: Logger, jobs: PeriodicJob[]): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = async () => {
    for (const job of jobs) {
      try {
        if (await store.coordination.claimJob(job.name, job.intervalMs, clock.now())) await job.run();
      } catch (error) {
        log.error({ err: error, job: job.name }, "periodic job failed; it runs again at its next interval");
      }
    }
  };
  const tickMs = Math.min(MAX_TICK_MS, ...jobs.map((j) => j.intervalMs));
  const timer = setInterval(() => {
    if (!running) running = tick().finally(() => (running = null));
  }, tickMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/** Small batches with a breather between them: a purge of a million rows never stalls delivery. */
const BATCH = 1000;

export interface RetentionOptions {
  retentionDays: number;
  /** Stops early when the process is shutting down. */
  shouldStop?: () => boolean;
}

/**
 * One retention pass: clear payloads past their own retention, then delete attempts and
 * messages older than the retention period, a batch at a time until none are left.
 */
export async function runRetention(store: Store, clock: Clock, options: RetentionOptions): Promise<number> {
  const cutoff = clock.now() - options.retentionDays * 24 * 3_600_000;
  const steps = [
    () => store.retention.expirePayloads(clock.now(), BATCH),
    () => store.retention.deleteAttemptsBefore(cutoff, BATCH),
    () => store.retention.deleteMessagesBefore(cutoff, BATCH),
  ];
  let total = 0;
  for (const step of steps) {
    for (;;) {
      if (options.shouldStop?.()) return total;
      const changed = await step();
      total += changed;
      if (changed < BATCH) break;
      // Let deliveries and API requests queued behind this batch run before the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return total;
}
