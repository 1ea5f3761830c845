import type { InboundEnvelope, Message } from "../core/entities.ts";
import { isReservedHeader } from "./webhook-request.ts";

/** A received body as it is forwarded: the exact bytes (text stays a string, other bytes a Buffer). */
export function inboundBody(message: Message & { payload: string }, inbound: InboundEnvelope): string | Buffer {
  return inbound.encoding === "base64" ? Buffer.from(message.payload, "base64") : message.payload;
}

const isJson = (contentType: string | null): boolean =>
  contentType !== null && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);

/**
 * What filters and transformations see as `payload` for a received event: the parsed JSON when
 * the provider sent JSON, otherwise the body as a string (form-encoded, XML, …; base64 if not text).
 */
export function inboundPayloadValue(message: Message & { payload: string }, inbound: InboundEnvelope): unknown {
  if (inbound.encoding === "utf8" && isJson(inbound.contentType)) {
    try {
      return JSON.parse(message.payload);
    } catch {
      return message.payload;
    }
  }
  return message.payload;
}

/** The original headers chosen to travel with the event; never ones that carry Hookline's signature or framing. */
export function forwardedHeaders(inbound: InboundEnvelope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(inbound.headers)) if (!isReservedHeader(name)) out[name] = value;
  out["hookline-source-id"] = inbound.sourceId;
  return out;
}
