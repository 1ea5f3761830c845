import type Database from "better-sqlite3";
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
import { SQLITE_COLUMNS } from "../rows/column-codec.ts";
import * as tokenRows from "../rows/tokens.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

export class SqliteTokens implements TokenRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(t: ApiToken): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO api_token (${tokenRows.TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...tokenRows.tokenValues(t)),
    );
  }

  async byHash(tokenHash: string): Promise<ApiToken | undefined> {
    const row = prepared(this.db, "SELECT * FROM api_token WHERE token_hash = ?").get(tokenHash) as
      tokenRows.TokenRow | undefined;
    return row && tokenRows.toToken(row, SQLITE_COLUMNS);
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const row = prepared(this.db, "SELECT * FROM api_token WHERE id = ?").get(id) as tokenRows.TokenRow | undefined;
    return row && tokenRows.toToken(row, SQLITE_COLUMNS);
  }

  async list(page: PageRequest, appId?: string): Promise<Page<ApiToken>> {
    return paginate<tokenRows.TokenRow, ApiToken>(
      this.db,
      {
        from: "api_token",
        where: appId === undefined ? [] : ["app_id = ?"],
        params: appId === undefined ? [] : [appId],
        key: "id",
      },
      page,
      (r) => tokenRows.toToken(r, SQLITE_COLUMNS),
      (r) => r.id,
    );
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.writer.run(() =>
      prepared(this.db, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id),
    );
  }

  async expirePortalSessions(appId: string, at: number, sessionIds?: readonly string[]): Promise<string[]> {
    const bySession = sessionIds !== undefined && sessionIds.length > 0;
    const where =
      "app_id = ? AND portal_capabilities IS NOT NULL AND (revoked_at IS NULL OR revoked_at > ?)" +
      (bySession ? ` AND portal_session_id IN (SELECT value FROM json_each(?))` : "");
    const params: unknown[] = [appId, at];
    if (bySession) params.push(JSON.stringify(sessionIds));
    return this.writer.run(() => {
      const hashes = prepared(this.db, `SELECT token_hash FROM api_token WHERE ${where}`)
        .pluck()
        .all(...params) as string[];
      prepared(this.db, `UPDATE api_token SET revoked_at = ? WHERE ${where}`).run(at, ...params);
      return hashes;
    });
  }
}

export class SqliteAudit implements AuditRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async append(e: AuditEntry): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO audit_log (${tokenRows.AUDIT_COLUMNS})
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...tokenRows.auditValues(e)),
    );
  }

  async list(page: PageRequest, appId?: string): Promise<Page<AuditEntry>> {
    return paginate<tokenRows.AuditRow, AuditEntry>(
      this.db,
      {
        from: "audit_log",
        where: appId === undefined ? [] : ["app_id = ?"],
        params: appId === undefined ? [] : [appId],
        key: "id",
      },
      page,
      tokenRows.toAudit,
      (r) => r.id,
    );
  }
}

export class SqliteIpLists implements IpListRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async get(name: string): Promise<IpList | undefined> {
    const row = prepared(this.db, "SELECT * FROM ip_list WHERE name = ?").get(name) as tokenRows.IpListRow | undefined;
    return row && tokenRows.toIpList(row, SQLITE_COLUMNS);
  }

  async list(page: PageRequest): Promise<Page<IpList>> {
    return paginate<tokenRows.IpListRow, IpList>(
      this.db,
      { from: "ip_list", where: [], params: [], key: "name" },
      page,
      (r) => tokenRows.toIpList(r, SQLITE_COLUMNS),
      (r) => r.name,
    );
  }

  async put(l: IpList): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO ip_list (name, description, entries, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET description = excluded.description, entries = excluded.entries,
           updated_at = excluded.updated_at`,
      ).run(...tokenRows.ipListValues(l)),
    );
  }

  async delete(name: string): Promise<boolean> {
    return this.writer.run(() => prepared(this.db, "DELETE FROM ip_list WHERE name = ?").run(name).changes > 0);
  }
}

export class SqliteSettings implements SettingRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async get(name: string): Promise<string | undefined> {
    return prepared(this.db, "SELECT value FROM setting WHERE name = ?").pluck().get(name) as string | undefined;
  }

  async putIfAbsent(name: string, value: string): Promise<string> {
    return this.writer.run(() => {
      prepared(this.db, "INSERT OR IGNORE INTO setting (name, value) VALUES (?, ?)").run(name, value);
      return prepared(this.db, "SELECT value FROM setting WHERE name = ?").pluck().get(name) as string;
    });
  }

  async put(name: string, value: string): Promise<void> {
    await this.writer.run(() => {
      prepared(
        this.db,
        "INSERT INTO setting (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      ).run(name, value);
    });
  }
}
