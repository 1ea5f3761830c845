import type { Attempt } from "../../core/entities.ts";
import type { ColumnCodec, JsonColumn } from "./column-codec.ts";

/** An `attempt` row as both dialects return it (`SELECT *`). */
export interface AttemptRow {
  id: string;
  app_id: string;
  msg_id: string;
  endpoint_id: string;
  url: string;
  status: number;
  response_status_code: number;
  response: string | null;
  response_duration_ms: number;
  trigger_type: number;
  error_kind: string | null;
  request_headers: JsonColumn<Record<string, string>>;
  response_headers: JsonColumn<Record<string, string>> | null;
  created_at: number;
}

export const toAttempt = (r: AttemptRow, codec: ColumnCodec): Attempt => ({
  id: r.id,
  appId: r.app_id,
  msgId: r.msg_id,
  endpointId: r.endpoint_id,
  url: r.url,
  status: r.status as Attempt["status"],
  responseStatusCode: r.response_status_code,
  response: r.response,
  responseDurationMs: r.response_duration_ms,
  triggerType: r.trigger_type,
  errorKind: r.error_kind as Attempt["errorKind"],
  requestHeaders: codec.json<Record<string, string>>(r.request_headers) ?? {},
  responseHeaders: codec.json<Record<string, string>>(r.response_headers),
  createdAt: r.created_at,
});

/** What an attempt listing selects and pages by; the message is joined only when a filter reads it. */
export const attemptListing = (joinMessage: boolean) => ({
  select: "a.*",
  from: joinMessage ? "attempt a JOIN message m ON m.id = a.msg_id" : "attempt a",
  key: "a.id",
});

/** The response status codes of a class, as [from, to): class 0 means "no response at all", 200 covers 200-299 and so on. */
export const statusCodeRange = (statusCodeClass: number): [number, number] => [
  statusCodeClass,
  statusCodeClass === 0 ? 1 : statusCodeClass + 100,
];

/** The columns an attempt is written with, in the order of attemptValues. */
export const ATTEMPT_COLUMNS = [
  "id",
  "app_id",
  "msg_id",
  "endpoint_id",
  "url",
  "status",
  "response_status_code",
  "response",
  "response_duration_ms",
  "trigger_type",
  "error_kind",
  "request_headers",
  "created_at",
  "response_headers",
] as const;

/** An attempt's values in ATTEMPT_COLUMNS order, its JSON columns as text (both drivers bind that). */
export const attemptValues = (a: Attempt): unknown[] => [
  a.id,
  a.appId,
  a.msgId,
  a.endpointId,
  a.url,
  a.status,
  a.responseStatusCode,
  a.response,
  a.responseDurationMs,
  a.triggerType,
  a.errorKind,
  JSON.stringify(a.requestHeaders),
  a.createdAt,
  a.responseHeaders === null ? null : JSON.stringify(a.responseHeaders),
];
