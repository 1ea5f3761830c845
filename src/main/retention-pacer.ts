/**
 * How a retention pass shares the process and the database with deliveries. Measured on the
 * reference machine (2 cores, 1M expired rows, bench/retention.md): unpaced 1,000-row batches took
 * 12–40 ms each back to back and raised delivery p99 2–4×; a batch of ~2 ms followed by a pause of
 * three times its length keeps each stall short and the purge to a quarter of the time.
 */
export interface Pacing {
  /** Work per batch to aim at, ms: the longest stall a delivery waiting behind a batch should see. */
  targetBatchMs: number;
  /** Share of wall time the purge may use: the pause after a batch is `batchMs × (1 − share) / share`. */
  share: number;
  minBatch: number;
  maxBatch: number;
  /** Size of the first batch, before any has been timed. */
  initialBatch: number;
}

export const DEFAULT_PACING: Pacing = {
  targetBatchMs: 2,
  share: 0.25,
  // Below ~10 rows per batch the per-transaction overhead dominates and the purge crawls.
  minBatch: 10,
  maxBatch: 5000,
  initialBatch: 50,
};

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

  constructor(private readonly pacing: Pacing = DEFAULT_PACING) {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));
