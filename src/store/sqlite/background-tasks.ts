import type Database from "better-sqlite3";
import type { BackgroundTask } from "../../core/background-task.ts";
import { positional } from "../rows/bind.ts";
import { taskConditions, taskInsertValues, toTask, type TaskRow } from "../rows/background-tasks.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import type { BackgroundTaskFilter, BackgroundTaskRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

/** One process per SQLite file, so a lease here only guards against a restart finding a live task. */
export class SqliteBackgroundTasks implements BackgroundTaskRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(t: BackgroundTask, leaseOwner: string | null, leaseUntil: number | null): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO background_task (id, app_id, kind, status, params, cursor, data, lease_owner, lease_until,
           created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...taskInsertValues(t, leaseOwner, leaseUntil)),
    );
  }

  async get(id: string): Promise<BackgroundTask | undefined> {
    const row = prepared(this.db, "SELECT * FROM background_task WHERE id = ?").get(id) as TaskRow | undefined;
    return row && toTask(row, SQLITE_COLUMNS);
  }

  async list(filter: BackgroundTaskFilter, page: PageRequest): Promise<Page<BackgroundTask>> {
    const params: unknown[] = [];
    const where = taskConditions(filter, positional(params));
    return paginate<TaskRow, BackgroundTask>(
      this.db,
      { from: "background_task", where, params, key: "id" },
      page,
      (r) => toTask(r, SQLITE_COLUMNS),
      (r) => r.id,
    );
  }

  async claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<BackgroundTask[]> {
    const rows = await this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE background_task SET lease_owner = ?, lease_until = ?
           WHERE id IN (SELECT id FROM background_task WHERE status = 'running'
                        AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?)
           RETURNING *`,
        ).all(owner, leaseUntil, now, limit) as TaskRow[],
    );
    return rows.map((r) => toTask(r, SQLITE_COLUMNS)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async checkpoint(t: BackgroundTask, owner: string, leaseUntil: number): Promise<boolean> {
    const changed = await this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE background_task SET cursor = ?, data = ?, updated_at = ?, lease_until = ?
           WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        ).run(t.cursor, JSON.stringify(t.data), t.updatedAt, leaseUntil, t.id, owner).changes,
    );
    return changed === 1;
  }

  async finish(t: BackgroundTask, owner: string): Promise<boolean> {
    const changed = await this.writer.run(
      () =>
        prepared(
          this.db,
          `UPDATE background_task SET status = ?, cursor = ?, data = ?, updated_at = ?, lease_owner = NULL,
             lease_until = NULL WHERE id = ? AND lease_owner = ? AND status = 'running'`,
        ).run(t.status, t.cursor, JSON.stringify(t.data), t.updatedAt, t.id, owner).changes,
    );
    return changed === 1;
  }

  async release(owner: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.writer.run(() => {
      const free = prepared(
        this.db,
        "UPDATE background_task SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
      );
      for (const id of ids) free.run(id, owner);
    });
  }
}
