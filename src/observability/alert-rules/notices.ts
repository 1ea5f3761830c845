import type { AlertRule } from "../../core/alert-rule.ts";
import type { OperationalEvent } from "../../core/operational-events.ts";

/** What a notice is about: an endpoint, an application, or the whole instance (both null). */
export interface NoticeSubject {
  appId: string | null;
  endpointId: string | null;
}

/** The state key of a subject in the alert state (AlertRepository). */
export const subjectKey = (s: NoticeSubject): string =>
  s.endpointId ? s.endpointId : s.appId ? `app:${s.appId}` : "instance";

export const describeSubject = (s: NoticeSubject): string =>
  s.endpointId
    ? `endpoint ${s.endpointId} (application ${s.appId})`
    : s.appId
      ? `application ${s.appId}`
      : "this instance";

/**
 * A notice as an operational event: `hookline.alert.firing` or `hookline.alert.resolved`. It
 * names the rule, the subject by id, the measured value and the threshold, and a one-line
 * summary that the Slack and Teams formats show. It never carries an endpoint's URL, headers,
 * secret or any payload: those may hold credentials, and a notice goes to a chat channel.
 */
export function notice(
  state: "firing" | "resolved",
  rule: AlertRule,
  subject: NoticeSubject,
  detail: { level: number | null; value: number | null; summary: string; at: number },
): OperationalEvent {
  return {
    type: state === "firing" ? "hookline.alert.firing" : "hookline.alert.resolved",
    data: {
      ruleId: rule.id,
      ruleName: rule.name,
      kind: rule.kind,
      state,
      level: detail.level,
      appId: subject.appId,
      endpointId: subject.endpointId,
      value: detail.value,
      threshold: rule.kind === "endpoint_disabled" ? null : rule.params.threshold,
      summary: `[${rule.name}] ${detail.summary}`,
      at: new Date(detail.at).toISOString(),
    },
  };
}
