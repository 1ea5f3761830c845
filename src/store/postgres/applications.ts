import type { Application } from "../../core/entities.ts";
import { OPERATIONAL_APP_SETTING, type ApplicationRepository, type Page, type PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";

interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  throttle_rate: number | null;
  metadata: Record<string, string>;
  created_at: number;
  updated_at: number;
}

const toApplication = (r: ApplicationRow): Application => ({
  id: r.id,
  uid: r.uid,
  name: r.name,
  throttleRate: r.throttle_rate,
  metadata: r.metadata ?? {},
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class PostgresApplications implements ApplicationRepository {
  constructor(private readonly db: Queryable) {}

  async insert(a: Application): Promise<void> {
    await this.db.query(
      `INSERT INTO application (id, uid, name, throttle_rate, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7)`,
      [a.id, a.uid, a.name, a.throttleRate, json(a.metadata), a.createdAt, a.updatedAt],
    );
  }

  async get(idOrUid: string): Promise<Application | undefined> {
    // An id match wins over a uid match (a uid may look like another application's id).
    const { rows } = await this.db.query<ApplicationRow>(
      "SELECT * FROM application WHERE id = $1 OR uid = $1 ORDER BY id = $1 DESC LIMIT 1",
      [idOrUid],
    );
    return rows[0] && toApplication(rows[0]);
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
        params: new Params(),
        key: "id",
      },
      page,
      toApplication,
      (r) => r.id,
    );
  }

  async update(a: Application): Promise<void> {
    await this.db.query(
      "UPDATE application SET uid = $1, name = $2, throttle_rate = $3, metadata = $4::jsonb, updated_at = $5 WHERE id = $6",
      [a.uid, a.name, a.throttleRate, json(a.metadata), a.updatedAt, a.id],
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
