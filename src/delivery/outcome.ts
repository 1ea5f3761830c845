import { DeliveryStatus, type Endpoint, type ErrorKind, type TriggerType } from "../core/entities.ts";
import type { SendResult } from "./http-sender.ts";
import { parseRetryAfter, retryDelayMs } from "./retry-policy.ts";

export interface OutcomeInput {
  result: SendResult;
  endpoint: Endpoint;
  /** Attempts made before this one. */
  attemptsBefore: number;
  trigger: TriggerType;
  now: number;
  retryScheduleSeconds: number[];
  endpointDisableAfterMs: number;
  random?: () => number;
}

export interface Decision {
  status: DeliveryStatus;
  nextAttemptAt: number | null;
  errorKind: ErrorKind | null;
  endpointFailingSince: number | null;
  disableEndpoint: boolean;
}

/**
 * What an attempt's result means for its delivery and endpoint:
 * - 2xx succeeds and clears the endpoint's failure streak;
 * - 410 Gone disables the endpoint and fails the delivery for good (Standard Webhooks, CloudEvents);
 * - a delivery the SSRF guard refused (`ssrf_blocked`) fails for good without touching the
 *   endpoint's health: nothing was contacted, and retrying would be refused the same way;
 * - anything else retries on the schedule, waiting at least as long as a 429/503 Retry-After asks;
 * - a manual attempt (resend, recover) continues the delivery's schedule where it stood, so a
 *   resent dead letter gets one try and a resend mid-schedule keeps its remaining retries;
 * - an endpoint that has failed without a success for `endpointDisableAfterMs` is disabled.
 */
export function decide(input: OutcomeInput): Decision {
  const { result, endpoint, now } = input;
  const code = result.statusCode;
  // A 2xx counts only as a clean response: a result that carries an error kind (a refused
  // CloudEvents handshake answered 200 without consent) is a failure whatever its status.
  if (code >= 200 && code < 300 && result.errorKind === null) {
    return {
      status: DeliveryStatus.Success,
      nextAttemptAt: null,
      errorKind: null,
      endpointFailingSince: null,
      disableEndpoint: false,
    };
  }
  if (result.errorKind === "ssrf_blocked") {
    return {
      status: DeliveryStatus.Fail,
      nextAttemptAt: null,
      errorKind: "ssrf_blocked",
      endpointFailingSince: endpoint.failingSince,
      disableEndpoint: false,
    };
  }
  const errorKind: ErrorKind =
    result.errorKind ?? (code === 410 ? "endpoint_gone" : code >= 300 && code < 400 ? "redirect" : "http_status");
  const failingSince = endpoint.failingSince ?? now;
  const staleTooLong = now - failingSince >= input.endpointDisableAfterMs;
  const gone = code === 410;
  let nextAttemptAt: number | null = null;
  if (!gone) {
    const delay = retryDelayMs(input.retryScheduleSeconds, input.attemptsBefore + 1, input.random);
    if (delay !== null) {
      const retryAfter = code === 429 || code === 503 ? parseRetryAfter(result.headers["retry-after"], now) : null;
      nextAttemptAt = now + Math.max(delay, retryAfter ?? 0);
    }
  }
  const disableEndpoint = gone || staleTooLong;
  if (disableEndpoint) nextAttemptAt = null;
  return {
    status: nextAttemptAt === null ? DeliveryStatus.Fail : DeliveryStatus.Sending,
    nextAttemptAt,
    errorKind,
    endpointFailingSince: failingSince,
    disableEndpoint,
  };
}

/**
 * A failure before any request was made that may not recur (an expression stopped at its time or
 * memory limit, or not evaluated because the sandbox was busy): the delivery follows the retry
 * schedule, so it can neither loop nor be lost, and the endpoint's health is untouched (it was
 * not contacted).
 */
export function retryUncontacted(
  input: Pick<OutcomeInput, "endpoint" | "attemptsBefore" | "now" | "retryScheduleSeconds" | "random">,
  errorKind: ErrorKind,
): Decision {
  const delay = retryDelayMs(input.retryScheduleSeconds, input.attemptsBefore + 1, input.random);
  return {
    status: delay === null ? DeliveryStatus.Fail : DeliveryStatus.Sending,
    nextAttemptAt: delay === null ? null : input.now + delay,
    errorKind,
    endpointFailingSince: input.endpoint.failingSince,
    disableEndpoint: false,
  };
}
