/**
 * How one database dialect removes expired history, as the retention runner (run-retention.ts)
 * drives it. The runner owns this interface; each dialect implements it beside its SQL
 * (store/sqlite/retention.ts, store/postgres/retention.ts), and the composition root builds the
 * one of the opened store (main/retention-for-store.ts). The `Store` does not carry it: only the
 * periodic retention job uses it.
 */
export interface RetentionStrategy {
  /** How big this dialect's batches should be and how far apart (the costs differ by dialect). */
  readonly pacing: RetentionPacing;
  /**
   * Starts a pass that removes what expired by `now`: history created before `cutoff`, payloads
   * whose own retention has passed. Does first what the dialect removes wholesale (PostgreSQL
   * drops expired time partitions, waiting on `hooks` around each), and returns the steps left
   * to run in batches. The runner ends the pass (`RetentionPass.end`) however it finishes.
   */
  beginPass(now: number, cutoff: number, hooks: PassHooks): Promise<RetentionPass>;
}

/** One pass under way: what it removed as it began, its batched steps, and its end. */
export interface RetentionPass {
  /** Rows removed wholesale as the pass began (counted in the pass's total). */
  readonly removed: number;
  /** The steps, in the order they run; each runs in batches until a batch comes back short. */
  readonly steps: readonly PurgeStep[];
  /** Called when the pass ends (also early, or failed): frees what the dialect holds only while one runs. */
  end(): Promise<void>;
}

/**
 * One kind of row a pass removes, in small batches. Each batch is one short transaction at most
 * `limit` rows long, so the runner can pause between them and never hold long locks while
 * deliveries run; each goes on from where the previous one stopped (purge-steps.ts).
 */
export interface PurgeStep {
  /** What it removes, also its operation label (`retention.<name>`, observability/retention-metrics.ts). */
  readonly name: string;
  /** Whether its rows count in the total the pass reports (history rows do; stats rows and keys do not). */
  readonly counted: boolean;
  /** Removes at most `limit` more rows; fewer than `limit` means the step is done. */
  batch(limit: number): Promise<{ changed: number; heldMs?: number }>;
}

/** What a pass waits on around each wholesale step (see RetentionStrategy.beginPass). */
export interface WholesalePacing {
  /** Before each step: the pass's `beforeBatch` (a moment when no delivery is about to be sent). */
  before?: () => Promise<unknown>;
  /** After each step, for `ms`: the pass's pause (a real timer unless a test replaces it). */
  pause: (ms: number) => Promise<void>;
}

/** What the runner hands a pass as it begins; each dialect uses what applies to it. */
export interface PassHooks extends WholesalePacing {
  /**
   * While the pass runs, commits that block the process should wait for this first (SQLite's
   * group commit: see store/sqlite/retention.ts). Absent in processes without a worker.
   */
  commitGate?: () => Promise<unknown>;
}

/** How a retention pass sizes and spaces its batches (retention-pacer.ts applies it). */
export interface RetentionPacing {
  /** Work per batch to aim at, ms: the longest a batch may hold up whatever is waiting behind it. */
  targetBatchMs: number;
  /** Share of wall time the purge may use: the pause after a batch is `batchMs × (1 − share) / share`. */
  share: number;
  minBatch: number;
  maxBatch: number;
  /** Size of the first batch, before any has been timed. */
  initialBatch: number;
}

/** What one batch of a dialect's purge did, and where the next one starts. */
export interface RetentionBatch<K> {
  /** Rows changed (deliveries deleted with their message are not counted). */
  changed: number;
  /** Where the next batch starts: the last key this one changed, or `from` when it changed none. */
  next: K;
  /**
   * How long the batch kept others waiting, ms, when the dialect measured it (the SQLite batch's
   * hold of the write lock, on its own thread); otherwise the pacer times the call.
   */
  heldMs?: number;
}
