import type pg from "pg";
import type { Integration } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { jsonParam, POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import { ISSUED_TOKEN_COLUMNS, issuedTokenValues } from "../rows/tokens.ts";
import * as integrationRows from "../rows/integrations.ts";
import type { ApiToken, IntegrationRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { Params } from "./sql.ts";
import { inTransaction } from "./transaction.ts";

const INSERT_TOKEN = `INSERT INTO api_token (${ISSUED_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const REVOKE_TOKEN = "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";

export class PostgresIntegrations implements IntegrationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly box: Sealer,
  ) {}

  private readonly toIntegration = (r: integrationRows.IntegrationRow): Integration =>
    integrationRows.toIntegration(r, POSTGRES_COLUMNS, this.box);

  async insert(i: Integration, token: ApiToken): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await db.query(INSERT_TOKEN, issuedTokenValues(token));
      await db.query(
        `INSERT INTO integration (id, app_id, name, feature_flags, key, token_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
        integrationRows.integrationInsertValues(i, token.id, this.box),
      );
    });
  }

  async get(appId: string, id: string): Promise<Integration | undefined> {
    const { rows } = await this.pool.query<integrationRows.IntegrationRow>(
      "SELECT * FROM integration WHERE app_id = $1 AND id = $2",
      [appId, id],
    );
    return rows[0] && this.toIntegration(rows[0]);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    const params = new Params();
    return paginate<integrationRows.IntegrationRow, Integration>(
      this.pool,
      { from: "integration", where: [`app_id = ${params.add(appId)}`], params, key: "id" },
      page,
      this.toIntegration,
      (r) => r.id,
    );
  }

  async update(i: Integration): Promise<void> {
    await this.pool.query(
      "UPDATE integration SET name = $1, feature_flags = $2::jsonb, updated_at = $3 WHERE app_id = $4 AND id = $5",
      [i.name, jsonParam(i.featureFlags), i.updatedAt, i.appId, i.id],
    );
  }

  async rotateKey(appId: string, id: string, key: string, token: ApiToken, now: number): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      // FOR UPDATE: two rotations at once revoke each other's predecessor, never leave two keys working.
      const { rows } = await db.query<{ token_id: string }>(
        "SELECT token_id FROM integration WHERE app_id = $1 AND id = $2 FOR UPDATE",
        [appId, id],
      );
      if (!rows[0]) return;
      await db.query(INSERT_TOKEN, issuedTokenValues(token));
      await db.query(REVOKE_TOKEN, [now, rows[0].token_id]);
      await db.query("UPDATE integration SET key = $1, token_id = $2, updated_at = $3 WHERE id = $4", [
        this.box.seal(key),
        token.id,
        now,
        id,
      ]);
    });
  }

  async delete(appId: string, id: string, now: number): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      const { rows } = await db.query<{ token_id: string }>(
        "DELETE FROM integration WHERE app_id = $1 AND id = $2 RETURNING token_id",
        [appId, id],
      );
      if (rows[0]) await db.query(REVOKE_TOKEN, [now, rows[0].token_id]);
    });
  }
}
