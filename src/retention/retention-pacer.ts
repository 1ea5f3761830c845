import type { RetentionPacing } from "./retention-strategy.ts";

/**
 * The per-row cost is the median of the last few batches: a one-off stall (a WAL checkpoint, a
 * commit waiting on the disk) does not shrink the batches, a lasting change (rows now read from
 * disk) does within three batches.
 */
const COST_WINDOW = 5;

/**
 * Chooses the size of the next batch from the time the previous ones took (rows cost very
 * different amounts: an attempt row ~10 µs, a message with its delivery ~25 µs, more when pages
 * come from disk), and the pause that keeps the purge to its share of the time.
 */
export class BatchPacer {
  private size: number;
  private readonly costs: number[] = [];

  constructor(private readonly pacing: RetentionPacing) {
    this.size = clamp(pacing.initialBatch, pacing.minBatch, pacing.maxBatch);
  }

  /** How many rows the next batch should take. */
  get batchSize(): number {
    return this.size;
  }

  /** Records that a batch of `rows` rows took `ms`; returns how long to pause before the next one, ms. */
  record(rows: number, ms: number): number {
    const { targetBatchMs, share, minBatch, maxBatch } = this.pacing;
    this.costs.push(ms / Math.max(1, rows));
    if (this.costs.length > COST_WINDOW) this.costs.shift();
    const msPerRow = median(this.costs);
    const wanted = msPerRow > 0 ? targetBatchMs / msPerRow : maxBatch;
    // At most double or halve per batch, so one fast (cached) or slow (checkpoint) batch cannot swing it far.
    this.size = Math.round(clamp(wanted, Math.max(minBatch, this.size / 2), Math.min(maxBatch, this.size * 2)));
    return (ms * (1 - share)) / share;
  }
}

/**
 * Waits `ms`, then lets the next batch start in the check phase, after the event loop's pending
 * immediates rather than in the timers phase before them. The HTTP client (undici 7) writes a
 * webhook on a reused keep-alive connection from a setImmediate after `request()`, so that bytes
 * already waiting on the idle socket are read first; a batch run straight from the timer landed
 * between the send and that write in ~30% of deliveries and delayed them by the whole batch.
 */
export const pauseBetweenBatches = (ms: number): Promise<void> =>
  new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));
