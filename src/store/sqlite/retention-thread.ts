import type Database from "better-sqlite3";
import { parentPort, workerData } from "node:worker_threads";
import { openConnection, type SqliteOptions } from "./open-database.ts";
import { retentionBatches, type RetentionBatchKind } from "./retention-batches.ts";
import { RETENTION_THREAD, WriteLock } from "./write-lock.ts";

/**
 * The retention thread (started by retention.ts): runs each batch it is sent on its own
 * connection, in its own write transaction, holding the write lock it shares with the event
 * loop's group commit. Replies with the batch's result and how long it held the lock.
 *
 * The thread keeps the process's scheduling priority on purpose: everything it does happens
 * while it holds the write lock, so a lower priority only made the group commit wait longer
 * behind a preempted batch (purge delivery p99 at nice 10: 0.72–2.27 ms in five runs, two over the
 * bound; at nice 0: 0.55–1.03 ms in seven; see docs/history/benchmarks-log.md).
 */
export interface RetentionThreadData {
  dataDir: string;
  options: SqliteOptions;
  lock: SharedArrayBuffer;
}
export type RetentionRequest = { id: number; kind: RetentionBatchKind; args: [number, number, number | string] };
export type RetentionReply =
  | { id: number; changed: number; next: number | string; heldMs: number }
  | { id: number; error: { message: string; code?: string } };

const port = parentPort;
if (port) {
  const data = workerData as RetentionThreadData;
  const db = openConnection(data.dataDir, data.options);
  const lock = new WriteLock(data.lock);
  // Checkpoints after each batch instead, outside the lock (see below).
  db.pragma("wal_autocheckpoint = 0");
  port.on("message", (request: RetentionRequest | "close") => {
    if (request === "close") {
      db.close();
      port.close();
      return;
    }
    lock.acquireBlocking(RETENTION_THREAD);
    const took = performance.now();
    let reply: RetentionReply;
    try {
      const run = retentionBatches[request.kind] as (
        db: Database.Database,
        ...args: RetentionRequest["args"]
      ) => { changed: number; next: number | string };
      const batch = db.transaction(() => run(db, ...request.args)).immediate();
      reply = { id: request.id, ...batch, heldMs: performance.now() - took };
    } catch (error) {
      const e = error as { message?: string; code?: string };
      reply = { id: request.id, error: { message: String(e.message ?? error), code: e.code } };
    } finally {
      lock.release(RETENTION_THREAD);
    }
    port.postMessage(reply);
    // The batch's pages go into the database file now, while the event loop's commits go on: a
    // passive checkpoint takes no write lock. Left to the automatic checkpoint, the copy ran
    // inside a commit holding the lock (this thread's, as it writes most pages, or the event
    // loop's): API p99 during a pass was 5.2–5.8 ms; checkpointing here, 3.4–3.8 ms in four of
    // five runs (14 ms in one with a disk stall), and the pass got faster (26–35 s).
    try {
      db.pragma("wal_checkpoint(PASSIVE)");
    } catch {
      // An I/O error here is the next commit's to report; the next batch checkpoints again.
    }
  });
}
