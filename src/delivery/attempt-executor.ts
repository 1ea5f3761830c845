import type { Logger } from "pino";
import type { Clock } from "../core/clock.ts";
import type { EndpointDirectory } from "../core/endpoint-directory.ts";
import { DeliveryStatus, type Attempt, type Endpoint, type ErrorKind, type Message } from "../core/entities.ts";
import { newId } from "../core/ids.ts";
import { addTraceHeaders, type OutgoingTrace } from "../core/trace-context.ts";
import type { DeliveryObserver } from "../observability/delivery-observer.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { Store } from "../store/store.ts";
import { needsHandshake } from "./cloudevents.ts";
import { CloudEventsHandshake } from "./cloudevents-handshake.ts";
import { endAttemptSpan, startAttemptSpan, type AttemptSpan } from "./attempt-span.ts";
import { CompletionBatcher } from "./completion-batcher.ts";
import type { DeliveryJob } from "./delivery-job.ts";
import { EventTypeSchedules } from "./event-type-schedules.ts";
import type { HttpSender, SendResult } from "./http-sender.ts";
import { decide, retryUncontacted, type Decision } from "./outcome.ts";
import { prepareRequest, type Prepared } from "./prepare-request.ts";
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

/** What became of the endpoint: whether this attempt disabled it, whether a turn passed on. */
export interface AttemptResult {
  endpointDisabled: boolean;
  promoted: boolean;
}

const NOTHING_HAPPENED: AttemptResult = { endpointDisabled: false, promoted: false };

/** The delivery's endpoint and message, as loaded for this attempt. */
interface Target {
  endpoint: Endpoint;
  message: Message;
}

/** What the attempt sent (if anything), what came back and what it means for the delivery. */
interface Exchange {
  startedAt: number;
  sentTo: string;
  requestHeaders: Record<string, string>;
  requestSent: boolean;
  result: SendResult;
  decision: Decision;
}

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
  private readonly handshake: CloudEventsHandshake;

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
    this.handshake = new CloudEventsHandshake(sender, store.endpoints, endpoints, clock, options.webhookOrigin);
  }

  /**
   * Returns what became of the endpoint: whether this attempt disabled it, whether a turn passed
   * on. `sent` is called once the request is on its way (or it will not be sent now, or it waits
   * for the endpoint's rate limit), when this delivery stops being urgent for the event loop.
   */
  async run(job: DeliveryJob, sent: () => void = () => {}): Promise<AttemptResult> {
    const pickedUpAt = this.clock.now();
    const target = await this.load(job);
    // Deleting the endpoint or message deleted its deliveries too: nothing left to do or record.
    if (!target) return NOTHING_HAPPENED;
    const ordered = target.endpoint.options.ordered === true;
    if (ordered && !(await this.isTurnOf(job))) return NOTHING_HAPPENED;
    const span = startAttemptSpan(this.options.tracing, job, target.endpoint, target.message);
    const exchange = await this.exchange(job, target, span, sent);
    sent();
    const { attempt, now } = await this.record(job, target, exchange);
    this.report(job, target, exchange, attempt, pickedUpAt, span);
    return this.passTurn(job, ordered, exchange.decision, now);
  }

  /** The delivery's endpoint and message, or null when either is gone. */
  private async load(job: DeliveryJob): Promise<Target | null> {
    const [endpoint, message] = await Promise.all([
      this.endpoints.endpoint(job.appId, job.endpointId),
      job.message ?? this.store.messages.get(job.appId, job.msgId),
    ]);
    return endpoint && message ? { endpoint, message } : null;
  }

  /**
   * What the endpoint was sent and what came of it: nothing sent (disabled endpoint, expunged
   * payload, filtered out, failed transformation), a refused handshake, or the webhook's response.
   */
  private async exchange(
    job: DeliveryJob,
    target: Target,
    { trace }: AttemptSpan,
    sent: () => void,
  ): Promise<Exchange> {
    const { endpoint, message } = target;
    if (endpoint.disabled) return this.unsent(target, "endpoint_disabled", "endpoint is disabled");
    if (message.payload === null) return this.unsent(target, "payload_expunged", "message payload was expunged");
    // A throttled delivery waits here, holding only a slot of its own endpoint's lane.
    if (endpoint.throttleRate) {
      // Its timing is the limiter's from here on: background work need not wait for it.
      sent();
      await this.rateLimiter.acquire(endpoint.id, endpoint.throttleRate);
    }
    const startedAt = this.clock.now();
    const refused = needsHandshake(endpoint) ? await this.handshake.ask(endpoint) : null;
    if (refused) {
      // The attempt's request was the handshake's OPTIONS, and the result is its response.
      const requestHeaders = { "webhook-request-origin": this.options.webhookOrigin };
      const decision = await this.decide(refused, target, job);
      return { startedAt, sentTo: endpoint.url, requestHeaders, requestSent: true, result: refused, decision };
    }
    const payload = message as Message & { payload: string };
    const prepared = await prepareRequest(endpoint, payload, startedAt, this.options.webhookOrigin);
    const unsent = { startedAt, sentTo: endpoint.url, requestHeaders: {}, requestSent: false };
    if (prepared.kind === "cancel") {
      const decision = this.settle(DeliveryStatus.Canceled, "filtered", endpoint);
      return { ...unsent, result: noResponse("filtered", prepared.detail), decision };
    }
    if (prepared.kind === "fail") {
      const decision = prepared.retry
        ? await this.retryUncontacted(prepared.errorKind, target, job)
        : this.settle(DeliveryStatus.Fail, prepared.errorKind, endpoint);
      return { ...unsent, result: noResponse(prepared.errorKind, prepared.detail), decision };
    }
    return this.send(job, target, prepared, trace, startedAt, sent);
  }

  /** Settled without a request: the endpoint is disabled or the payload is gone. */
  private unsent({ endpoint }: Target, errorKind: ErrorKind, detail: string): Exchange {
    const result = noResponse(errorKind, detail);
    const decision = this.settle(DeliveryStatus.Fail, errorKind, endpoint);
    return {
      startedAt: this.clock.now(),
      sentTo: endpoint.url,
      requestHeaders: {},
      requestSent: false,
      result,
      decision,
    };
  }

  private async send(
    job: DeliveryJob,
    target: Target,
    request: Prepared & { kind: "send" },
    trace: OutgoingTrace | null,
    startedAt: number,
    sent: () => void,
  ): Promise<Exchange> {
    const requestHeaders = request.headers;
    if (trace) addTraceHeaders(requestHeaders, trace);
    // A JavaScript transformation may have chosen PUT or another URL; the SSRF guard checks
    // that URL when connecting, like any endpoint's (src/delivery/ssrf/).
    const response = this.sender.post(request.url, requestHeaders, request.body, request.method, {
      msgId: job.msgId,
      eventType: target.message.eventType,
      attempt: job.attemptCount + 1,
    });
    const onTheWire = setTimeout(sent, ON_THE_WIRE_MS);
    const result = await response;
    clearTimeout(onTheWire);
    sent();
    const decision = await this.decide(result, target, job);
    return { startedAt, sentTo: request.url, requestHeaders, requestSent: true, result, decision };
  }

  /** Writes the attempt with the delivery's new state (one write), and the endpoint's health to the cache. */
  private async record(
    job: DeliveryJob,
    { endpoint }: Target,
    exchange: Exchange,
  ): Promise<{ attempt: Attempt; now: number }> {
    const { result, decision } = exchange;
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
    const attempt = attemptOf(job, endpoint, exchange, now);
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
    return { attempt, now };
  }

  /** Tells the observers (metrics, the attempt log, operational webhooks) and ends the attempt's span. */
  private report(
    job: DeliveryJob,
    { endpoint, message }: Target,
    { decision, requestSent }: Exchange,
    attempt: Attempt,
    pickedUpAt: number,
    { span, trace }: AttemptSpan,
  ): void {
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
    // A span is exported once ended; one left open by a throw before this is dropped with the attempt.
    if (span) endAttemptSpan(span, attempt, requestSent);
  }

  /** Settled (delivered, dead-lettered or filtered out): the next message of an ordered endpoint may go. */
  private async passTurn(job: DeliveryJob, ordered: boolean, decision: Decision, now: number): Promise<AttemptResult> {
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

  private async decide(result: SendResult, { endpoint, message }: Target, job: DeliveryJob): Promise<Decision> {
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
    { endpoint, message }: Target,
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

/** The attempt as it is stored and shown (headers as logged: secrets masked). */
function attemptOf(job: DeliveryJob, endpoint: Endpoint, exchange: Exchange, now: number): Attempt {
  const { result, decision } = exchange;
  return {
    id: newId("atmpt", now),
    appId: job.appId,
    msgId: job.msgId,
    endpointId: job.endpointId,
    url: exchange.sentTo,
    status:
      decision.status === DeliveryStatus.Success || decision.status === DeliveryStatus.Canceled
        ? decision.status
        : DeliveryStatus.Fail,
    responseStatusCode: result.statusCode,
    response: result.body,
    responseDurationMs: result.durationMs,
    triggerType: job.trigger,
    errorKind: decision.errorKind,
    requestHeaders: headersForLog(exchange.requestHeaders, endpoint),
    responseHeaders: responseHeadersForLog(result, endpoint),
    createdAt: exchange.startedAt,
  };
}
