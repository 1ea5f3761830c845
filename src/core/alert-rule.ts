/**
 * Alert rules: conditions an operator sets through the API (/api/v1/alert-rule) whose notices go to
 * the operational webhook endpoints (docs/operations.md, "Alert rules"). Times are Unix milliseconds.
 */
export type AlertRuleKind = "consecutive_failures" | "failure_rate" | "backlog_age" | "endpoint_disabled";

export const ALERT_RULE_KINDS: readonly AlertRuleKind[] = [
  "consecutive_failures",
  "failure_rate",
  "backlog_age",
  "endpoint_disabled",
];

export interface AlertRuleParams {
  /**
   * consecutive_failures: failed attempts in a row that use up the whole budget (notices at 50, 70,
   * 90 and 100 % of it); failure_rate: the failure percentage above which the rule fires;
   * backlog_age: seconds the oldest due delivery may wait; endpoint_disabled: unused.
   */
  threshold: number;
  /** failure_rate: the window the rate is measured over, in seconds (whole minutes). */
  windowSeconds: number;
  /** failure_rate: fewer attempts than this in the window are too few to judge. */
  minAttempts: number;
}

export interface AlertRule {
  id: string;
  name: string;
  kind: AlertRuleKind;
  /** Only this application's deliveries (by id); null for every application. */
  appId: string | null;
  /** Only this endpoint (by id, within appId); null for every endpoint. */
  endpointId: string | null;
  params: AlertRuleParams;
  /** A notice at the same level for the same subject is sent at most once per this many seconds. */
  dedupeSeconds: number;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}
