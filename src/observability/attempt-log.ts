import type { Logger } from "pino";
import { TriggerType } from "../core/entities.ts";
import type { AttemptObservation, DeliveryObserver } from "./delivery-observer.ts";
import { attemptOutcome } from "./outcome-labels.ts";

/**
 * One structured log line per recorded attempt, at info level, so that searching the logs for an
 * event id (or message id) finds every attempt of it: application, endpoint, message, event id,
 * event type, attempt number, trigger, outcome, response status, duration, what happens next and,
 * when the message has one, the trace id and the attempt's span id (docs/operations.md, "Tracing").
 * Its cost and how to turn it off (HOOKLINE_LOG_LEVEL=warn) are in docs/operations.md ("Logs").
 */
export class AttemptLog implements DeliveryObserver {
  constructor(private readonly log: Logger) {}

  attemptRecorded(o: AttemptObservation): void {
    if (!this.log.isLevelEnabled("info")) return;
    const { attempt, decision, job, message } = o;
    this.log.info(
      {
        appId: job.appId,
        endpointId: job.endpointId,
        msgId: job.msgId,
        eventId: message.eventId,
        eventType: message.eventType,
        attemptId: attempt.id,
        attempt: job.attemptCount + 1,
        trigger: job.trigger === TriggerType.Manual ? "manual" : "scheduled",
        outcome: attemptOutcome(attempt),
        status: attempt.responseStatusCode,
        durationMs: attempt.responseDurationMs,
        nextAttemptAt: decision.nextAttemptAt === null ? null : new Date(decision.nextAttemptAt).toISOString(),
        endpointDisabled: decision.disableEndpoint || undefined,
        // The trace the message was posted in: a log search by trace id finds its attempts too.
        traceId: o.trace?.traceId,
        spanId: o.trace?.spanId,
      },
      "delivery attempt",
    );
  }
}
