import type { Application } from "../../core/entities.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as applicationRows from "../rows/applications.ts";
import type { ApplicationRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

const readApplication = (r: applicationRows.ApplicationRow): Application =>
  applicationRows.toApplication(r, POSTGRES_COLUMNS);

export class PostgresApplications implements ApplicationRepository {
  constructor(private readonly db: Queryable) {}

  async insert(a: Application): Promise<void> {
    await this.db.query(
      `INSERT INTO application (id, uid, name, throttle_rate, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
      applicationRows.applicationInsertValues(a),
    );
  }

  async get(idOrUid: string): Promise<Application | undefined> {
    // An id match wins over a uid match (a uid may look like another application's id).
    const { rows } = await this.db.query<applicationRows.ApplicationRow>(
      "SELECT * FROM application WHERE id = $1 OR uid = $1 ORDER BY id = $1 DESC LIMIT 1",
      [idOrUid],
    );
    return rows[0] && readApplication(rows[0]);
  }

  async list(page: PageRequest): Promise<Page<Application>> {
    return paginate<applicationRows.ApplicationRow, Application>(
      this.db,
      {
        from: "application",
        where: [...applicationRows.LISTED_APPLICATIONS],
        params: new Params(),
        key: "id",
      },
      page,
      readApplication,
      (r) => r.id,
    );
  }

  async update(a: Application): Promise<void> {
    await this.db.query(
      "UPDATE application SET uid = $1, name = $2, throttle_rate = $3, metadata = $4::jsonb, updated_at = $5 WHERE id = $6",
      applicationRows.applicationUpdateValues(a),
    );
  }

  async delete(id: string): Promise<void> {
    await this.db.query(DELETE_APPLICATION, [id]);
  }
}

/**
 * An application ($1) with everything it owns, as one statement. Endpoints, tokens, event keys and
 * the like go by ON DELETE CASCADE; the partitioned history has no foreign keys
 * (0008_partitioned_history.sql says why), so its rows are deleted here: deliveries and attempts
 * through the application's endpoints (both are indexed by endpoint), messages by application.
 */
export const DELETE_APPLICATION = `
  WITH endpoints AS (SELECT id FROM endpoint WHERE app_id = $1),
  attempts AS (DELETE FROM attempt WHERE endpoint_id IN (SELECT id FROM endpoints)),
  deliveries AS (DELETE FROM delivery WHERE endpoint_id IN (SELECT id FROM endpoints)),
  messages AS (DELETE FROM message WHERE app_id = $1)
  DELETE FROM application WHERE id = $1`;
