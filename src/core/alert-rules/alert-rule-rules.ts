import type { ApplicationRepository, EndpointRepository } from "../../store/store.ts";
import type { AlertRule, AlertRuleKind } from "../alert-rule.ts";
import { FieldError } from "../errors.ts";

/** A rule as the API gives it (POST and PUT of /api/v1/alert-rule). */
export interface AlertRuleInput {
  name: string;
  kind: AlertRuleKind;
  appId?: string | null;
  endpointId?: string | null;
  threshold?: number;
  windowSeconds?: number;
  minAttempts?: number;
  dedupeSeconds?: number;
  disabled?: boolean;
}

/** Thresholds when none is given: 10 failures in a row, 50 % failing, 5 minutes of backlog. */
const DEFAULT_THRESHOLD: Record<AlertRuleKind, number> = {
  consecutive_failures: 10,
  failure_rate: 50,
  backlog_age: 300,
  endpoint_disabled: 1,
};
/** One notice per subject, rule and level per hour, unless the rule says otherwise. */
export const DEFAULT_DEDUPE_SECONDS = 3600;

/** What resolving a rule's scope reads. */
export interface ScopePorts {
  applications: Pick<ApplicationRepository, "get">;
  endpoints: Pick<EndpointRepository, "get">;
  /** Whether an application is hidden (the operational one): a rule cannot name it. */
  isHidden(appId: string): boolean;
}

/** The rule's scope as stored ids: the application and endpoint may be named by id or uid. */
export async function ruleScope(
  ports: ScopePorts,
  b: AlertRuleInput,
): Promise<{ appId: string | null; endpointId: string | null }> {
  if (b.kind === "backlog_age" && (b.appId || b.endpointId))
    throw new FieldError(
      ["appId"],
      "a backlog_age rule watches the whole instance's queue: leave appId and endpointId out",
      "value_error",
    );
  if (b.endpointId && !b.appId) throw new FieldError(["appId"], "is required with endpointId", "value_error");
  if (!b.appId) return { appId: null, endpointId: null };
  const app = await ports.applications.get(b.appId);
  if (!app || ports.isHidden(app.id)) throw new FieldError(["appId"], "names no application", "value_error");
  if (!b.endpointId) return { appId: app.id, endpointId: null };
  const endpoint = await ports.endpoints.get(app.id, b.endpointId);
  if (!endpoint) throw new FieldError(["endpointId"], "names no endpoint of the application", "value_error");
  return { appId: app.id, endpointId: endpoint.id };
}

/** The thresholds of a rule, with the defaults of its kind; a 422 for a threshold its kind cannot take. */
export function paramsOf(b: AlertRuleInput): AlertRule["params"] {
  const threshold = b.threshold ?? DEFAULT_THRESHOLD[b.kind];
  if (b.kind === "failure_rate" && threshold > 100)
    throw new FieldError(["threshold"], "is a percentage for a failure_rate rule: at most 100", "value_error");
  if ((b.kind === "consecutive_failures" || b.kind === "backlog_age") && !Number.isInteger(threshold))
    throw new FieldError(["threshold"], `must be a whole number for a ${b.kind} rule`, "value_error");
  return { threshold, windowSeconds: b.windowSeconds ?? 300, minAttempts: b.minAttempts ?? 10 };
}
