import type { AlertRule, AlertRuleKind, AlertRuleParams } from "../../core/alert-rule.ts";
import type { ColumnCodec, FlagColumn, JsonColumn } from "./column-codec.ts";

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
