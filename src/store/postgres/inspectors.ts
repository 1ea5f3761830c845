import type { InspectedRequest, Inspector, InspectorRepository } from "../store.ts";
import * as inspectorRows from "../rows/inspectors.ts";
import type { Queryable } from "./sql.ts";

/** Foreign keys cascade, so deleting an inspector deletes what it received. */
export class PostgresInspectors implements InspectorRepository {
  constructor(private readonly db: Queryable) {}

  async insert(i: Inspector): Promise<void> {
    await this.db.query(
      "INSERT INTO inspector (id, app_id, url, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      inspectorRows.inspectorValues(i),
    );
  }

  async get(id: string): Promise<Inspector | undefined> {
    const { rows } = await this.db.query<inspectorRows.InspectorRow>("SELECT * FROM inspector WHERE id = $1", [id]);
    return rows[0] && inspectorRows.toInspector(rows[0]);
  }

  async listLive(appId: string, now: number): Promise<Inspector[]> {
    const { rows } = await this.db.query<inspectorRows.InspectorRow>(
      "SELECT * FROM inspector WHERE app_id = $1 AND expires_at > $2 ORDER BY id DESC",
      [appId, now],
    );
    return rows.map(inspectorRows.toInspector);
  }

  async delete(appId: string, id: string): Promise<boolean> {
    const { rowCount } = await this.db.query("DELETE FROM inspector WHERE id = $1 AND app_id = $2", [id, appId]);
    return (rowCount ?? 0) > 0;
  }

  async record(request: InspectedRequest, keep: number): Promise<void> {
    await this.db.query(
      `WITH added AS (
         INSERT INTO inspector_request (id, inspector_id, received_at, method, headers, body, body_bytes, truncated)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       )
       DELETE FROM inspector_request WHERE inspector_id = $2 AND id NOT IN
         (SELECT id FROM inspector_request WHERE inspector_id = $2 ORDER BY id DESC LIMIT $9 - 1)`,
      [...inspectorRows.inspectedRequestValues(request), keep],
    );
  }

  async requests(inspectorId: string, limit: number): Promise<InspectedRequest[]> {
    const { rows } = await this.db.query<inspectorRows.InspectedRequestRow>(
      "SELECT * FROM inspector_request WHERE inspector_id = $1 ORDER BY id DESC LIMIT $2",
      [inspectorId, limit],
    );
    return rows.map(inspectorRows.toInspectedRequest);
  }

  async deleteExpired(now: number): Promise<number> {
    const { rowCount } = await this.db.query("DELETE FROM inspector WHERE expires_at <= $1", [now]);
    return rowCount ?? 0;
  }
}
