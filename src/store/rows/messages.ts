import type { InboundEnvelope, Message } from "../../core/entities.ts";
import type { MessageScanRow } from "../store.ts";
import type { ColumnCodec, FlagColumn, JsonColumn } from "./column-codec.ts";

/** A `message` row as both dialects return it (`SELECT *`). */
export interface MessageRow {
  id: string;
  app_id: string;
  event_type: string;
  event_id: string | null;
  payload: string | null;
  channels: JsonColumn<string[]> | null;
  tags: JsonColumn<string[]> | null;
  created_at: number;
  payload_expires_at: number | null;
  inbound: JsonColumn<InboundEnvelope> | null;
  deliver_at: number | null;
  traceparent: string | null;
  tracestate: string | null;
}

export const toMessage = (r: MessageRow, codec: ColumnCodec): Message => ({
  id: r.id,
  appId: r.app_id,
  eventType: r.event_type,
  eventId: r.event_id,
  payload: r.payload,
  channels: codec.json(r.channels),
  tags: codec.json(r.tags),
  createdAt: r.created_at,
  payloadExpiresAt: r.payload_expires_at,
  inbound: codec.json(r.inbound),
  deliverAt: r.deliver_at,
  traceparent: r.traceparent,
  tracestate: r.tracestate,
});

/** A row of `scanForEndpoint`: the message's filter columns, whether its payload is gone, whether the endpoint has its delivery. */
export interface MessageScanColumns {
  id: string;
  event_type: string;
  channels: JsonColumn<string[]> | null;
  expunged: FlagColumn;
  has_delivery: FlagColumn;
}

export const toMessageScanRow = (r: MessageScanColumns, codec: ColumnCodec): MessageScanRow => ({
  id: r.id,
  eventType: r.event_type,
  channels: codec.json(r.channels),
  hasDelivery: codec.flag(r.has_delivery),
  expunged: codec.flag(r.expunged),
});
