import { DeliveryStatus, type Attempt } from "../core/entities.ts";
import type { Decision } from "../delivery/outcome.ts";

/**
 * The fixed label values delivery metrics use, derived from an attempt and its decision. Every
 * value comes from a closed set defined here or in core/entities.ts (ErrorKind), never from input.
 */

/** `success`, or the attempt's ErrorKind (`http_status`, `timeout`, `filtered`, …). */
export function attemptOutcome(attempt: Attempt): string {
  return attempt.status === DeliveryStatus.Success ? "success" : (attempt.errorKind ?? "http_status");
}

const STATUS_CLASSES = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** `2xx` … `5xx` for a response, `none` when no response arrived. */
export function statusClass(code: number): string {
  return code >= 100 && code < 600 ? STATUS_CLASSES[Math.floor(code / 100)]! : "none";
}

export const GIVEN_UP_REASONS = [
  "exhausted",
  "endpoint_disabled",
  "filtered",
  "ssrf_blocked",
  "payload_expunged",
  "transformation_failed",
] as const;
export type GivenUpReason = (typeof GIVEN_UP_REASONS)[number];

/** Why a delivery was settled without success, or null when it succeeded or will be retried. */
export function givenUpReason(attempt: Attempt, decision: Decision): GivenUpReason | null {
  if (decision.nextAttemptAt !== null || decision.status === DeliveryStatus.Success) return null;
  if (decision.status === DeliveryStatus.Canceled) return "filtered";
  if (decision.disableEndpoint) return "endpoint_disabled";
  switch (attempt.errorKind) {
    case "endpoint_disabled":
    case "endpoint_gone":
      return "endpoint_disabled";
    case "ssrf_blocked":
      return "ssrf_blocked";
    case "payload_expunged":
      return "payload_expunged";
    case "filter_error":
    case "transformation_error":
    case "transformation_timeout":
      return "transformation_failed";
    default:
      return "exhausted";
  }
}

/** Why an attempt disabled its endpoint: it answered 410 Gone, or it failed without a success for too long. */
export function disabledReason(attempt: Attempt): "gone" | "failing" {
  return attempt.responseStatusCode === 410 ? "gone" : "failing";
}
