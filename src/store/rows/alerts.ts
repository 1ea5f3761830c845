import type { AlertRule, AlertRuleKind, AlertRuleParams } from "../../core/alert-rule.ts";
import { jsonParam, type ColumnCodec, type FlagColumn, type JsonColumn } from "./column-codec.ts";

/** An `alert_rule` row as both dialects return it (`SELECT *`). */
export interface RuleRow {
  id: string;
  name: string;
  kind: string;
  app_id: string | null;
  endpoint_id: string | null;
  params: JsonColumn<AlertRuleParams>;
  dedupe_seconds: number;
  disabled: FlagColumn;
  created_at: number;
  updated_at: number;
}

export const toRule = (r: RuleRow, codec: ColumnCodec): AlertRule => ({
  id: r.id,
  name: r.name,
  kind: r.kind as AlertRuleKind,
  appId: r.app_id,
  endpointId: r.endpoint_id,
  params: codec.json<AlertRuleParams>(r.params) as AlertRuleParams,
  dedupeSeconds: r.dedupe_seconds,
  disabled: codec.flag(r.disabled),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A rule's settings, in the order both statements below list them. */
const settingValues = (r: AlertRule, codec: ColumnCodec): unknown[] => [
  r.name,
  r.kind,
  r.appId,
  r.endpointId,
  jsonParam(r.params),
  r.dedupeSeconds,
  codec.flagParam(r.disabled),
];

/**
 * The values of `INSERT INTO alert_rule (id, name, kind, app_id, endpoint_id, params,
 * dedupe_seconds, disabled, created_at, updated_at)`.
 */
export const ruleInsertValues = (r: AlertRule, codec: ColumnCodec): unknown[] => [
  r.id,
  ...settingValues(r, codec),
  r.createdAt,
  r.updatedAt,
];

/**
 * The values of `UPDATE alert_rule SET name, kind, app_id, endpoint_id, params, dedupe_seconds,
 * disabled, updated_at WHERE id`.
 */
export const ruleUpdateValues = (r: AlertRule, codec: ColumnCodec): unknown[] => [
  ...settingValues(r, codec),
  r.updatedAt,
  r.id,
];
