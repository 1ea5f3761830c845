import type Database from "better-sqlite3";
import type { InspectedRequest, Inspector, InspectorRepository } from "../store.ts";
import * as inspectorRows from "../rows/inspectors.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteInspectors implements InspectorRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(i: Inspector): Promise<void> {
    await this.writer.run(() =>
      prepared(this.db, "INSERT INTO inspector (id, app_id, url, created_at, expires_at) VALUES (?, ?, ?, ?, ?)").run(
        ...inspectorRows.inspectorValues(i),
      ),
    );
  }

  async get(id: string): Promise<Inspector | undefined> {
    const row = prepared(this.db, "SELECT * FROM inspector WHERE id = ?").get(id) as
      inspectorRows.InspectorRow | undefined;
    return row && inspectorRows.toInspector(row);
  }

  async listLive(appId: string, now: number): Promise<Inspector[]> {
    const rows = prepared(this.db, "SELECT * FROM inspector WHERE app_id = ? AND expires_at > ? ORDER BY id DESC").all(
      appId,
      now,
    ) as inspectorRows.InspectorRow[];
    return rows.map(inspectorRows.toInspector);
  }

  async delete(appId: string, id: string): Promise<boolean> {
    return this.writer.run(() => {
      prepared(
        this.db,
        "DELETE FROM inspector_request WHERE inspector_id IN (SELECT id FROM inspector WHERE id = ? AND app_id = ?)",
      ).run(id, appId);
      return prepared(this.db, "DELETE FROM inspector WHERE id = ? AND app_id = ?").run(id, appId).changes > 0;
    });
  }

  async record(request: InspectedRequest, keep: number): Promise<void> {
    await this.writer.run(() => {
      prepared(
        this.db,
        `INSERT INTO inspector_request (id, inspector_id, received_at, method, headers, body, body_bytes, truncated)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...inspectorRows.inspectedRequestValues(request));
      prepared(
        this.db,
        `DELETE FROM inspector_request WHERE inspector_id = ? AND id NOT IN
           (SELECT id FROM inspector_request WHERE inspector_id = ? ORDER BY id DESC LIMIT ?)`,
      ).run(request.inspectorId, request.inspectorId, keep);
    });
  }

  async requests(inspectorId: string, limit: number): Promise<InspectedRequest[]> {
    const rows = prepared(
      this.db,
      "SELECT * FROM inspector_request WHERE inspector_id = ? ORDER BY id DESC LIMIT ?",
    ).all(inspectorId, limit) as inspectorRows.InspectedRequestRow[];
    return rows.map(inspectorRows.toInspectedRequest);
  }

  async deleteExpired(now: number): Promise<number> {
    return this.writer.run(() => {
      prepared(
        this.db,
        "DELETE FROM inspector_request WHERE inspector_id IN (SELECT id FROM inspector WHERE expires_at <= ?)",
      ).run(now);
      return prepared(this.db, "DELETE FROM inspector WHERE expires_at <= ?").run(now).changes;
    });
  }
}
