import type { Application } from "../../core/entities.ts";
import { OPERATIONAL_APP_SETTING } from "../store.ts";
import { jsonParam, type ColumnCodec, type JsonColumn } from "./column-codec.ts";

/** An `application` row as both dialects return it (`SELECT *`). */
export interface ApplicationRow {
  id: string;
  uid: string | null;
  name: string;
  throttle_rate: number | null;
  metadata: JsonColumn<Record<string, string>>;
  created_at: number;
  updated_at: number;
}

export const toApplication = (r: ApplicationRow, codec: ColumnCodec): Application => ({
  id: r.id,
  uid: r.uid,
  name: r.name,
  throttleRate: r.throttle_rate,
  metadata: codec.json<Record<string, string>>(r.metadata) ?? {},
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The values of an insert: id, uid, name, throttle_rate, metadata, created_at, updated_at. */
export const applicationInsertValues = (a: Application): unknown[] => [
  a.id,
  a.uid,
  a.name,
  a.throttleRate,
  jsonParam(a.metadata),
  a.createdAt,
  a.updatedAt,
];

/** The values of an update: uid, name, throttle_rate, metadata, updated_at, then the key (id). */
export const applicationUpdateValues = (a: Application): unknown[] => [
  a.uid,
  a.name,
  a.throttleRate,
  jsonParam(a.metadata),
  a.updatedAt,
  a.id,
];

/**
 * The conditions of the application listing: an inbound source's backing application is managed
 * through the source, and the operational webhooks' application through its settings, not listed.
 */
export const LISTED_APPLICATIONS = [
  "id NOT IN (SELECT app_id FROM ingest_source)",
  `id NOT IN (SELECT value FROM setting WHERE name = '${OPERATIONAL_APP_SETTING}')`,
];
