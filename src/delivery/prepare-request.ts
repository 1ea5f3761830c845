import type { Endpoint, ErrorKind, Message } from "../core/entities.ts";
import { evaluateExpression, ExpressionError, isTruthy, type ExpressionInput } from "../core/expressions.ts";
import { formatRequest } from "./cloudevents.ts";
import { forwardedHeaders, inboundBody, inboundPayloadValue } from "./inbound-body.ts";
import { webhookHeaders } from "./webhook-request.ts";

/** What the worker does with a delivery before any network traffic. */
export type Prepared =
  | { kind: "send"; headers: Record<string, string>; body: string | Buffer }
  /** Settled without sending: the payload filter said no. */
  | { kind: "cancel"; detail: string }
  /** Cannot be sent as configured (the filter or transformation failed); retrying will not help. */
  | { kind: "fail"; errorKind: ErrorKind; detail: string };

function inputOf(message: Message & { payload: string }): ExpressionInput {
  return {
    eventType: message.eventType,
    payload: message.inbound ? inboundPayloadValue(message, message.inbound) : JSON.parse(message.payload),
    channels: message.channels,
    msgId: message.id,
  };
}

const failure = (error: unknown, stage: "filter" | "transformation"): Prepared => {
  const e = error instanceof ExpressionError ? error : new ExpressionError("failed", String(error));
  const errorKind: ErrorKind =
    stage === "filter" ? "filter_error" : e.kind === "timeout" ? "transformation_timeout" : "transformation_error";
  return { kind: "fail", errorKind, detail: `${stage} failed: ${e.message}` };
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
  let input: ExpressionInput | null = null;
  if (filter) {
    input = inputOf(message);
    try {
      if (!isTruthy(await evaluateExpression(filter, input))) {
        return { kind: "cancel", detail: "the endpoint's filter excluded this message" };
      }
    } catch (error) {
      return failure(error, "filter");
    }
  }
  // A received event travels as the provider sent it: its own bytes and content type.
  let body: string | Buffer = message.inbound ? inboundBody(message, message.inbound) : message.payload;
  let contentType = message.inbound ? (message.inbound.contentType ?? "application/octet-stream") : "application/json";
  if (transformation?.enabled && transformation.code) {
    input ??= inputOf(message);
    try {
      const result = await evaluateExpression(transformation.code, input, transformation.variables);
      if (result === undefined) {
        return failure(new ExpressionError("failed", "the expression produced no value"), "transformation");
      }
      body = JSON.stringify(result);
      contentType = "application/json";
    } catch (error) {
      return failure(error, "transformation");
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
  return { kind: "send", headers, body: framed.body };
}
