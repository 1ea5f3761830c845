import type { ApiToken, AuditEntry } from "./store.ts";

/** Token and audit rows have the same columns and types in both dialects, so one mapping serves both. */
export interface TokenRow {
  id: string;
  token_hash: string;
  app_id: string | null;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export const toToken = (r: TokenRow): ApiToken => ({
  id: r.id,
  tokenHash: r.token_hash,
  appId: r.app_id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export interface AuditRow {
  id: string;
  actor: string;
  action: string;
  path: string;
  app_id: string | null;
  status: number;
  created_at: number;
}

export const toAudit = (r: AuditRow): AuditEntry => ({
  id: r.id,
  actor: r.actor,
  action: r.action,
  path: r.path,
  appId: r.app_id,
  status: r.status,
  createdAt: r.created_at,
});
