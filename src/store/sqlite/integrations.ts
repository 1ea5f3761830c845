import type Database from "better-sqlite3";
import type { Integration } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { jsonParam, SQLITE_COLUMNS } from "../rows/column-codec.ts";
import { ISSUED_TOKEN_COLUMNS, issuedTokenValues } from "../rows/tokens.ts";
import * as integrationRows from "../rows/integrations.ts";
import type { ApiToken, IntegrationRepository, Page, PageRequest } from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

function insertToken(db: Database.Database, t: ApiToken): void {
  prepared(db, `INSERT INTO api_token (${ISSUED_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
    ...issuedTokenValues(t),
  );
}

const revokeToken = (db: Database.Database, id: string, at: number) =>
  prepared(db, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id);

export class SqliteIntegrations implements IntegrationRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    private readonly box: Sealer,
  ) {}

  private readonly toIntegration = (r: integrationRows.IntegrationRow): Integration =>
    integrationRows.toIntegration(r, SQLITE_COLUMNS, this.box);

  async insert(i: Integration, token: ApiToken): Promise<void> {
    const db = this.db;
    await this.writer.run(() => {
      insertToken(db, token);
      prepared(
        db,
        `INSERT INTO integration (id, app_id, name, feature_flags, key, token_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...integrationRows.integrationInsertValues(i, token.id, this.box));
    });
  }

  async get(appId: string, id: string): Promise<Integration | undefined> {
    const row = prepared(this.db, "SELECT * FROM integration WHERE app_id = ? AND id = ?").get(appId, id) as
      integrationRows.IntegrationRow | undefined;
    return row && this.toIntegration(row);
  }

  async list(appId: string, page: PageRequest): Promise<Page<Integration>> {
    return paginate<integrationRows.IntegrationRow, Integration>(
      this.db,
      { from: "integration", where: ["app_id = ?"], params: [appId], key: "id" },
      page,
      this.toIntegration,
      (r) => r.id,
    );
  }

  async update(i: Integration): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "UPDATE integration SET name = ?, feature_flags = ?, updated_at = ? WHERE app_id = ? AND id = ?",
      ).run(i.name, jsonParam(i.featureFlags), i.updatedAt, i.appId, i.id),
    );
  }

  async rotateKey(appId: string, id: string, key: string, token: ApiToken, now: number): Promise<void> {
    const db = this.db;
    await this.writer.run(() => {
      const row = prepared(db, "SELECT token_id FROM integration WHERE app_id = ? AND id = ?").get(appId, id) as
        { token_id: string } | undefined;
      if (!row) return;
      insertToken(db, token);
      revokeToken(db, row.token_id, now);
      prepared(db, "UPDATE integration SET key = ?, token_id = ?, updated_at = ? WHERE id = ?").run(
        this.box.seal(key),
        token.id,
        now,
        id,
      );
    });
  }

  async delete(appId: string, id: string, now: number): Promise<void> {
    const db = this.db;
    await this.writer.run(() => {
      const row = prepared(db, "DELETE FROM integration WHERE app_id = ? AND id = ? RETURNING token_id").get(
        appId,
        id,
      ) as { token_id: string } | undefined;
      if (row) revokeToken(db, row.token_id, now);
    });
  }
}
