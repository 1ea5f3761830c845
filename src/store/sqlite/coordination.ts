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
    const row = await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO job_schedule (name, last_run_at) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at WHERE job_schedule.last_run_at <= ?
         RETURNING name`,
      ).get(name, now, now - intervalMs),
    );
    return row !== undefined;
  }
}
