import type { ApiToken, AuditEntry, IpList } from "../store.ts";
import { jsonParam, type ColumnCodec, type JsonColumn } from "./column-codec.ts";

/** An `api_token` row as both dialects return it (`SELECT *`). */
export interface TokenRow {
  id: string;
  token_hash: string;
  app_id: string | null;
  name: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  allowed_ips: JsonColumn<string[]> | null;
  portal_capabilities: string | null;
  portal_read_only: number;
  portal_feature_flags: string | null;
  portal_session_id: string | null;
  /** Added by the polling-endpoints migration. */
  poller_endpoint_id?: string | null;
}

export const toToken = (r: TokenRow, codec: ColumnCodec): ApiToken => ({
  id: r.id,
  tokenHash: r.token_hash,
  appId: r.app_id,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  allowedIps: codec.json(r.allowed_ips),
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

export const TOKEN_COLUMNS =
  "id, token_hash, app_id, name, created_at, expires_at, revoked_at, " +
  "portal_capabilities, portal_read_only, portal_feature_flags, portal_session_id, allowed_ips";

/** A token's values in the order TOKEN_COLUMNS lists them (the portal's lists and allowed_ips as JSON text). */
export const tokenValues = (t: ApiToken): unknown[] => [
  t.id,
  t.tokenHash,
  t.appId,
  t.name,
  t.createdAt,
  t.expiresAt,
  t.revokedAt,
  t.portal ? JSON.stringify(t.portal.capabilities) : null,
  t.portal?.readOnly ? 1 : 0,
  t.portal && t.portal.featureFlags.length > 0 ? JSON.stringify(t.portal.featureFlags) : null,
  t.portal?.sessionId ?? null,
  jsonParam(t.allowedIps),
];

/** An `audit_log` row, the same in both dialects. */
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

/** The columns of an audit entry, in the order of auditValues. */
export const AUDIT_COLUMNS = "id, actor, action, path, app_id, status, created_at, client_ip, detail";

export const auditValues = (e: AuditEntry): unknown[] => [
  e.id,
  e.actor,
  e.action,
  e.path,
  e.appId,
  e.status,
  e.createdAt,
  e.clientIp,
  e.detail,
];

/** A named address list's row (`ip_list`). */
export interface IpListRow {
  name: string;
  description: string;
  entries: JsonColumn<string[]>;
  created_at: number;
  updated_at: number;
}

export const toIpList = (r: IpListRow, codec: ColumnCodec): IpList => ({
  name: r.name,
  description: r.description,
  entries: codec.json<string[]>(r.entries) ?? [],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** An address list's values: name, description, entries (JSON text), created_at, updated_at. */
export const ipListValues = (l: IpList): unknown[] => [
  l.name,
  l.description,
  JSON.stringify(l.entries),
  l.createdAt,
  l.updatedAt,
];
