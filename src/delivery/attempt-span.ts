import type { Attempt, Endpoint, Message } from "../core/entities.ts";
import { DeliveryStatus } from "../core/entities.ts";
import { continueTrace, storedTrace, type OutgoingTrace } from "../core/trace-context.ts";
import { attemptOutcome } from "../observability/outcome-labels.ts";
import type { ActiveSpan, Tracing } from "../observability/tracing.ts";
import type { DeliveryJob } from "./delivery-job.ts";

/** The attempt's span (with tracing on) and its place in the message's trace (null without one). */
export interface AttemptSpan {
  span: ActiveSpan | null | undefined;
  trace: OutgoingTrace | null;
}

/**
 * Each attempt continues the message's trace under a span id of its own: the attempt span's
 * with tracing on, a fresh one without (docs/operations.md, "Tracing").
 */
export function startAttemptSpan(
  tracing: Tracing | undefined,
  job: DeliveryJob,
  endpoint: Endpoint,
  message: Message,
): AttemptSpan {
  const stored = storedTrace(message);
  const span = tracing?.start("hookline.attempt", "client", stored, {
    "hookline.app_id": job.appId,
    "hookline.endpoint_id": job.endpointId,
    "hookline.message_id": job.msgId,
    "hookline.event_type": message.eventType,
    "hookline.event_id": message.eventId ?? undefined,
    "hookline.attempt": job.attemptCount + 1,
    "http.request.method": "POST",
    "server.address": hostOf(endpoint.url),
  });
  return { span, trace: span ?? (stored ? continueTrace(stored) : null) };
}

export function endAttemptSpan(span: ActiveSpan, attempt: Attempt, requestSent: boolean): void {
  span.setAttributes({
    "hookline.outcome": attemptOutcome(attempt),
    "hookline.request_sent": requestSent,
    "http.response.status_code": attempt.responseStatusCode > 0 ? attempt.responseStatusCode : undefined,
  });
  if (attempt.status === DeliveryStatus.Fail) span.fail(attempt.errorKind ?? "failed");
  span.end();
}

/** The endpoint's host for `server.address` (the URL itself may carry credentials in its path or query). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
