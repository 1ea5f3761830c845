import { Type } from "@sinclair/typebox";
import {
  STATUS_TEXT,
  type Application,
  type Attempt,
  type Delivery,
  type Endpoint,
  type EventType,
  type InboundEnvelope,
  type Message,
} from "../core/entities.ts";
import { DateTime, Metadata, MessageStatus, MessageStatusText, Nullable, Uid } from "./common-schemas.ts";
import { iso } from "./pagination.ts";
import { inboundPayloadValue } from "../delivery/inbound-body.ts";

/**
 * How records look on the wire. Field names follow the Svix API; where Svix renamed a field
 * between SDK generations (filterTypes → eventTypes, rateLimit → throttleRate) both are returned,
 * so v1 and v2 SDKs each find the one they expect.
 */

export const ApplicationOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Uid),
  name: Type.String(),
  throttleRate: Nullable(Type.Integer()),
  rateLimit: Nullable(Type.Integer()),
  metadata: Metadata,
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const applicationOut = (a: Application) => ({
  id: a.id,
  uid: a.uid,
  name: a.name,
  throttleRate: a.throttleRate,
  rateLimit: a.throttleRate,
  metadata: a.metadata,
  createdAt: iso(a.createdAt),
  updatedAt: iso(a.updatedAt),
});

export const EventTypeOut = Type.Object({
  name: Type.String(),
  description: Type.String(),
  archived: Type.Boolean(),
  deprecated: Type.Boolean(),
  schemas: Nullable(Type.Record(Type.String(), Type.Unknown())),
  groupName: Nullable(Type.String()),
  featureFlags: Nullable(Type.Array(Type.String())),
  featureFlag: Nullable(Type.String()),
  retrySchedule: Nullable(Type.Array(Type.Number(), { description: "Hookline: seconds before each retry" })),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const eventTypeOut = (e: EventType) => ({
  name: e.name,
  description: e.description,
  archived: e.archived,
  deprecated: e.deprecated,
  schemas: e.schemas,
  groupName: e.groupName,
  featureFlags: e.featureFlags,
  featureFlag: e.featureFlags?.[0] ?? null,
  retrySchedule: e.retrySchedule,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

const endpointFields = {
  id: Type.String(),
  uid: Nullable(Uid),
  url: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  disabled: Type.Boolean(),
  throttleRate: Nullable(Type.Integer()),
  rateLimit: Nullable(Type.Integer()),
  eventTypes: Nullable(Type.Array(Type.String())),
  filterTypes: Nullable(Type.Array(Type.String())),
  channels: Nullable(Type.Array(Type.String())),
  metadata: Metadata,
  filter: Nullable(Type.String()),
  format: Type.String(),
  ordered: Type.Boolean(),
  cloudEventsHandshake: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
};
export const EndpointOut = Type.Object(endpointFields);

export const endpointOut = (e: Endpoint) => ({
  id: e.id,
  uid: e.uid,
  url: e.url,
  description: e.description,
  version: e.version,
  disabled: e.disabled,
  throttleRate: e.throttleRate,
  rateLimit: e.throttleRate,
  eventTypes: e.eventTypes,
  filterTypes: e.eventTypes,
  channels: e.channels,
  metadata: e.metadata,
  filter: e.options.filter ?? null,
  format: e.options.format ?? "standard",
  ordered: e.options.ordered ?? false,
  cloudEventsHandshake: e.options.cloudEventsHandshake ?? false,
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

const messageFields = {
  id: Type.String(),
  eventType: Type.String(),
  eventId: Nullable(Type.String()),
  payload: Type.Record(Type.String(), Type.Unknown()),
  channels: Nullable(Type.Array(Type.String())),
  tags: Nullable(Type.Array(Type.String())),
  timestamp: DateTime,
  deliverAt: Nullable(
    Type.String({ format: "date-time", description: "When the message is (or was) to be delivered; null for at once" }),
  ),
};
export const MessageOut = Type.Object(messageFields);

/**
 * A received event's payload: its JSON object when the provider sent one, otherwise the raw body
 * wrapped as `{body, contentType, encoding}` (the API's payload is always an object).
 */
function inboundPayloadOut(m: Message & { payload: string; inbound: InboundEnvelope }): Record<string, unknown> {
  const value = inboundPayloadValue(m, m.inbound);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return { body: m.payload, contentType: m.inbound.contentType, encoding: m.inbound.encoding };
}

function payloadOut(m: Message): unknown {
  if (m.payload === null) return {};
  if (m.inbound) return inboundPayloadOut({ ...m, payload: m.payload, inbound: m.inbound });
  return JSON.parse(m.payload);
}

/** An expunged payload reads as `{}`, as does any payload when `with_content=false`. */
export const messageOut = (m: Message, withContent = true, parsedPayload?: unknown) => ({
  id: m.id,
  eventType: m.eventType,
  eventId: m.eventId,
  payload: withContent ? (parsedPayload ?? payloadOut(m)) : {},
  channels: m.channels,
  tags: m.tags,
  timestamp: iso(m.createdAt),
  deliverAt: m.deliverAt === null || m.deliverAt === undefined ? null : iso(m.deliverAt),
});

export const MessageAttemptOut = Type.Object({
  id: Type.String(),
  msgId: Type.String(),
  endpointId: Type.String(),
  url: Type.String(),
  response: Type.String(),
  responseStatusCode: Type.Integer(),
  responseDurationMs: Type.Integer(),
  status: MessageStatus,
  statusText: MessageStatusText,
  triggerType: Type.Integer({ description: "0 scheduled, 1 manual" }),
  timestamp: DateTime,
  msg: Type.Optional(MessageOut),
  errorKind: Nullable(Type.String({ description: "Hookline: why the attempt failed (timeout, dns, redirect, …)" })),
  requestHeaders: Type.Record(Type.String(), Type.String(), { description: "Hookline: the headers sent" }),
  responseHeaders: Nullable(Type.Record(Type.String(), Type.String()), {
    description:
      "Hookline: the receiver's response headers (lower-case names; at most 50 and 8 KiB; cookies, credentials and the endpoint's custom headers redacted); null when no response came or the content was deleted",
  }),
});

export const attemptOut = (a: Attempt, msg?: Message) => ({
  id: a.id,
  msgId: a.msgId,
  endpointId: a.endpointId,
  url: a.url,
  response: a.response ?? "",
  responseStatusCode: a.responseStatusCode,
  responseDurationMs: a.responseDurationMs,
  status: a.status,
  statusText: STATUS_TEXT[a.status],
  triggerType: a.triggerType,
  timestamp: iso(a.createdAt),
  ...(msg ? { msg: messageOut(msg) } : {}),
  errorKind: a.errorKind,
  requestHeaders: a.requestHeaders,
  responseHeaders: a.responseHeaders,
});

const deliveryState = {
  status: MessageStatus,
  statusText: MessageStatusText,
  nextAttempt: Nullable(DateTime),
};
const deliveryStateOf = (d: Delivery) => ({
  status: d.status,
  statusText: STATUS_TEXT[d.status],
  nextAttempt: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
});

export const MessageEndpointOut = Type.Object({ ...endpointFields, ...deliveryState });
export const messageEndpointOut = (e: Endpoint, d: Delivery) => ({ ...endpointOut(e), ...deliveryStateOf(d) });

export const EndpointMessageOut = Type.Object({ ...messageFields, ...deliveryState });
export const endpointMessageOut = (m: Message, d: Delivery, withContent: boolean) => ({
  ...messageOut(m, withContent),
  ...deliveryStateOf(d),
});
