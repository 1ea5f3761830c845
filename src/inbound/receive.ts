import type { IngestLogEntry, IngestOutcome, IngestSource, Message } from "../core/entities.ts";
import { handOffDeliveries, planDeliveries, type DeliveryPlanningPorts } from "../core/create-message.ts";
import { newId } from "../core/ids.ts";
import { incomingTrace, type TraceHeaders } from "../core/trace-context.ts";
import type { HooklineMetrics } from "../observability/metrics.ts";
import type { Tracing } from "../observability/tracing.ts";
import type { IngestRepository } from "../store/store.ts";
import { defaultForwardedHeaders, loggableHeaders, pickForwardedHeaders } from "./forwarded-headers.ts";
import type { InboundRequest } from "./verifier.ts";
import { contentDedupeKey, verifierFor } from "./verifier-registry.ts";

/** What receiving and forwarding an inbound request uses: message creation's planning and hand-over, and more. */
export interface InboundPorts extends DeliveryPlanningPorts {
  ingest: Pick<IngestRepository, "accept" | "appendLog">;
  tracing: Pick<Tracing, "start">;
  metrics: Pick<HooklineMetrics, "ingestRequest" | "messageCreated">;
}

/** The answer the provider gets. */
export interface InboundResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The log keeps up to 64 kB of each body (the event itself is stored whole): enough to diagnose a refusal. */
const LOG_PAYLOAD_LIMIT = 64 * 1024;
/** Used when the provider names no event type (a generic webhook without one). */
export const DEFAULT_INBOUND_EVENT_TYPE = "webhook";

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A body as the `payload` column holds it: the text itself when it is valid UTF-8 without NUL
 * (PostgreSQL text cannot hold NUL), otherwise base64, so any bytes are forwarded unchanged.
 */
function storedBody(raw: Buffer): { text: string; encoding: "utf8" | "base64" } {
  if (!raw.includes(0)) {
    try {
      return { text: STRICT_UTF8.decode(raw), encoding: "utf8" };
    } catch {
      // not text: fall through
    }
  }
  return { text: raw.toString("base64"), encoding: "base64" };
}

const refusedResponse: InboundResponse = {
  status: 401,
  contentType: "application/json",
  // The precise reason goes to the source's log, not to the caller: a forger learns nothing.
  body: JSON.stringify({ code: "verification_failed", detail: "the request could not be verified" }),
};

const acceptedResponse = (source: IngestSource): InboundResponse =>
  source.options.response ?? { status: 200, contentType: "application/json", body: "{}" };

/**
 * One inbound request, start to finish: verify it as its provider defines, answer challenges,
 * drop redeliveries already seen, and otherwise store the raw body with one delivery per
 * destination in one transaction before acknowledging; the destinations are sent to afterwards
 * by the same workers that deliver outbound messages. Every request is logged with its outcome.
 */
export async function receiveInbound(
  ports: InboundPorts,
  source: IngestSource,
  request: InboundRequest,
): Promise<InboundResponse> {
  // The provider's traceparent, if it sent a valid one, is the parent; the stored message continues
  // the ingest span (tracing on) or the provider's context as received (off).
  const received = incomingTrace(request.headers);
  const span = ports.tracing.start("hookline.ingest", "server", received, {
    "hookline.source_id": source.id,
    "hookline.source_type": source.type,
    "hookline.app_id": source.appId,
  });
  if (!span) return receiveVerified(ports, source, request, received);
  try {
    const response = await receiveVerified(ports, source, request, span);
    span.setAttributes({ "http.response.status_code": response.status });
    if (response.status >= 400) span.fail(String(response.status));
    return response;
  } catch (error) {
    span.fail(error instanceof Error ? error.name : "error", error instanceof Error ? error.message : undefined);
    throw error;
  } finally {
    span.end();
  }
}

async function receiveVerified(
  ports: InboundPorts,
  source: IngestSource,
  request: InboundRequest,
  trace: TraceHeaders | null,
): Promise<InboundResponse> {
  const verifier = verifierFor(source.type);
  // Each request takes one of the paths below, so its body is converted once: here for a log
  // entry of a request not forwarded, in forwardInbound for one that is.
  const log = (outcome: IngestOutcome, statusCode: number, errorText: string) =>
    logEntry(source, request, storedBody(request.rawBody), outcome, statusCode, errorText, null);

  if (!verifier) {
    await ports.ingest.appendLog(log("rejected", 500, `unknown source type "${source.type}"`));
    ports.metrics.ingestRequest("misconfigured");
    return { status: 500, contentType: "application/json", body: '{"code":"source_misconfigured"}' };
  }
  const verification = verifier.verify(source.config, request);
  if (!verification.ok) {
    await ports.ingest.appendLog(log("refused", refusedResponse.status, verification.reason));
    ports.metrics.ingestRequest("verification_failed");
    return refusedResponse;
  }
  if (verification.reply) {
    const reply = verification.reply;
    await ports.ingest.appendLog(log("replied", reply.status, "answered directly; not forwarded"));
    ports.metrics.ingestRequest("replied");
    return reply;
  }
  const windowMs = source.options.dedupeWindowSeconds * 1000;
  const keys = [verification.dedupeId, contentDedupeKey(verifier, source.config, request, verification)];
  const dedupeKeys = keys.filter((key): key is string => key !== null);
  const { duplicate } = await forwardInbound(
    ports,
    source,
    request,
    verification.eventType,
    dedupeKeys,
    windowMs,
    trace,
  );
  ports.metrics.ingestRequest(duplicate ? "duplicate" : "accepted");
  if (!duplicate) ports.metrics.messageCreated("ingest", source.appId);
  return acceptedResponse(source);
}

/**
 * Stores an authentic inbound event (raw body, one delivery per destination, its log entry) in one
 * transaction, unless one of `dedupeKeys` (the provider's delivery id, and for a signature that
 * covers only the content, a digest of it) was seen within `dedupeWindowMs`, then hands the
 * deliveries to the workers. Also how a cron source emits (inbound/cron-emitter.ts). Returns the message id, or
 * the original's for a duplicate.
 */
export async function forwardInbound(
  ports: InboundPorts,
  source: IngestSource,
  request: InboundRequest,
  eventType: string | null,
  dedupeKeys: readonly string[],
  dedupeWindowMs: number,
  trace: TraceHeaders | null = null,
): Promise<{ msgId: string; duplicate: boolean }> {
  const body = storedBody(request.rawBody);
  const message: Message = {
    id: newId("msg", request.now),
    appId: source.appId,
    eventType: eventType ?? DEFAULT_INBOUND_EVENT_TYPE,
    eventId: null,
    payload: body.text,
    channels: null,
    tags: null,
    createdAt: request.now,
    payloadExpiresAt: null,
    inbound: {
      sourceId: source.id,
      contentType: request.headers["content-type"] ?? null,
      headers: pickForwardedHeaders(
        request.headers,
        source.options.forwardHeaders ?? defaultForwardedHeaders(source.type),
      ),
      encoding: body.encoding,
    },
    traceparent: trace?.traceparent ?? null,
    tracestate: trace?.tracestate ?? null,
  };
  const response = acceptedResponse(source);
  const deliveries = await planDeliveries(ports, message);
  const dedupe =
    dedupeKeys.length > 0 && dedupeWindowMs > 0 ? { keys: dedupeKeys, expiresAt: request.now + dedupeWindowMs } : null;
  const accepted = await ports.ingest.accept(
    message,
    deliveries,
    dedupe,
    logEntry(source, request, body, "accepted", response.status, "", message.id),
  );
  // A duplicate's planned deliveries were never written: nothing to hand over.
  if (accepted.duplicateOf === null) await handOffDeliveries(ports, message, deliveries);
  return { msgId: accepted.duplicateOf ?? message.id, duplicate: accepted.duplicateOf !== null };
}

function logEntry(
  source: IngestSource,
  request: InboundRequest,
  body: { text: string },
  outcome: IngestOutcome,
  statusCode: number,
  errorText: string,
  msgId: string | null,
): IngestLogEntry {
  const secretHeader = source.type === "api-key" ? String(source.config.header ?? "").toLowerCase() : null;
  return {
    id: newId("ilog", request.now),
    sourceId: source.id,
    statusCode,
    outcome,
    errorText,
    headers: loggableHeaders(request.headers, secretHeader),
    payload: body.text.length > LOG_PAYLOAD_LIMIT ? body.text.slice(0, LOG_PAYLOAD_LIMIT) : body.text,
    msgId,
    createdAt: request.now,
    clientIp: request.clientIp ?? null,
  };
}
