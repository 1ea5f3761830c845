import type Database from "better-sqlite3";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { siblingModule } from "../../module-location.ts";
import { historySteps, type HistoryPurges } from "../../retention/purge-steps.ts";
import type {
  PassHooks,
  RetentionBatch,
  RetentionPacing,
  RetentionPass,
  RetentionStrategy,
} from "../../retention/retention-strategy.ts";
import type { SqliteOptions } from "./open-database.ts";
import type { RetentionBatchKind } from "./retention-batches.ts";
import type { RetentionReply, RetentionRequest, RetentionThreadData } from "./retention-thread.ts";
import type { SqliteStore } from "./sqlite-store.ts";
import type { WriteBatcher } from "./write-batcher.ts";
import { RETENTION_THREAD, type WriteLock } from "./write-lock.ts";

/**
 * Retention in small batches, each its own short transaction beside the group-commit writer
 * rather than inside it, run on a thread of their own with their own connection to the file.
 *
 * On the event loop a batch stopped everything else while it ran, ~2 ms each: deliveries taken
 * on just before a batch waited for it. Paced (see retention/retention-pacer.ts), waiting for pending sends
 * first and gating the group commit, the purge still raised delivery p99 from ~0.7 to ~1.0 ms at
 * 300 msg/s. On the thread the event loop only waits, asynchronously, for the write lock
 * (write-lock.ts) when a group commit falls inside a batch; sends never wait for a batch.
 *
 * A batch pays for its own disk work inside its own time slot: it commits with the store's
 * synchronous setting (an fsync at FULL), and since it writes most of the log's pages, its commit
 * is usually the one that runs the automatic checkpoint. Committed at NORMAL, its pages were
 * flushed by the next API commit's fsync instead, and delivery p99 rose 1.5–1.7×.
 */
export class SqliteRetention implements RetentionStrategy, HistoryPurges {
  /**
   * ~1 ms of write lock per batch (its commit's fsync included), then three times as long for
   * everything else: a group commit that arrives during a batch waits at most about that long.
   * With 2-ms holds the purge's delivery p99 was 0.89–1.0 ms and the API's p99 6.9–7.7 ms (two
   * runs); with 1-ms holds 0.55–0.74 and 5.2–5.8 ms, the pass taking 35–47 s instead of 29–34 s
   * for a million rows; with checkpoints moved out of the lock (retention-thread.ts), 26–35 s.
   */
  readonly pacing: RetentionPacing = { targetBatchMs: 1, share: 0.25, minBatch: 10, maxBatch: 5000, initialBatch: 50 };
  private thread: RetentionThread | null = null;
  private readonly db: Database.Database;
  private readonly writer: WriteBatcher;
  private readonly lock: WriteLock;
  private readonly options: SqliteOptions;

  constructor(store: SqliteStore) {
    this.db = store.db;
    this.writer = store.writer;
    this.lock = store.writeLock;
    this.options = { synchronous: synchronousOf(store.db) };
  }

  /**
   * Nothing goes wholesale: every step is a batched one. The purge's I/O makes every group commit
   * slower (each fsync has more to flush, checkpoints copy more pages), and a commit that runs
   * between a delivery's hand-over and its send holds the send back: it happened to 4.5–6% of
   * deliveries during a purge, 1.7% without. While a pass runs, the group commit first waits for
   * the commit gate (sends on the wire, 2 ms at most).
   */
  async beginPass(now: number, cutoff: number, hooks: PassHooks): Promise<RetentionPass> {
    const gate = hooks.commitGate;
    if (gate) this.writer.yieldTo = gate;
    return {
      removed: 0,
      steps: historySteps(this, now, cutoff),
      end: async () => {
        if (gate) this.writer.yieldTo = null;
        await this.stopThread();
      },
    };
  }

  expirePayloads(now: number, limit: number, from: number): Promise<RetentionBatch<number>> {
    return this.batch("expirePayloads", [now, limit, from]) as Promise<RetentionBatch<number>>;
  }

  deleteStatsBefore(cutoff: number, limit: number, from: number): Promise<RetentionBatch<number>> {
    return this.batch("deleteStatsBefore", [cutoff, limit, from]) as Promise<RetentionBatch<number>>;
  }

  deleteAttemptsBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>> {
    return this.batch("deleteAttemptsBefore", [cutoff, limit, from]) as Promise<RetentionBatch<string>>;
  }

  deleteMessagesBefore(cutoff: number, limit: number, from: string): Promise<RetentionBatch<string>> {
    return this.batch("deleteMessagesBefore", [cutoff, limit, from]) as Promise<RetentionBatch<string>>;
  }

  /** Whether the thread is up: from a pass's first batch to its end. */
  get threadRunning(): boolean {
    return this.thread !== null;
  }

  /** Stops the thread (its connection and ~10 MB of heap) until the next pass needs it. */
  private async stopThread(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    await thread?.close();
  }

  private batch(kind: RetentionBatchKind, args: RetentionRequest["args"]): Promise<RetentionBatch<unknown>> {
    // The thread opens the same file; an in-memory database has no second connection.
    if (this.db.memory) return Promise.reject(new Error("SQLite retention needs a database file"));
    this.thread ??= new RetentionThread(
      { dataDir: path.dirname(this.db.name), options: this.options, lock: this.lock.buffer },
      this.lock,
      (ended) => {
        if (this.thread === ended) this.thread = null;
      },
    );
    return this.thread.run(kind, args);
  }
}

/**
 * The thread's module. Run from the sources, it is loaded through tsx like the rest of them
 * (bin/hookline.js), by a bootstrap that registers tsx first; from dist/, directly.
 */
const THREAD_MODULE = siblingModule(import.meta.url, "./retention-thread");
const THREAD_ENTRY: [string | URL, { eval: boolean }] = THREAD_MODULE.needsTsx
  ? [
      `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(THREAD_MODULE.url.href)}); });`,
      { eval: true },
    ]
  : [THREAD_MODULE.url, { eval: false }];

/** The event loop's side of one retention thread: requests out, replies matched back by id. */
class RetentionThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<
    number,
    { resolve: (b: RetentionBatch<unknown>) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private readonly exited: Promise<void>;

  constructor(data: RetentionThreadData, lock: WriteLock, onExit: (thread: RetentionThread) => void) {
    // No inherited flags: from the sources, the bootstrap registers tsx itself.
    const [entry, how] = THREAD_ENTRY;
    this.worker = new Worker(entry, { ...how, workerData: data, execArgv: [] });
    this.worker.on("message", (reply: RetentionReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if ("error" in reply) waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiter.resolve({ changed: reply.changed, next: reply.next, heldMs: reply.heldMs });
    });
    this.exited = new Promise<void>((resolve) => {
      let over = false;
      const ended = (cause: Error) => {
        if (over) return;
        over = true;
        // A thread that died inside a batch must not leave the group commit waiting forever.
        lock.release(RETENTION_THREAD);
        for (const waiter of this.waiting.values()) waiter.reject(cause);
        this.waiting.clear();
        onExit(this);
        resolve();
      };
      this.worker.on("error", (error) => ended(error));
      this.worker.on("exit", (code) => ended(new Error(`the retention thread exited (code ${code})`)));
    });
  }

  run(kind: RetentionBatchKind, args: RetentionRequest["args"]): Promise<RetentionBatch<unknown>> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, kind, args } satisfies RetentionRequest);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage("close");
    await this.exited;
  }
}

/** PRAGMA synchronous answers 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA; the store sets only NORMAL or FULL. */
const synchronousOf = (db: Database.Database): SqliteOptions["synchronous"] =>
  Number(db.pragma("synchronous", { simple: true })) >= 2 ? "FULL" : "NORMAL";
