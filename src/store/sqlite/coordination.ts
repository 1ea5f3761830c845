import type Database from "better-sqlite3";
import type { CoordinationRepository } from "../store.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

/**
 * SQLite is one machine's file: processes sharing it find new work by polling (once a second),
 * so there is no one to notify. Jobs still go through the database so that two processes on the
 * same file do not both run them.
 */
export class SqliteCoordination implements CoordinationRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async notifyWork(): Promise<void> {}

  async watchForWork(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async claimJob(name: string, intervalMs: number, now: number): Promise<boolean> {
    // One savepoint in the serialised writer, so the read and the write cannot interleave with
    // another claim of this process; other processes wait for the write lock.
    return this.writer.run(() => {
      const seen = prepared(this.db, "SELECT 1 FROM job_schedule WHERE name = ?").get(name);
      if (!seen) {
        prepared(this.db, "INSERT INTO job_schedule (name, last_run_at) VALUES (?, ?)").run(name, now);
        return false;
      }
      return (
        prepared(this.db, "UPDATE job_schedule SET last_run_at = ? WHERE name = ? AND last_run_at <= ?").run(
          now,
          name,
          now - intervalMs,
        ).changes === 1
      );
    });
  }
}
