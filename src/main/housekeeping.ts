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
