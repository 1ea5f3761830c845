import type { InspectedRequest, Inspector } from "../store.ts";

/** Inspector rows have the same columns and types in both dialects, so one mapping serves both. */
export interface InspectorRow {
  id: string;
  app_id: string;
  url: string;
  created_at: number;
  expires_at: number;
}

export interface InspectedRequestRow {
  id: string;
  inspector_id: string;
  received_at: number;
  method: string;
  headers: string;
  body: string;
  body_bytes: number;
  truncated: number;
}

/** The values of `INSERT INTO inspector (id, app_id, url, created_at, expires_at)`. */
export const inspectorValues = (i: Inspector): unknown[] => [i.id, i.appId, i.url, i.createdAt, i.expiresAt];

export const toInspector = (r: InspectorRow): Inspector => ({
  id: r.id,
  appId: r.app_id,
  url: r.url,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export const toInspectedRequest = (r: InspectedRequestRow): InspectedRequest => ({
  id: r.id,
  inspectorId: r.inspector_id,
  receivedAt: r.received_at,
  method: r.method,
  headers: JSON.parse(r.headers) as Record<string, string>,
  body: r.body,
  bodyBytes: r.body_bytes,
  truncated: r.truncated === 1,
});

/**
 * The values of `INSERT INTO inspector_request (id, inspector_id, received_at, method, headers,
 * body, body_bytes, truncated)`.
 */
export const inspectedRequestValues = (r: InspectedRequest): unknown[] => [
  r.id,
  r.inspectorId,
  r.receivedAt,
  r.method,
  JSON.stringify(r.headers),
  r.body,
  r.bodyBytes,
  r.truncated ? 1 : 0,
];
