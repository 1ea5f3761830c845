import type { Endpoint, ErrorKind, Message } from "../core/entities.ts";
import { ExpressionError, runExpressions } from "../core/expressions.ts";
import { formatRequest } from "./cloudevents.ts";
import { forwardedHeaders, inboundBody, inboundPayloadValue } from "./inbound-body.ts";
import type { DeliveryMethod } from "../sandbox/protocol.ts";
import { webhookHeaders } from "./webhook-request.ts";

/** What the worker does with a delivery before any network traffic. */
export type Prepared =
  /** `method` and `url`: as a JavaScript transformation left them (by default POST to the endpoint's URL). */
  | { kind: "send"; headers: Record<string, string>; body: string | Buffer; method: DeliveryMethod; url: string }
  /** Settled without sending: the payload filter said no, or a JavaScript transformation canceled it. */
  | { kind: "cancel"; detail: string }
  /**
   * Cannot be sent as configured (the filter or transformation failed). `retry`: the evaluation
   * was stopped (time or memory limit) or not run (sandbox busy), so it follows the retry
   * schedule; otherwise it failed deterministically and retrying will not help.
   */
  | { kind: "fail"; errorKind: ErrorKind; detail: string; retry: boolean };

const failure = (error: unknown, fallbackStage: "filter" | "transformation"): Prepared => {
  const e = error instanceof ExpressionError ? error : new ExpressionError("failed", String(error), fallbackStage);
  const errorKind: ErrorKind =
    e.stage === "filter" ? "filter_error" : e.kind === "timeout" ? "transformation_timeout" : "transformation_error";
  return { kind: "fail", errorKind, detail: `${e.stage} failed: ${e.message}`, retry: e.transient };
};

/**
 * The request an endpoint gets for a message: the payload filter decides whether it gets one,
 * the transformation what body it carries, the format how that body is framed (plain JSON or a
 * CloudEvent), and the Standard Webhooks headers sign exactly the bytes that will be sent.
 */
export async function prepareRequest(
  endpoint: Endpoint,
  message: Message & { payload: string },
  now: number,
  origin: string,
): Promise<Prepared> {
  const { filter, transformation, format = "standard", cloudEventsHandshake } = endpoint.options;
  // A received event travels as the provider sent it: its own bytes and content type.
  let body: string | Buffer = message.inbound ? inboundBody(message, message.inbound) : message.payload;
  let contentType = message.inbound ? (message.inbound.contentType ?? "application/octet-stream") : "application/json";
  const transforms = transformation?.enabled === true && !!transformation.code;
  let method: DeliveryMethod = "POST";
  let url = endpoint.url;
  if (filter || transforms) {
    // One evaluation for both (in-process when both are bounded, else one sandbox round trip): the filter
    // first, the transformation only if it passed.
    const payloadJson = message.inbound
      ? JSON.stringify(inboundPayloadValue(message, message.inbound))
      : message.payload;
    try {
      const outcome = await runExpressions(
        {
          filter: filter || null,
          transformation: transforms
            ? {
                code: transformation.code!,
                variables: transformation.variables,
                language: transformation.language ?? "jsonata",
              }
            : null,
        },
        { eventType: message.eventType, channels: message.channels, msgId: message.id, url: endpoint.url },
        payloadJson,
        endpoint.appId,
      );
      if (!outcome.passed) {
        const detail = outcome.canceled
          ? "the endpoint's transformation canceled this delivery"
          : "the endpoint's filter excluded this message";
        return { kind: "cancel", detail };
      }
      if (outcome.body !== null) {
        body = outcome.body;
        contentType = "application/json";
      }
      method = outcome.method;
      url = outcome.url ?? endpoint.url;
    } catch (error) {
      return failure(error, filter ? "filter" : "transformation");
    }
  }
  const framed = formatRequest(format, message, body, contentType);
  const headers = {
    ...(message.inbound ? forwardedHeaders(message.inbound) : {}),
    ...webhookHeaders(endpoint, message.id, framed.body, now),
    ...framed.headers,
  };
  // CloudEvents abuse protection: the origin that was validated goes with every delivery.
  if (cloudEventsHandshake) headers["webhook-request-origin"] = origin;
  return { kind: "send", headers, body: framed.body, method, url };
}
