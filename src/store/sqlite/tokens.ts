import type Database from "better-sqlite3";
import type {
  ApiToken,
  AuditEntry,
  AuditRepository,
  Page,
  PageRequest,
  SettingRepository,
  TokenRepository,
} from "../store.ts";
import { paginate } from "./paginate.ts";
import { prepared } from "./statements.ts";
import type { WriteBatcher } from "./write-batcher.ts";

interface TokenRow {
  id: string;
  token_hash: string;
  app_id: string | null;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  tokenHash: r.token_hash,
  appId: r.app_id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export class SqliteTokens implements TokenRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async insert(t: ApiToken): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        `INSERT INTO api_token (id, token_hash, app_id, name, created_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(t.id, t.tokenHash, t.appId, t.name, t.createdAt, t.expiresAt, t.revokedAt),
    );
  }

  async byHash(tokenHash: string): Promise<ApiToken | undefined> {
    const row = prepared(this.db, "SELECT * FROM api_token WHERE token_hash = ?").get(tokenHash) as
      TokenRow | undefined;
    return row && toToken(row);
  }

  async get(id: string): Promise<ApiToken | undefined> {
    const row = prepared(this.db, "SELECT * FROM api_token WHERE id = ?").get(id) as TokenRow | undefined;
    return row && toToken(row);
  }

  async list(page: PageRequest, appId?: string): Promise<Page<ApiToken>> {
    return paginate<TokenRow, ApiToken>(
      this.db,
      {
        from: "api_token",
        where: appId === undefined ? [] : ["app_id = ?"],
        params: appId === undefined ? [] : [appId],
        key: "id",
      },
      page,
      toToken,
      (r) => r.id,
    );
  }

  async revoke(id: string, at: number): Promise<void> {
    await this.writer.run(() =>
      prepared(this.db, "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(at, id),
    );
  }
}

interface AuditRow {
  id: string;
  actor: string;
  action: string;
  path: string;
  app_id: string | null;
  status: number;
  created_at: number;
}

const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  actor: r.actor,
  action: r.action,
  path: r.path,
  appId: r.app_id,
  status: r.status,
  createdAt: r.created_at,
});

export class SqliteAudit implements AuditRepository {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {}

  async append(e: AuditEntry): Promise<void> {
    await this.writer.run(() =>
      prepared(
        this.db,
        "INSERT INTO audit_log (id, actor, action, path, app_id, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ).run(e.id, e.actor, e.action, e.path, e.appId, e.status, e.createdAt),
    );
  }

  async list(page: PageRequest, appId?: string): Promise<Page<AuditEntry>> {
    return paginate<AuditRow, AuditEntry>(
      this.db,
      {
        from: "audit_log",
        where: appId === undefined ? [] : ["app_id = ?"],
        params: appId === undefined ? [] : [appId],
        key: "id",
      },
      page,
      toAudit,
      (r) => r.id,
    );
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
}
