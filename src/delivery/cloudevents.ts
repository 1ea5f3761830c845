import type { Endpoint, EndpointFormat, Message } from "../core/entities.ts";

/**
 * The CloudEvents HTTP protocol binding (v1.0.2) for an endpoint that asked for it:
 * id = message id, type = event type, source = a stable URI of the application, time = the
 * message's acceptance time, data = the (possibly transformed) JSON body.
 */
export const STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=utf-8";

/** `urn:hookline:app:<app id>`: stable for the application's lifetime and globally unique with the id. */
export const cloudEventSource = (appId: string): string => `urn:hookline:app:${appId}`;

export interface FormattedRequest {
  /** Headers to add (content type, ce-* attributes); the signature headers are added by the caller. */
  headers: Record<string, string>;
  /** The exact body to sign and send. */
  body: string | Buffer;
}

const isJsonType = (contentType: string): boolean => /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType);

/**
 * Percent-encodes a binary-mode header value as the binding requires: space, `"`, `%` and
 * anything outside printable ASCII (U+0021–U+007E) become %XY of their UTF-8 bytes.
 */
export function encodeHeaderValue(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const printable = byte >= 0x21 && byte <= 0x7e && byte !== 0x22 && byte !== 0x25;
    out += printable ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

export function formatRequest(
  format: EndpointFormat,
  message: Message,
  body: string | Buffer,
  contentType = "application/json",
): FormattedRequest {
  if (format === "standard") return { headers: { "content-type": contentType }, body };
  const attributes = {
    specversion: "1.0",
    id: message.id,
    source: cloudEventSource(message.appId),
    type: message.eventType,
    time: new Date(message.createdAt).toISOString(),
  };
  if (format === "cloudevents-binary") {
    const headers: Record<string, string> = { "content-type": contentType };
    for (const [name, value] of Object.entries(attributes)) headers[`ce-${name}`] = encodeHeaderValue(value);
    return { headers, body };
  }
  // Structured: every attribute in the body. JSON data is embedded as the JSON value itself (not an
  // escaped string); other text as a JSON string; bytes that are not text as `data_base64`.
  const data =
    typeof body !== "string"
      ? `"data_base64":${JSON.stringify(body.toString("base64"))}`
      : isJsonType(contentType)
        ? `"data":${body}`
        : `"data":${JSON.stringify(body)}`;
  const structured = `{${Object.entries({ ...attributes, datacontenttype: contentType })
    .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
    .join(",")},${data}}`;
  return { headers: { "content-type": STRUCTURED_CONTENT_TYPE }, body: structured };
}

/** Whether the endpoint still needs the validation handshake before its next delivery. */
export const needsHandshake = (endpoint: Endpoint): boolean =>
  endpoint.options.cloudEventsHandshake === true && endpoint.handshakeValidatedAt === null;
