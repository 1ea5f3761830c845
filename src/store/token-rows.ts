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
  portal_capabilities: string | null;
  portal_read_only: number;
  portal_feature_flags: string | null;
  portal_session_id: string | null;
  /** Added by the polling-endpoints migration. */
  poller_endpoint_id?: string | null;
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
  portal:
    r.portal_capabilities === null
      ? null
      : {
          capabilities: JSON.parse(r.portal_capabilities) as string[],
          readOnly: r.portal_read_only === 1,
          featureFlags: r.portal_feature_flags === null ? [] : (JSON.parse(r.portal_feature_flags) as string[]),
          sessionId: r.portal_session_id,
        },
  pollerEndpointId: r.poller_endpoint_id ?? null,
});

/** The values of the portal columns, in the order TOKEN_COLUMNS lists them. */
export const portalColumns = (t: ApiToken): [string | null, number, string | null, string | null] => [
  t.portal ? JSON.stringify(t.portal.capabilities) : null,
  t.portal?.readOnly ? 1 : 0,
  t.portal && t.portal.featureFlags.length > 0 ? JSON.stringify(t.portal.featureFlags) : null,
  t.portal?.sessionId ?? null,
];

export const TOKEN_COLUMNS =
  "id, token_hash, app_id, name, created_at, expires_at, revoked_at, " +
  "portal_capabilities, portal_read_only, portal_feature_flags, portal_session_id, allowed_ips";

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
