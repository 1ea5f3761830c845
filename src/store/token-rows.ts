import type { ApiToken, AuditEntry, IpList } from "./store.ts";

/** Token and audit rows have the same columns and types in both dialects, so one mapping serves both. */
export interface TokenRow {
  id: string;
  token_hash: string;
  app_id: string | null;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  /** JSON text in SQLite, already parsed (jsonb) in PostgreSQL. */
  allowed_ips: string | string[] | null;
}

export const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  tokenHash: r.token_hash,
  appId: r.app_id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  allowedIps: typeof r.allowed_ips === "string" ? (JSON.parse(r.allowed_ips) as string[]) : r.allowed_ips,
});

export interface AuditRow {
  id: string;
  actor: string;
  action: string;
  path: string;
  app_id: string | null;
  status: number;
  created_at: number;
  client_ip: string | null;
  detail: string | null;
}

export const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  actor: r.actor,
  action: r.action,
  path: r.path,
  appId: r.app_id,
  status: r.status,
  createdAt: r.created_at,
  clientIp: r.client_ip,
  detail: r.detail,
});

/** A named address list's row: `entries` is JSON text in SQLite, already parsed (jsonb) in PostgreSQL. */
export interface IpListRow {
  name: string;
  description: string;
  entries: string | string[];
  created_at: number;
  updated_at: number;
}

export const toIpList = (r: IpListRow): IpList => ({
  name: r.name,
  description: r.description,
  entries: typeof r.entries === "string" ? (JSON.parse(r.entries) as string[]) : r.entries,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
