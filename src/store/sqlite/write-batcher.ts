import type Database from "better-sqlite3";
import { EVENT_LOOP, WriteLock } from "./write-lock.ts";

type Pending = { run: () => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };

/**
 * Group commit. Writes requested while the event loop is busy are collected and committed in
 * one transaction on the next turn, then every caller is answered. With synchronous=FULL the
 * fsync is what a commit costs, so one fsync covering many requests multiplies throughput
 * (docs/benchmarks.md, "Figures behind design choices"; docs/architecture.md, the store boundary).
 *
 * Each write runs in its own savepoint, so one failing write (say a unique-key conflict) rejects
 * only its own caller while the rest of the batch commits. The transaction and savepoint
 * statements are prepared once: better-sqlite3's nested `db.transaction(fn)()` builds a wrapper
 * per call, which cost ~5 µs a write (a tenth of a message's whole store time).
 *
 * A failed commit (disk full, read-only file, a deferred constraint) leaves nothing of the batch
 * durable: every caller of the batch is rejected, the transaction is rolled back and the next
 * batch starts clean.
 */
export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    /** Shared with the retention thread's connection (write-lock.ts); each flush holds it. */
    private readonly lock: WriteLock = new WriteLock(),
    private readonly maxBatch = 2000,
  ) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT hookline_write");
    this.release = db.prepare("RELEASE hookline_write");
    this.rollbackTo = db.prepare("ROLLBACK TO hookline_write");
  }

  /** Waited for before each flush, when set (see SqliteRetention.beginPass). */
  yieldTo: (() => Promise<unknown>) | null = null;

  private schedule(): void {
    this.scheduled = true;
    setImmediate(() => {
      // The common case stays synchronous: no gate, and the lock free.
      if (!this.yieldTo && this.lock.tryAcquire(EVENT_LOOP)) this.flushHolding();
      else void this.flushWhenAllowed();
    });
  }

  private async flushWhenAllowed(): Promise<void> {
    // A gate that fails must not strand the queued writes: they go anyway.
    if (this.yieldTo) await this.yieldTo().catch(() => undefined);
    await this.lock.acquire(EVENT_LOOP);
    this.flushHolding();
  }

  private flushHolding(): void {
    try {
      this.flush();
    } finally {
      this.lock.release(EVENT_LOOP);
    }
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: write, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) this.schedule();
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.length <= this.maxBatch ? this.queue.splice(0) : this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) this.schedule();
    const results: { ok: boolean; value: unknown }[] = new Array(batch.length);
    try {
      this.begin.run();
      for (let i = 0; i < batch.length; i++) results[i] = this.runOne(batch[i]!);
      this.commit.run();
    } catch (commitError) {
      // Nothing in the batch is durable. SQLite keeps a transaction open after some failed
      // COMMITs (a deferred constraint): end it, or every later batch would fail to BEGIN.
      if (this.db.inTransaction) {
        try {
          this.rollback.run();
        } catch {
          // Already rolled back by SQLite itself.
        }
      }
      for (const item of batch) item.reject(commitError);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const r = results[i]!;
      if (r.ok) batch[i]!.resolve(r.value);
      else batch[i]!.reject(r.value);
    }
  }

  /** One write in its own savepoint; throws only when the whole transaction is lost. */
  private runOne(item: Pending): { ok: boolean; value: unknown } {
    this.savepoint.run();
    try {
      const value = item.run();
      this.release.run();
      return { ok: true, value };
    } catch (error) {
      // Some errors (SQLITE_FULL, SQLITE_IOERR) make SQLite roll back the whole transaction:
      // the earlier writes of the batch are gone too, so the batch as a whole fails.
      if (!this.db.inTransaction) throw error;
      this.rollbackTo.run();
      this.release.run();
      return { ok: false, value: error };
    }
  }
}
