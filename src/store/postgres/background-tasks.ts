import type { BackgroundTask } from "../../core/background-task.ts";
import { taskConditions, taskInsertValues, toTask, type TaskRow } from "../rows/background-tasks.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import type { BackgroundTaskFilter, BackgroundTaskRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";

/**
 * Claimed as deliveries are (deliveries.ts, CLAIM_DUE): FOR UPDATE SKIP LOCKED, and a row another
 * process leased and committed meanwhile fails the re-checked lease condition, so no task is
 * returned to two processes.
 */
const CLAIM = `
  UPDATE background_task SET lease_owner = $1, lease_until = $2
  WHERE id IN (
    SELECT id FROM background_task
    WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= $3)
    ORDER BY id LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING *`;

export class PostgresBackgroundTasks implements BackgroundTaskRepository {
  constructor(private readonly db: Queryable) {}

  async insert(t: BackgroundTask, leaseOwner: string | null, leaseUntil: number | null): Promise<void> {
    await this.db.query(
      `INSERT INTO background_task (id, app_id, kind, status, params, cursor, data, lease_owner, lease_until,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10, $11)`,
      taskInsertValues(t, leaseOwner, leaseUntil),
    );
  }

  async get(id: string): Promise<BackgroundTask | undefined> {
    const { rows } = await this.db.query<TaskRow>("SELECT * FROM background_task WHERE id = $1", [id]);
    return rows[0] && toTask(rows[0], POSTGRES_COLUMNS);
  }

  async list(filter: BackgroundTaskFilter, page: PageRequest): Promise<Page<BackgroundTask>> {
    const params = new Params();
    const where = taskConditions(filter, (value) => params.add(value));
    return paginate<TaskRow, BackgroundTask>(
      this.db,
      { from: "background_task", where, params, key: "id" },
      page,
      (r) => toTask(r, POSTGRES_COLUMNS),
      (r) => r.id,
    );
  }

  async claim(owner: string, now: number, leaseUntil: number, limit: number): Promise<BackgroundTask[]> {
    if (limit <= 0) return [];
    const { rows } = await this.db.query<TaskRow>(CLAIM, [owner, leaseUntil, now, limit]);
    return rows.map((r) => toTask(r, POSTGRES_COLUMNS)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async checkpoint(t: BackgroundTask, owner: string, leaseUntil: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE background_task SET cursor = $1, data = $2::jsonb, updated_at = $3, lease_until = $4
       WHERE id = $5 AND lease_owner = $6 AND status = 'running'`,
      [t.cursor, json(t.data), t.updatedAt, leaseUntil, t.id, owner],
    );
    return rowCount === 1;
  }

  async finish(t: BackgroundTask, owner: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE background_task SET status = $1, cursor = $2, data = $3::jsonb, updated_at = $4, lease_owner = NULL,
         lease_until = NULL WHERE id = $5 AND lease_owner = $6 AND status = 'running'`,
      [t.status, t.cursor, json(t.data), t.updatedAt, t.id, owner],
    );
    return rowCount === 1;
  }

  async release(owner: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      "UPDATE background_task SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[]) AND lease_owner = $2",
      [ids, owner],
    );
  }
}
