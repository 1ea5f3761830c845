import type { Attempt, Endpoint, Message } from "../core/entities.ts";
import type { DeliveryJob } from "../delivery/delivery-job.ts";
import type { Decision } from "../delivery/outcome.ts";

/**
 * One recorded delivery attempt, as the worker hands it to whoever watches deliveries. Built once
 * per attempt from objects the worker holds anyway; observers must not change it.
 */
export interface AttemptObservation {
  job: DeliveryJob;
  message: Message;
  endpoint: Endpoint;
  /** The attempt as it was stored (status, response status code, duration, error kind, trigger). */
  attempt: Attempt;
  /** What the attempt decided for the delivery (retry, settle) and the endpoint (disable). */
  decision: Decision;
  /** Whether an HTTP request was made (false: filtered, disabled endpoint, expunged payload, failed transformation). */
  requestSent: boolean;
  /** When the worker took the delivery up (the injected clock, ms). */
  pickedUpAt: number;
  /** The attempt's place in the message's trace (its span id is the parent the receiver saw); null without one. */
  trace?: { traceId: string; spanId: string } | null;
}

/**
 * The one place where delivery outcomes are observed: the attempt executor calls `attemptRecorded`
 * once for every attempt, right after the attempt and the delivery's new state are durably
 * written. Metrics and the attempt log are observers; anything else that reacts to outcomes
 * (notifications about failing endpoints, tracing) can be added beside them. An observer runs on
 * the delivery's path: it must be synchronous, cheap and must not throw.
 */
export interface DeliveryObserver {
  attemptRecorded(observation: AttemptObservation): void;
}

/** Several observers as one, called in order; a throwing observer does not stop the others. */
export function allOf(observers: DeliveryObserver[], onError: (error: unknown) => void): DeliveryObserver {
  return {
    attemptRecorded(observation) {
      for (const observer of observers) {
        try {
          observer.attemptRecorded(observation);
        } catch (error) {
          onError(error);
        }
      }
    },
  };
}
