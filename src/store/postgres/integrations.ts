import type pg from "pg";
import type { Integration } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import type { ApiToken, IntegrationRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { json, Params, type Queryable } from "./sql.ts";

interface IntegrationRow {
  id: string;
  app_id: string;
  name: string;
  feature_flags: string[] | null;
  key: string;
  token_id: string;
  created_at: number;
  updated_at: number;
}

const INSERT_TOKEN = `INSERT INTO api_token (id, token_hash, app_id, name, created_at, expires_at, revoked_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const tokenParams = (t: ApiToken) => [t.id, t.tokenHash, t.appId, t.name, t.createdAt, t.expiresAt, t.revokedAt];
const REVOKE_TOKEN = "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL";

export class PostgresIntegrations implements IntegrationRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly box: Sealer,
  ) {}

  private readonly toIntegration = (r: IntegrationRow): Integration => ({
    id: r.id,
    appId: r.app_id,
    name: r.name,
    featureFlags: r.feature_flags,
    key: this.box.open(r.key),
    tokenId: r.token_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  private async transaction(work: (client: Queryable) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async insert(i: Integration, token: ApiToken): Promise<void> {
    await this.transaction(async (db) => {
      await db.query(INSERT_TOKEN, tokenParams(token));
      await db.query(
        `INSERT INTO integration (id, app_id, name, feature_flags, key, token_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)`,
        [i.id, i.appId, i.name, json(i.featureFlags), this.box.seal(i.key), token.id, i.createdAt, i.updatedAt],
      );
    });
  }

  async get(appId: string, id: string): Promise<Integration | undefined> {
    const { rows } = await this.pool.query<IntegrationRow>("SELECT * FROM integration WHERE app_id = $1 AND id = $2", [
      appId,
      id,
    ]);
    return rows[0] && this.toIntegration(rows[0]);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    const params = new Params();
    return paginate<IntegrationRow, Integration>(
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
      [i.name, json(i.featureFlags), i.updatedAt, i.appId, i.id],
    );
  }

  async rotateKey(appId: string, id: string, key: string, token: ApiToken, now: number): Promise<void> {
    await this.transaction(async (db) => {
      // FOR UPDATE: two rotations at once revoke each other's predecessor, never leave two keys working.
      const { rows } = await db.query<{ token_id: string }>(
        "SELECT token_id FROM integration WHERE app_id = $1 AND id = $2 FOR UPDATE",
        [appId, id],
      );
      if (!rows[0]) return;
      await db.query(INSERT_TOKEN, tokenParams(token));
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
    await this.transaction(async (db) => {
      const { rows } = await db.query<{ token_id: string }>(
        "DELETE FROM integration WHERE app_id = $1 AND id = $2 RETURNING token_id",
        [appId, id],
      );
      if (rows[0]) await db.query(REVOKE_TOKEN, [now, rows[0].token_id]);
    });
  }
}
