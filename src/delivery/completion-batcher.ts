import type { DeliveryOutcome, DeliveryRepository } from "../store/store.ts";

interface Waiting {
  outcome: DeliveryOutcome;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Outcomes per write: PostgreSQL's statement carries 13 arrays of this length, SQLite's write loops. */
const MAX_BATCH = 500;

/**
 * Records the outcomes of the attempts that finished in the same event-loop turn with one
 * `complete()` call: one write (SQLite: one entry in the group commit; PostgreSQL: one statement
 * and one commit) instead of one per attempt. Each caller still learns whether its own outcome
 * was recorded. `complete()` is atomic, so when a batch fails as a whole (say one attempt names a
 * message deleted meanwhile) nothing of it was written, and each outcome is then recorded on its
 * own: only the one that cannot be recorded fails.
 */
export class CompletionBatcher {
  private queue: Waiting[] = [];
  private latestNow = 0;
  private scheduled = false;

  constructor(
    private readonly deliveries: DeliveryRepository,
    private readonly owner: string,
  ) {}

  /** Resolves once the outcome is durable; `now` stamps the delivery (the batch uses its latest). */
  complete(outcome: DeliveryOutcome, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ outcome, resolve, reject });
      if (now > this.latestNow) this.latestNow = now;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const now = this.latestNow;
    this.latestNow = 0;
    while (this.queue.length > 0) void this.write(this.queue.splice(0, MAX_BATCH), now);
  }

  private async write(batch: Waiting[], now: number): Promise<void> {
    try {
      await this.deliveries.complete(
        this.owner,
        batch.map((w) => w.outcome),
        now,
      );
      for (const w of batch) w.resolve();
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      await Promise.all(batch.map((w) => this.write([w], now)));
    }
  }
}
