import type Database from "better-sqlite3";
import type { BackgroundTask, BackgroundTaskKind, BackgroundTaskStatus } from "../../core/background-task.ts";
import type { BackgroundTaskFilter, BackgroundTaskRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

interface TaskRow {
  id: string;
  app_id: string | null;
  kind: string;
  status: string;
  params: string;
  cursor: string | null;
  data: string;
  created_at: number;
  updated_at: number;
}

const toTask = (r: TaskRow): BackgroundTask => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind as BackgroundTaskKind,
  status: r.status as BackgroundTaskStatus,
  params: JSON.parse(r.params) as Record<string, unknown>,
  cursor: r.cursor,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

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
      ).run(
        t.id,
        t.appId,
        t.kind,
        t.status,
        JSON.stringify(t.params),
        t.cursor,
        JSON.stringify(t.data),
        leaseOwner,
        leaseUntil,
        t.createdAt,
        t.updatedAt,
      ),
    );
  }

  async get(id: string): Promise<BackgroundTask | undefined> {
    const row = prepared(this.db, "SELECT * FROM background_task WHERE id = ?").get(id) as TaskRow | undefined;
    return row && toTask(row);
  }

  async list(filter: BackgroundTaskFilter, page: PageRequest): Promise<Page<BackgroundTask>> {
    const conditions: [string, unknown][] = [
      ["status = ?", filter.status],
      ["kind = ?", filter.kind],
      ["app_id = ?", filter.appId],
    ].filter(([, value]) => value !== undefined) as [string, unknown][];
    const where = conditions.map(([condition]) => condition);
    const params = conditions.map(([, value]) => value);
    return paginate<TaskRow, BackgroundTask>(
      this.db,
      { from: "background_task", where, params, key: "id" },
      page,
      toTask,
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
    return rows.map(toTask).sort((a, b) => (a.id < b.id ? -1 : 1));
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
