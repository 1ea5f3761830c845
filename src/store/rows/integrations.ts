import type { Integration } from "../../core/entities.ts";
import type { Sealer } from "../../core/secret-box.ts";
import { jsonParam, type ColumnCodec, type JsonColumn } from "./column-codec.ts";

/** An `integration` row as both dialects return it (`SELECT *`); the key is sealed. */
export interface IntegrationRow {
  id: string;
  app_id: string;
  name: string;
  feature_flags: JsonColumn<string[]> | null;
  key: string;
  token_id: string;
  created_at: number;
  updated_at: number;
}

export const toIntegration = (r: IntegrationRow, codec: ColumnCodec, box: Sealer): Integration => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  featureFlags: codec.json<string[]>(r.feature_flags),
  key: box.open(r.key),
  tokenId: r.token_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * The values of `INSERT INTO integration (id, app_id, name, feature_flags, key, token_id,
 * created_at, updated_at)`; `tokenId` is the API token the key authenticates as.
 */
export const integrationInsertValues = (i: Integration, tokenId: string, box: Sealer): unknown[] => [
  i.id,
  i.appId,
  i.name,
  jsonParam(i.featureFlags),
  box.seal(i.key),
  tokenId,
  i.createdAt,
  i.updatedAt,
];
