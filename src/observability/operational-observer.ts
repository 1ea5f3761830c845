import { DeliveryStatus } from "../core/entities.ts";
import type { OperationalEvents } from "../core/operational-events.ts";
import { attemptEvent, endpointEvent, type AttemptEvent } from "../core/operational-payloads.ts";
import type { Store } from "../store/store.ts";
import type { AlertEngine } from "./alert-rules/alert-engine.ts";
import type { AttemptObservation, DeliveryObserver } from "./delivery-observer.ts";

/** Svix sends `message.attempt.failing` on a message's fourth failed attempt. */
export const FAILING_AFTER_ATTEMPTS = 4;

/**
 * Turns delivery outcomes into operational events and hands them to the alert rules:
 * `message.attempt.failing` on the fourth failed attempt of a message, `…exhausted` when it fails
 * for good, `…recovered` when one that was failing succeeds, and `endpoint.disabled` (trigger
 * automatic) when an attempt disables its endpoint. Only queues work (see OperationalEvents):
 * synchronous and cheap on the delivery path. Deliveries of the operational application itself
 * cause no events, so a failing operational endpoint cannot feed on its own failures.
 */
export class OperationalObserver implements DeliveryObserver {
  constructor(
    private readonly store: Store,
    private readonly events: OperationalEvents,
    private readonly alerts: AlertEngine,
  ) {}

  attemptRecorded(o: AttemptObservation): void {
    const { job, message, attempt, decision, endpoint } = o;
    if (this.events.isOperational(job.appId)) return;
    const made = job.attemptCount + 1;
    const kinds: AttemptEvent[] = [];
    if (attempt.status === DeliveryStatus.Fail) {
      if (made === FAILING_AFTER_ATTEMPTS) kinds.push("failing");
      if (decision.nextAttemptAt === null) kinds.push("exhausted");
    } else if (attempt.status === DeliveryStatus.Success && job.attemptCount >= FAILING_AFTER_ATTEMPTS) {
      kinds.push("recovered");
    }
    for (const kind of kinds) this.events.enqueue(() => attemptEvent(this.store, kind, message, attempt));
    if (decision.disableEndpoint) {
      const sourceId = message.inbound?.sourceId;
      const failSince = decision.endpointFailingSince;
      this.events.enqueue(() =>
        endpointEvent(
          this.store,
          sourceId ? { kind: "source", sourceId } : { kind: "app", appId: job.appId },
          "disabled",
          endpoint,
          { trigger: "automatic", failSince },
        ),
      );
    }
    this.alerts.attemptRecorded(o);
  }
}
