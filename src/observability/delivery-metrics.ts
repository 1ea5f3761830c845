import { DeliveryStatus, TriggerType } from "../core/entities.ts";
import type { AttemptObservation, DeliveryObserver } from "./delivery-observer.ts";
import type { HooklineMetrics } from "./metrics.ts";
import { attemptOutcome, disabledReason, givenUpReason, statusClass } from "./outcome-labels.ts";

const triggerLabel = (trigger: TriggerType): string => (trigger === TriggerType.Manual ? "manual" : "scheduled");

/** Turns each recorded attempt into the delivery metrics (see metrics.ts for their definitions). */
export class DeliveryMetrics implements DeliveryObserver {
  constructor(private readonly metrics: HooklineMetrics) {}

  attemptRecorded(o: AttemptObservation): void {
    const m = this.metrics;
    const { attempt, decision, job } = o;
    const trigger = triggerLabel(job.trigger);
    const outcome = attemptOutcome(attempt);
    const tenant = m.tenantLabels
      ? { app: m.apps.valueOf(job.appId), endpoint: m.endpoints.valueOf(job.endpointId) }
      : null;

    m.attempts.inc(
      tenant
        ? { outcome, status_class: statusClass(attempt.responseStatusCode), trigger, ...tenant }
        : { outcome, status_class: statusClass(attempt.responseStatusCode), trigger },
    );
    if (o.requestSent) {
      m.attemptDuration.observe(
        { result: outcome === "success" ? "success" : "failure" },
        attempt.responseDurationMs / 1000,
      );
    }
    if (job.dueAt !== undefined) m.workerLag.observe({ trigger }, Math.max(0, o.pickedUpAt - job.dueAt) / 1000);
    if (decision.status === DeliveryStatus.Success) {
      // A manual resend of a delivered message is not its first success; a retried one is.
      if (job.trigger === TriggerType.Scheduled)
        m.deliveryLatency.observe(
          Math.max(0, attempt.createdAt + attempt.responseDurationMs - o.message.createdAt) / 1000,
        );
      return;
    }
    const reason = givenUpReason(attempt, decision);
    if (reason !== null) m.givenUp.inc(tenant ? { reason, ...tenant } : { reason });
    if (decision.disableEndpoint) {
      const why = disabledReason(attempt);
      m.endpointsDisabled.inc(tenant ? { reason: why, ...tenant } : { reason: why });
    }
  }
}
