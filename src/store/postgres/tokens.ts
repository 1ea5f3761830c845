import type {
  ApiToken,
  AuditEntry,
  AuditRepository,
  IpList,
  IpListRepository,
  Page,
  PageRequest,
  SettingRepository,
  TokenRepository,
} from "../store.ts";
import { POSTGRES_COLUMNS } from "../rows/column-codec.ts";
import * as tokenRows from "../rows/tokens.ts";
import { paginate } from "./paginate.ts";
import { Params, type Queryable } from "./sql.ts";

export class PostgresTokens implements TokenRepository {
  constructor(private readonly db: Queryable) {}

  async insert(t: ApiToken): Promise<void> {
    await this.db.query(
      `INSERT INTO api_token (${tokenRows.TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)`,
      tokenRows.tokenValues(t),
    );
  }

  async byHash(tokenHash: string): Promise<ApiToken | undefined> {
    const { rows } = await this.db.query<tokenRows.TokenRow>("SELECT * FROM api_token WHERE token_hash = $1", [
      tokenHash,
    ]);
    return rows[0] && tokenRows.toToken(rows[0], POSTGRES_COLUMNS);
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const { rows } = await this.db.query<tokenRows.TokenRow>("SELECT * FROM api_token WHERE id = $1", [id]);
    return rows[0] && tokenRows.toToken(rows[0], POSTGRES_COLUMNS);
  }

  async list(page: PageRequest, appId?: string): Promise<Page<ApiToken>> {
    const params = new Params();
    const where = appId === undefined ? [] : [`app_id = ${params.add(appId)}`];
    return paginate<tokenRows.TokenRow, ApiToken>(
      this.db,
      { from: "api_token", where, params, key: "id" },
      page,
      (r) => tokenRows.toToken(r, POSTGRES_COLUMNS),
      (r) => r.id,
    );
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.db.query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", [at, id]);
  }

  async expirePortalSessions(appId: string, at: number, sessionIds?: readonly string[]): Promise<string[]> {
    const bySession = sessionIds !== undefined && sessionIds.length > 0;
    const { rows } = await this.db.query<{ token_hash: string }>(
      `UPDATE api_token SET revoked_at = $2
        WHERE app_id = $1 AND portal_capabilities IS NOT NULL AND (revoked_at IS NULL OR revoked_at > $2)
        ${bySession ? "AND portal_session_id = ANY($3::text[])" : ""}
        RETURNING token_hash`,
      bySession ? [appId, at, [...sessionIds]] : [appId, at],
    );
    return rows.map((r) => r.token_hash);
  }
}

export class PostgresAudit implements AuditRepository {
  constructor(private readonly db: Queryable) {}

  async append(e: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (${tokenRows.AUDIT_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      tokenRows.auditValues(e),
    );
  }

  async list(page: PageRequest, appId?: string): Promise<Page<AuditEntry>> {
    const params = new Params();
    const where = appId === undefined ? [] : [`app_id = ${params.add(appId)}`];
    return paginate<tokenRows.AuditRow, AuditEntry>(
      this.db,
      { from: "audit_log", where, params, key: "id" },
      page,
      tokenRows.toAudit,
      (r) => r.id,
    );
  }
}

export class PostgresIpLists implements IpListRepository {
  constructor(private readonly db: Queryable) {}

  async get(name: string): Promise<IpList | undefined> {
    const { rows } = await this.db.query<tokenRows.IpListRow>("SELECT * FROM ip_list WHERE name = $1", [name]);
    return rows[0] && tokenRows.toIpList(rows[0], POSTGRES_COLUMNS);
  }

  async list(page: PageRequest): Promise<Page<IpList>> {
    return paginate<tokenRows.IpListRow, IpList>(
      this.db,
      { from: "ip_list", where: [], params: new Params(), key: "name" },
      page,
      (r) => tokenRows.toIpList(r, POSTGRES_COLUMNS),
      (r) => r.name,
    );
  }

  async put(l: IpList): Promise<void> {
    await this.db.query(
      `INSERT INTO ip_list (name, description, entries, created_at, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (name) DO UPDATE SET description = excluded.description, entries = excluded.entries,
         updated_at = excluded.updated_at`,
      tokenRows.ipListValues(l),
    );
  }

  async delete(name: string): Promise<boolean> {
    const { rowCount } = await this.db.query("DELETE FROM ip_list WHERE name = $1", [name]);
    return (rowCount ?? 0) > 0;
  }
}

export class PostgresSettings implements SettingRepository {
  constructor(private readonly db: Queryable) {}

  async get(name: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ value: string }>("SELECT value FROM setting WHERE name = $1", [name]);
    return rows[0]?.value;
  }

  async putIfAbsent(name: string, value: string): Promise<string> {
    await this.db.query("INSERT INTO setting (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
      name,
      value,
    ]);
    return (await this.get(name))!;
  }

  async put(name: string, value: string): Promise<void> {
    await this.db.query(
      "INSERT INTO setting (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
      [name, value],
    );
  }
}
