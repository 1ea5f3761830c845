import type Database from "better-sqlite3";
import type { Application } from "../../core/entities.ts";
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as applicationRows from "../rows/applications.ts";
import type { ApplicationRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

const readApplication = (r: applicationRows.ApplicationRow): Application =>
  applicationRows.toApplication(r, SQLITE_COLUMNS);

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
      ).run(...applicationRows.applicationInsertValues(a)),
    );
  }

  async get(idOrUid: string): Promise<Application | undefined> {
    const row = prepared(this.db, "SELECT * FROM application WHERE id = ? OR uid = ? ORDER BY id = ? DESC LIMIT 1").get(
      idOrUid,
      idOrUid,
      idOrUid,
    ) as applicationRows.ApplicationRow | undefined;
    return row && readApplication(row);
  }

  async list(page: PageRequest): Promise<Page<Application>> {
    return paginate<applicationRows.ApplicationRow, Application>(
      this.db,
      {
        from: "application",
        where: [...applicationRows.LISTED_APPLICATIONS],
        params: [],
        key: "id",
      },
      page,
      readApplication,
      (r) => r.id,
    );
  }

  async update(a: Application): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE application SET uid = ?, name = ?, throttle_rate = ?, metadata = ?, updated_at = ? WHERE id = ?",
      ).run(...applicationRows.applicationUpdateValues(a)),
    );
  }

  async delete(id: string): Promise<void> {
    await this.writer.run(() => prepared(this.db, "DELETE FROM application WHERE id = ?").run(id));
  }
}
