import type { Endpoint, EndpointOptions, PreviousSecret } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { jsonParam as json, type ColumnCodec, type FlagColumn, type JsonColumn } from "./column-codec.ts";

/** An `endpoint` row as both dialects return it (`SELECT *`). */
export interface EndpointRow {
  id: string;
  app_id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: FlagColumn;
  throttle_rate: number | null;
  event_types: JsonColumn<string[]> | null;
  channels: JsonColumn<string[]> | null;
  metadata: JsonColumn<Record<string, string>>;
  /** Sealed JSON (`enc:v1:…`), or JSON text in a row written before headers were sealed. */
  headers: string;
  secret: string;
  /** Each one's key sealed. */
  previous_secrets: JsonColumn<PreviousSecret[]>;
  failing_since: number | null;
  options: JsonColumn<EndpointOptions>;
  handshake_validated_at: number | null;
  created_at: number;
  updated_at: number;
}

export const toEndpoint = (r: EndpointRow, codec: ColumnCodec, box: Sealer): Endpoint => ({
  id: r.id,
  appId: r.app_id,
  uid: r.uid,
  url: r.url,
  description: r.description,
  version: r.version,
  disabled: codec.flag(r.disabled),
  throttleRate: r.throttle_rate,
  eventTypes: codec.json(r.event_types),
  channels: codec.json(r.channels),
  metadata: codec.json<Record<string, string>>(r.metadata) ?? {},
  headers: JSON.parse(box.open(r.headers)) as Record<string, string>,
  secret: box.open(r.secret),
  previousSecrets: (codec.json<PreviousSecret[]>(r.previous_secrets) ?? []).map((p) => ({
    ...p,
    key: box.open(p.key),
  })),
  failingSince: r.failing_since,
  options: codec.json<EndpointOptions>(r.options) ?? {},
  handshakeValidatedAt: r.handshake_validated_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The previous secrets as stored: JSON text, each key sealed. */
export const previousSecretsParam = (previous: PreviousSecret[], box: Sealer): string | null =>
  json(previous.map((p) => ({ ...p, key: box.seal(p.key) })));

/** The columns an endpoint is inserted with, in the order of endpointInsertValues. */
export const ENDPOINT_INSERT_COLUMNS =
  "id, app_id, uid, url, description, version, disabled, throttle_rate, event_types, channels, metadata, headers, " +
  "secret, previous_secrets, failing_since, options, created_at, updated_at";

/** The values of the columns an update may change besides failing_since and options: uid … headers, in table order. */
const editableValues = (e: Endpoint, codec: ColumnCodec, box: Sealer): unknown[] => [
  e.uid,
  e.url,
  e.description,
  e.version,
  codec.flagParam(e.disabled),
  e.throttleRate,
  json(e.eventTypes),
  json(e.channels),
  json(e.metadata),
  box.seal(JSON.stringify(e.headers)),
];

/** The values of ENDPOINT_INSERT_COLUMNS: JSON as text, headers and secrets sealed. */
export const endpointInsertValues = (e: Endpoint, codec: ColumnCodec, box: Sealer): unknown[] => [
  e.id,
  e.appId,
  ...editableValues(e, codec, box),
  box.seal(e.secret),
  previousSecretsParam(e.previousSecrets, box),
  e.failingSince,
  json(e.options),
  e.createdAt,
  e.updatedAt,
];

/**
 * The values of an update of everything but the secrets (setSecret) and the creation time: uid,
 * url, description, version, disabled, throttle_rate, event_types, channels, metadata, headers,
 * failing_since, options, updated_at, then the key (app_id, id).
 */
export const endpointUpdateValues = (e: Endpoint, codec: ColumnCodec, box: Sealer): unknown[] => [
  ...editableValues(e, codec, box),
  e.failingSince,
  json(e.options),
  e.updatedAt,
  e.appId,
  e.id,
];
