import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { RetentionBatch, RetentionPacing, Store } from "../store/store.ts";
import { BatchPacer, pauseBetweenBatches } from "./retention-pacer.ts";

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

export interface RetentionOptions {
  retentionDays: number;
  /** Stops early when the process is shutting down. */
  shouldStop?: () => boolean;
  /** Overrides of the store's batch sizing and pause (tests). */
  pacing?: Partial<RetentionPacing>;
  /** Waits between batches; a real timer unless a test wants to act while the pass is paused. */
  pause?: (ms: number) => Promise<void>;
  /**
   * Waits, before each batch, until starting one would delay no delivery about to be sent (see
   * delivery/pending-sends.ts). Absent in processes without a worker.
   */
  beforeBatch?: () => Promise<unknown>;
  /** While the pass runs, the store's blocking commits wait for this first (see RetentionRepository). */
  commitGate?: () => Promise<unknown>;
}

/**
 * One retention pass: what the store removes wholesale first (PostgreSQL's expired partitions),
 * then clear payloads past their own retention, then delete attempts and messages older than the
 * retention period, and the stats rows of those minutes, until none are left. Each step goes in small timed batches, each resuming
 * where the previous one stopped, with a real pause after each (a timer,
 * so deliveries and API requests that arrived meanwhile run first) that keeps the pass to a
 * bounded share of the process and the database; see retention-pacer.ts for the numbers.
 */
export async function runRetention(store: Store, clock: Clock, options: RetentionOptions): Promise<number> {
  const now = clock.now();
  const cutoff = now - options.retentionDays * 24 * 3_600_000;
  const r = store.retention;
  const pacing = { ...r.pacing, ...options.pacing };
  if (options.commitGate) r.yieldCommitsTo?.(options.commitGate);
  try {
    const wholesale = { before: options.beforeBatch, pause: options.pause ?? pauseBetweenBatches };
    const begun = r.beginPass ? await r.beginPass(now, cutoff, wholesale) : { removed: 0, rowCutoff: cutoff };
    const rowCutoff = begun.rowCutoff;
    let total = begun.removed;
    total += await purgeInBatches(pacing, options, 0, (limit, from) => r.expirePayloads(now, limit, from));
    total += await purgeInBatches(pacing, options, "", (limit, from) => r.deleteAttemptsBefore(rowCutoff, limit, from));
    total += await purgeInBatches(pacing, options, "", (limit, from) => r.deleteMessagesBefore(rowCutoff, limit, from));
    // Stats rows go with the history they summarise: up to the same cutoff as the rows (on
    // PostgreSQL, expired rows whose window is not dropped yet keep their stats too). They are not
    // history rows, so they are not in the count the pass reports.
    await purgeInBatches(pacing, options, 0, (limit, from) => r.deleteStatsBefore(rowCutoff, limit, from));
    if (r.deleteEventKeysBefore) {
      const deleteKeys = r.deleteEventKeysBefore.bind(r);
      await purgeInBatches(pacing, options, "", (limit, from) => deleteKeys(rowCutoff, limit, from));
    }
    return total;
  } finally {
    if (options.commitGate) r.yieldCommitsTo?.(null);
    await r.endPass?.();
  }
}

/** Runs one step of the pass to its end (a batch that changed fewer rows than asked) or until told to stop. */
async function purgeInBatches<K>(
  pacing: RetentionPacing,
  options: RetentionOptions,
  start: K,
  batch: (limit: number, from: K) => Promise<RetentionBatch<K>>,
): Promise<number> {
  // One pacer per step: a message with its delivery costs about twice an attempt row.
  const pacer = new BatchPacer(pacing);
  const pause = options.pause ?? pauseBetweenBatches;
  let from = start;
  let total = 0;
  while (!options.shouldStop?.()) {
    await options.beforeBatch?.();
    if (options.shouldStop?.()) break;
    const limit = pacer.batchSize;
    const started = performance.now();
    const { changed, next, heldMs } = await batch(limit, from);
    total += changed;
    from = next;
    if (changed < limit) break;
    await pause(pacer.record(changed, heldMs ?? performance.now() - started));
  }
  return total;
}
