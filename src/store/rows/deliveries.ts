import { DeliveryStatus, type Delivery } from "../../core/entities.ts";
import type { DeliveryScanRow, DeliveryStats } from "../store.ts";
import type { ColumnCodec, JsonColumn } from "./column-codec.ts";

/** A `delivery` row as both dialects return it (`SELECT *`). */
export interface DeliveryRow {
  id: string;
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  status: number;
  attempt_count: number;
  next_attempt_at: number | null;
  next_trigger: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
  updated_at: number;
}

export const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  appId: r.app_id,
  msgId: r.msg_id,
  endpointId: r.endpoint_id,
  status: r.status,
  attemptCount: r.attempt_count,
  nextAttemptAt: r.next_attempt_at,
  nextTrigger: r.next_trigger,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A row of `scanEndpoint`: the delivery joined with its message's filter columns and its latest status code. */
export interface DeliveryScanColumns {
  id: string;
  msg_id: string;
  status: number;
  event_type: string;
  channels: JsonColumn<string[]> | null;
  tags: JsonColumn<string[]> | null;
  last_status_code: number | null;
}

export const toDeliveryScanRow = (r: DeliveryScanColumns, codec: ColumnCodec): DeliveryScanRow => ({
  id: r.id,
  msgId: r.msg_id,
  status: r.status,
  eventType: r.event_type,
  channels: codec.json(r.channels),
  tags: codec.json(r.tags),
  lastStatusCode: r.last_status_code,
});

/** The rows of `SELECT status, COUNT(*) AS n … GROUP BY status` as counts per status. */
export function toDeliveryStats(rows: { status: number; n: number }[]): DeliveryStats {
  const count = (s: DeliveryStatus) => rows.find((r) => r.status === s)?.n ?? 0;
  return {
    success: count(DeliveryStatus.Success),
    pending: count(DeliveryStatus.Pending),
    sending: count(DeliveryStatus.Sending),
    fail: count(DeliveryStatus.Fail),
    canceled: count(DeliveryStatus.Canceled),
  };
}
