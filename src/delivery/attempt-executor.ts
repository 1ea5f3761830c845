import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { EndpointDirectory } from "../core/endpoint-directory.ts";
import { DeliveryStatus, type Attempt, type Endpoint, type ErrorKind, type Message } from "../core/entities.ts";
import { newId } from "../core/ids.ts";
import { addTraceHeaders, continueTrace, storedTrace } from "../core/trace-context.ts";
import type { DeliveryObserver } from "../observability/delivery-observer.ts";
import { attemptOutcome } from "../observability/outcome-labels.ts";
import type { ActiveSpan, Tracing } from "../observability/tracing.ts";
import type { Store } from "../store/store.ts";
import { needsHandshake } from "./cloudevents.ts";
import { CompletionBatcher } from "./completion-batcher.ts";
import type { DeliveryJob } from "./delivery-job.ts";
import { EventTypeSchedules } from "./event-type-schedules.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";
import { decide, retryUncontacted, type Decision } from "./outcome.ts";
import { prepareRequest } from "./prepare-request.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { responseHeadersForLog } from "./response-headers.ts";
import { headersForLog } from "./webhook-request.ts";

export interface ExecutorOptions {
  retryScheduleSeconds: number[];
  endpointDisableAfterMs: number;
  /** Sent as WebHook-Request-Origin to endpoints that use the CloudEvents validation handshake. */
  webhookOrigin: string;
  /** Told about every recorded attempt (metrics, the attempt log); see observability/delivery-observer.ts. */
  observer?: DeliveryObserver;
  /** Records a span per attempt (observability/tracing.ts); absent: none. */
  tracing?: Tracing;
}

/**
 * An ordered endpoint's later deliveries wait while an earlier one is in flight; they look again
 * after this long unless the earlier one settling promotes them sooner.
 */
const ORDER_RECHECK_MS = 1000;

/** The outcome of a step that made no HTTP request (nothing to log as a response). */
const noResponse = (errorKind: ErrorKind, body: string): SendResult => ({
  statusCode: 0,
  body,
  durationMs: 0,
  errorKind,
  headers: {},
});

/**
 * A request counts as sent once its response came, or after this long. Written is not enough:
 * undici writes from a setImmediate, and loopback delivery of the bytes can wait for the kernel's
 * softirq on this CPU, which a synchronous task (a 2-ms SQLite batch) started right after the
 * write holds off until it ends. Measured: a busy 3 ms started two immediates after `post()`
 * delayed ~8% of arrivals past its end; started after a 1-ms timer (the loop sleeps in epoll
 * meanwhile), 0 of 200.
 */
const ON_THE_WIRE_MS = 1;

/**
 * Makes one attempt at one delivery: checks it is the delivery's turn (ordered endpoints), waits
 * for the endpoint's rate limit, performs the CloudEvents handshake if the endpoint wants one,
 * applies the filter, transformation and format, sends, decides what happens next and records
 * the attempt with the delivery's new state in one write.
 */
export class AttemptExecutor {
  private readonly rateLimiter: RateLimiter;
  private readonly schedules: EventTypeSchedules;
  private readonly completions: CompletionBatcher;

  constructor(
    private readonly store: Store,
    private readonly sender: HttpSender,
    private readonly clock: Clock,
    private readonly options: ExecutorOptions,
    private readonly log: Logger,
    private readonly owner: string,
    private readonly endpoints: EndpointDirectory,
  ) {
    this.rateLimiter = new RateLimiter(store.rateLimits, clock, log);
    this.schedules = new EventTypeSchedules(store.eventTypes);
    this.completions = new CompletionBatcher(store.deliveries, owner);
  }

  /**
   * Returns what became of the endpoint: whether this attempt disabled it, whether a turn passed
   * on. `sent` is called once the request is on its way (or it will not be sent now, or it waits
   * for the endpoint's rate limit), when this delivery stops being urgent for the event loop.
   */
  async run(job: DeliveryJob, sent: () => void = () => {}): Promise<{ endpointDisabled: boolean; promoted: boolean }> {
    const none = { endpointDisabled: false, promoted: false };
    const pickedUpAt = this.clock.now();
    const [endpoint, message] = await Promise.all([
      this.endpoints.endpoint(job.appId, job.endpointId),
      job.message ?? this.store.messages.get(job.appId, job.msgId),
    ]);
    // Deleting the endpoint or message deleted its deliveries too: nothing left to do or record.
    if (!endpoint || !message) return none;

    const ordered = endpoint.options.ordered === true;
    if (ordered && !(await this.isTurnOf(job))) return none;

    // Each attempt continues the message's trace under a span id of its own: the attempt span's
    // with tracing on, a fresh one without (docs/operations.md, "Tracing").
    const stored = storedTrace(message);
    const span = this.options.tracing?.start("hookline.attempt", "client", stored, {
      "hookline.app_id": job.appId,
      "hookline.endpoint_id": job.endpointId,
      "hookline.message_id": job.msgId,
      "hookline.event_type": message.eventType,
      "hookline.event_id": message.eventId ?? undefined,
      "hookline.attempt": job.attemptCount + 1,
      "http.request.method": "POST",
      "server.address": hostOf(endpoint.url),
    });
    const trace = span ?? (stored ? continueTrace(stored) : null);

    let startedAt = this.clock.now();
    let requestHeaders: Record<string, string> = {};
    let result: SendResult;
    let decision: Decision;
    let requestSent = false;
    let sentTo = endpoint.url;
    if (endpoint.disabled || message.payload === null) {
      result = endpoint.disabled
        ? noResponse("endpoint_disabled", "endpoint is disabled")
        : noResponse("payload_expunged", "message payload was expunged");
      decision = this.settle(DeliveryStatus.Fail, result.errorKind, endpoint);
    } else {
      // A throttled delivery waits here, holding only a slot of its own endpoint's lane.
      if (endpoint.throttleRate) {
        // Its timing is the limiter's from here on: background work need not wait for it.
        sent();
        await this.rateLimiter.acquire(endpoint.id, endpoint.throttleRate);
      }
      startedAt = this.clock.now();
      const refused = needsHandshake(endpoint) ? await this.handshake(endpoint) : null;
      const prepared = refused
        ? null
        : await prepareRequest(
            endpoint,
            message as Message & { payload: string },
            startedAt,
            this.options.webhookOrigin,
          );
      if (refused) {
        // The attempt's request was the handshake's OPTIONS, and the result is its response.
        requestSent = true;
        result = refused;
        requestHeaders = { "webhook-request-origin": this.options.webhookOrigin };
        decision = await this.decide(result, endpoint, message, job);
      } else if (prepared!.kind === "cancel") {
        result = noResponse("filtered", prepared!.detail);
        decision = this.settle(DeliveryStatus.Canceled, "filtered", endpoint);
      } else if (prepared!.kind === "fail") {
        result = noResponse(prepared!.errorKind, prepared!.detail);
        decision = prepared!.retry
          ? await this.retryUncontacted(prepared!.errorKind, endpoint, message, job)
          : this.settle(DeliveryStatus.Fail, prepared!.errorKind, endpoint);
      } else {
        requestHeaders = prepared!.headers;
        if (trace) addTraceHeaders(requestHeaders, trace);
        requestSent = true;
        // A JavaScript transformation may have chosen PUT or another URL; the SSRF guard checks
        // that URL when connecting, like any endpoint's (src/delivery/ssrf/).
        sentTo = prepared!.url;
        const response = this.sender.post(prepared!.url, requestHeaders, prepared!.body, prepared!.method, {
          msgId: job.msgId,
          eventType: message.eventType,
          attempt: job.attemptCount + 1,
        });
        const onTheWire = setTimeout(sent, ON_THE_WIRE_MS);
        result = await response;
        clearTimeout(onTheWire);
        sent();
        decision = await this.decide(result, endpoint, message, job);
      }
    }

    sent();
    if (result.operatorDetail !== undefined) {
      this.log.warn(
        {
          appId: job.appId,
          endpointId: job.endpointId,
          msgId: job.msgId,
          errorKind: result.errorKind,
          detail: result.operatorDetail,
        },
        "delivery refused before connecting",
      );
    }
    const now = this.clock.now();
    const attempt: Attempt = {
      id: newId("atmpt", now),
      appId: job.appId,
      msgId: job.msgId,
      endpointId: job.endpointId,
      url: sentTo,
      status:
        decision.status === DeliveryStatus.Success || decision.status === DeliveryStatus.Canceled
          ? decision.status
          : DeliveryStatus.Fail,
      responseStatusCode: result.statusCode,
      response: result.body,
      responseDurationMs: result.durationMs,
      triggerType: job.trigger,
      errorKind: decision.errorKind,
      requestHeaders: headersForLog(requestHeaders, endpoint),
      responseHeaders: responseHeadersForLog(result, endpoint),
      createdAt: startedAt,
    };
    if (decision.disableEndpoint) {
      this.log.warn({ endpointId: endpoint.id, errorKind: decision.errorKind }, "endpoint disabled");
    }
    await this.completions.complete(
      {
        deliveryId: job.id,
        attempt,
        status: decision.status,
        nextAttemptAt: decision.nextAttemptAt,
        endpointFailingSince: decision.endpointFailingSince,
        disableEndpoint: decision.disableEndpoint,
      },
      now,
    );
    this.endpoints.patch(job.appId, job.endpointId, { failingSince: decision.endpointFailingSince });
    const traceIds = trace ? { traceId: trace.traceId, spanId: trace.spanId } : null;
    this.options.observer?.attemptRecorded({
      job,
      message,
      endpoint,
      attempt,
      decision,
      requestSent,
      pickedUpAt,
      trace: traceIds,
    });
    // A span is exported once ended; one left open by a throw above is dropped with the attempt.
    if (span) endAttemptSpan(span, attempt, requestSent);
    // Settled (delivered, dead-lettered or filtered out): the next message of an ordered endpoint may go.
    const settled = decision.nextAttemptAt === null;
    if (ordered && settled) await this.store.deliveries.promoteNext(job.appId, job.endpointId, now);
    return { endpointDisabled: decision.disableEndpoint, promoted: ordered && settled };
  }

  /**
   * Strict order: only the endpoint's oldest unsettled delivery may be attempted. Any other one
   * goes back to the store, due when the one ahead of it is next tried (or soon, if it is in flight).
   */
  private async isTurnOf(job: DeliveryJob): Promise<boolean> {
    const head = await this.store.deliveries.oldestUnsettled(job.appId, job.endpointId);
    if (!head || head.id === job.id) return true;
    const now = this.clock.now();
    const headDue = head.nextAttemptAt ?? now;
    await this.store.deliveries.park(this.owner, job.id, headDue > now ? headDue : now + ORDER_RECHECK_MS);
    return false;
  }

  /**
   * The CloudEvents abuse-protection handshake: an OPTIONS request with WebHook-Request-Origin.
   * Only a WebHook-Allowed-Origin naming our origin (or `*`) counts as consent; the status code
   * does not. Returns null on consent, or the failed result to record.
   */
  private async handshake(endpoint: Endpoint): Promise<SendResult | null> {
    const origin = this.options.webhookOrigin;
    const response = await this.sender.options(endpoint.url, { "webhook-request-origin": origin });
    const allowed = response.headers["webhook-allowed-origin"];
    const value = Array.isArray(allowed) ? allowed[0] : allowed;
    if (value !== undefined && (value.trim() === "*" || value.trim().toLowerCase() === origin.toLowerCase())) {
      const at = this.clock.now();
      await this.store.endpoints.markHandshakeValidated(endpoint.appId, endpoint.id, at);
      this.endpoints.patch(endpoint.appId, endpoint.id, { handshakeValidatedAt: at });
      return null;
    }
    return {
      ...response,
      errorKind: response.errorKind ?? "handshake_refused",
      body: `CloudEvents validation handshake not granted (WebHook-Allowed-Origin: ${value ?? "absent"}); ${response.body}`,
    };
  }

  private async decide(result: SendResult, endpoint: Endpoint, message: Message, job: DeliveryJob): Promise<Decision> {
    const schedule = (await this.schedules.forType(message.eventType)) ?? this.options.retryScheduleSeconds;
    return decide({
      result,
      endpoint,
      attemptsBefore: job.attemptCount,
      trigger: job.trigger,
      now: this.clock.now(),
      retryScheduleSeconds: schedule,
      endpointDisableAfterMs: this.options.endpointDisableAfterMs,
    });
  }

  private async retryUncontacted(
    errorKind: ErrorKind,
    endpoint: Endpoint,
    message: Message,
    job: DeliveryJob,
  ): Promise<Decision> {
    const schedule = (await this.schedules.forType(message.eventType)) ?? this.options.retryScheduleSeconds;
    return retryUncontacted(
      { endpoint, attemptsBefore: job.attemptCount, now: this.clock.now(), retryScheduleSeconds: schedule },
      errorKind,
    );
  }

  /** A final state reached without a response to judge: no retry, no change to the endpoint's health. */
  private settle(status: DeliveryStatus, errorKind: ErrorKind | null, endpoint: Endpoint): Decision {
    return {
      status,
      nextAttemptAt: null,
      errorKind,
      endpointFailingSince: endpoint.failingSince,
      disableEndpoint: false,
    };
  }
}

/** The endpoint's host for `server.address` (the URL itself may carry credentials in its path or query). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

function endAttemptSpan(span: ActiveSpan, attempt: Attempt, requestSent: boolean): void {
  span.setAttributes({
    "hookline.outcome": attemptOutcome(attempt),
    "hookline.request_sent": requestSent,
    "http.response.status_code": attempt.responseStatusCode > 0 ? attempt.responseStatusCode : undefined,
  });
  if (attempt.status === DeliveryStatus.Fail) span.fail(attempt.errorKind ?? "failed");
  span.end();
}
