import type { Clock } from "../core/clock.ts";
import { BatchPacer, pauseBetweenBatches } from "./retention-pacer.ts";
import type { PurgeStep, RetentionPacing, RetentionStrategy } from "./retention-strategy.ts";

export interface RetentionOptions {
  retentionDays: number;
  /** Stops early when the process is shutting down. */
  shouldStop?: () => boolean;
  /** Overrides of the dialect's batch sizing and pause (tests). */
  pacing?: Partial<RetentionPacing>;
  /** Waits between batches; a real timer unless a test wants to act while the pass is paused. */
  pause?: (ms: number) => Promise<void>;
  /**
   * Waits, before each batch, until starting one would delay no delivery about to be sent (see
   * delivery/pending-sends.ts). Absent in processes without a worker.
   */
  beforeBatch?: () => Promise<unknown>;
  /** While the pass runs, the dialect's blocking commits wait for this first (see PassHooks). */
  commitGate?: () => Promise<unknown>;
}

/**
 * One retention pass: what the dialect removes wholesale first (PostgreSQL's expired partitions),
 * then its steps in order (payloads past their own retention, attempts and messages older than
 * the retention period, the stats rows of those minutes, …), each until none are left. Each step
 * goes in small timed batches, each resuming where the previous one stopped, with a real pause
 * after each (a timer, so deliveries and API requests that arrived meanwhile run first) that
 * keeps the pass to a bounded share of the process and the database; see retention-pacer.ts for
 * the numbers. Returns the history rows removed.
 */
export async function runRetention(
  strategy: RetentionStrategy,
  clock: Clock,
  options: RetentionOptions,
): Promise<number> {
  const now = clock.now();
  const cutoff = now - options.retentionDays * 24 * 3_600_000;
  const pacing = { ...strategy.pacing, ...options.pacing };
  const pause = options.pause ?? pauseBetweenBatches;
  const pass = await strategy.beginPass(now, cutoff, {
    before: options.beforeBatch,
    pause,
    commitGate: options.commitGate,
  });
  try {
    let total = pass.removed;
    for (const step of pass.steps) {
      const changed = await purgeInBatches(pacing, options, step);
      if (step.counted) total += changed;
    }
    return total;
  } finally {
    await pass.end();
  }
}

/** Runs one step of the pass to its end (a batch that changed fewer rows than asked) or until told to stop. */
async function purgeInBatches(pacing: RetentionPacing, options: RetentionOptions, step: PurgeStep): Promise<number> {
  // One pacer per step: a message with its delivery costs about twice an attempt row.
  const pacer = new BatchPacer(pacing);
  const pause = options.pause ?? pauseBetweenBatches;
  let total = 0;
  while (!options.shouldStop?.()) {
    await options.beforeBatch?.();
    if (options.shouldStop?.()) break;
    const limit = pacer.batchSize;
    const started = performance.now();
    const { changed, heldMs } = await step.batch(limit);
    total += changed;
    if (changed < limit) break;
    await pause(pacer.record(changed, heldMs ?? performance.now() - started));
  }
  return total;
}
