import type Database from "better-sqlite3";
import type { Application } from "../../core/entities.ts";
import { OPERATIONAL_APP_SETTING, type ApplicationRepository, type Page, type PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, parseJson, prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  throttle_rate: number | null;
  metadata: string;
  created_at: number;
  updated_at: number;
}

const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  uid: r.uid,
  name: r.name,
  throttleRate: r.throttle_rate,
  metadata: parseJson(r.metadata) ?? {},
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqliteApplications implements ApplicationRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(a: Application): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "INSERT INTO application (id, uid, name, throttle_rate, metadata, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(a.id, a.uid, a.name, a.throttleRate, json(a.metadata), a.createdAt, a.updatedAt),
    );
  }

  async get(idOrUid: string): Promise<Application | undefined> {
    const row = prepared(this.db, "SELECT * FROM application WHERE id = ? OR uid = ? ORDER BY id = ? DESC LIMIT 1").get(
      idOrUid,
      idOrUid,
      idOrUid,
    ) as ApplicationRow | undefined;
    return row && toApplication(row);
  }

  async list(page: PageRequest): Promise<Page<Application>> {
    return paginate<ApplicationRow, Application>(
      this.db,
      {
        from: "application",
        // An inbound source's backing application is managed through the source, not listed here.
        where: [
          "id NOT IN (SELECT app_id FROM ingest_source)",
          `id NOT IN (SELECT value FROM setting WHERE name = '${OPERATIONAL_APP_SETTING}')`,
        ],
        params: [],
        key: "id",
      },
      page,
      toApplication,
      (r) => r.id,
    );
  }

  async update(a: Application): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE application SET uid = ?, name = ?, throttle_rate = ?, metadata = ?, updated_at = ? WHERE id = ?",
      ).run(a.uid, a.name, a.throttleRate, json(a.metadata), a.updatedAt, a.id),
    );
  }

  async delete(id: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM application WHERE id = ?").run(id));
  }
}
