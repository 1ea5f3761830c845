import type { IngestLogEntry, IngestSource, IngestSourceOptions } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import type { ColumnCodec, JsonColumn } from "./column-codec.ts";

/** An `ingest_source` row as both dialects return it (`SELECT *`). */
export interface SourceRow {
  id: string;
  uid: string | null;
  app_id: string;
  name: string;
  type: string;
  /** The provider settings as sealed JSON text. */
  config: string;
  options: JsonColumn<IngestSourceOptions>;
  metadata: JsonColumn<Record<string, string>>;
  /** The URL tokens, sealed (sealTokens). */
  token: string;
  created_at: number;
  updated_at: number;
}

/** An `ingest_log` row as both dialects return it (`SELECT *`). */
export interface LogRow {
  id: string;
  source_id: string;
  status_code: number;
  outcome: IngestLogEntry["outcome"];
  error_text: string;
  headers: JsonColumn<Record<string, string>>;
  payload: string;
  msg_id: string | null;
  created_at: number;
  client_ip: string | null;
}

export const toSource = (r: SourceRow, codec: ColumnCodec, box: Sealer): IngestSource => ({
  id: r.id,
  uid: r.uid,
  appId: r.app_id,
  name: r.name,
  type: r.type,
  config: JSON.parse(box.open(r.config)) as Record<string, unknown>,
  options: codec.json<IngestSourceOptions>(r.options) as IngestSourceOptions,
  metadata: codec.json<Record<string, string>>(r.metadata) ?? {},
  ...openTokens(box, r.token),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toLog = (r: LogRow, codec: ColumnCodec): IngestLogEntry => ({
  id: r.id,
  sourceId: r.source_id,
  statusCode: r.status_code,
  outcome: r.outcome,
  errorText: r.error_text,
  headers: codec.json<Record<string, string>>(r.headers) ?? {},
  payload: r.payload,
  msgId: r.msg_id,
  createdAt: r.created_at,
  clientIp: r.client_ip,
});

/**
 * A source's settings as bound in both dialects' statements: config and tokens sealed, options
 * and metadata as JSON text (PostgreSQL casts it to jsonb).
 */
const settingValues = (box: Sealer, s: IngestSource): unknown[] => [
  box.seal(JSON.stringify(s.config)),
  JSON.stringify(s.options),
  JSON.stringify(s.metadata),
  sealTokens(box, s),
];

/** The values of `INSERT INTO ingest_source (id, uid, app_id, name, type, config, options, metadata, token, created_at, updated_at)`. */
export const sourceInsertValues = (box: Sealer, s: IngestSource): unknown[] => [
  s.id,
  s.uid,
  s.appId,
  s.name,
  s.type,
  ...settingValues(box, s),
  s.createdAt,
  s.updatedAt,
];

/** The values of `UPDATE ingest_source SET uid, name, type, config, options, metadata, token, updated_at WHERE id`. */
export const sourceUpdateValues = (box: Sealer, s: IngestSource): unknown[] => [
  s.uid,
  s.name,
  s.type,
  ...settingValues(box, s),
  s.updatedAt,
  s.id,
];

/**
 * The values of `INSERT INTO ingest_log (id, source_id, status_code, outcome, error_text, headers,
 * payload, msg_id, created_at, client_ip)`; updated_at starts as created_at.
 */
export const logInsertValues = (e: IngestLogEntry): unknown[] => [
  e.id,
  e.sourceId,
  e.statusCode,
  e.outcome,
  e.errorText,
  JSON.stringify(e.headers),
  e.payload,
  e.msgId,
  e.createdAt,
  e.clientIp,
];

/** The log entry of a redelivery that was acknowledged but not forwarded again (same in every dialect). */
export const duplicateLog = (log: IngestLogEntry, originalMsgId: string): IngestLogEntry => ({
  ...log,
  outcome: "duplicate",
  msgId: originalMsgId,
  errorText: `duplicate of ${originalMsgId}: acknowledged, not forwarded again`,
});

/**
 * A source's URL tokens as one sealed column: the current one and those still honoured after a
 * rotation (so a provider keeps reaching Hookline while its settings are updated).
 */
export function sealTokens(box: Sealer, source: Pick<IngestSource, "token" | "previousTokens">): string {
  return box.seal(JSON.stringify({ token: source.token, previous: source.previousTokens }));
}

export function openTokens(box: Sealer, sealed: string): Pick<IngestSource, "token" | "previousTokens"> {
  const { token, previous } = JSON.parse(box.open(sealed)) as {
    token: string;
    previous: IngestSource["previousTokens"];
  };
  return { token, previousTokens: previous };
}
