/** The domain records as the services see them. Times are Unix milliseconds. */

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  throttleRate: number | null;
  metadata: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  groupName: string | null;
  featureFlags: string[] | null;
  /** Seconds before each retry for messages of this type, overriding the global schedule. */
  retrySchedule: number[] | null;
  createdAt: number;
  updatedAt: number;
}

export interface PreviousSecret {
  key: string;
  expiresAt: number;
}

export type EndpointFormat = "standard" | "cloudevents-binary" | "cloudevents-structured";

export interface EndpointTransformation {
  /**
   * A JSONata expression over `{ eventType, payload, channels, msgId }` whose result is the body
   * sent, or JavaScript defining Svix's `handler(webhook)` (docs/api.md, "Transformations").
   */
  code: string | null;
  /** Absent on transformations stored before JavaScript was supported: those are JSONata. */
  language?: "jsonata" | "javascript";
  enabled: boolean;
  /** Bound as `$name` variables inside the expression. */
  variables: Record<string, string> | null;
  updatedAt: number | null;
}

/** Hookline's additive endpoint features; every field is optional so older rows read as defaults. */
export interface EndpointOptions {
  /** A JSONata expression over `{ eventType, payload, channels, msgId }`: deliver only when truthy. */
  filter?: string | null;
  transformation?: EndpointTransformation;
  format?: EndpointFormat;
  /** Deliver strictly in message order: a failing message holds back the ones after it. */
  ordered?: boolean;
  /** Perform the CloudEvents webhook validation handshake (OPTIONS) before the first delivery. */
  cloudEventsHandshake?: boolean;
  /** Operational webhook endpoints only: how events are rendered (src/core/operational-formats.ts). */
  operationalFormat?: "standard" | "slack" | "teams";
}

export interface Endpoint {
  id: string;
  appId: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  throttleRate: number | null;
  eventTypes: string[] | null;
  channels: string[] | null;
  metadata: Record<string, string>;
  headers: Record<string, string>;
  secret: string;
  previousSecrets: PreviousSecret[];
  failingSince: number | null;
  options: EndpointOptions;
  /** When the endpoint last consented to the CloudEvents validation handshake; null if never. */
  handshakeValidatedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  appId: string;
  eventType: string;
  eventId: string | null;
  /** The payload as compact JSON text: exactly the bytes that are signed and sent. Null once expunged. */
  payload: string | null;
  channels: string[] | null;
  tags: string[] | null;
  createdAt: number;
  /** When the payload is purged (retention); null keeps it as long as the row. */
  payloadExpiresAt: number | null;
  /**
   * When the sender asked for the message to be delivered (the API's `deliverAt`); absent or null
   * for "at once". Deliveries of a message scheduled later are not due before it (message-schedule.ts).
   */
  deliverAt?: number | null;
  /** Set for a message received by an inbound source: `payload` is then the raw body, forwarded as is. */
  inbound: InboundEnvelope | null;
  /**
   * The W3C trace context the message was accepted in (core/trace-context.ts), which its deliveries
   * continue; absent or null when it has none. With tracing on it names the accept span as parent.
   */
  traceparent?: string | null;
  /** The accompanying vendor list (`tracestate`); null when none. */
  tracestate?: string | null;
}

/** How a received body is forwarded byte for byte. */
export interface InboundEnvelope {
  sourceId: string;
  /** The original Content-Type, sent on with the body; null if the provider sent none. */
  contentType: string | null;
  /** The chosen original headers (lower-case names), sent on with every forward. */
  headers: Record<string, string>;
  /** `utf8`: `payload` is the body itself; `base64`: the body was not valid UTF-8 and is stored encoded. */
  encoding: "utf8" | "base64";
}

export const enum DeliveryStatus {
  Success = 0,
  Pending = 1,
  Fail = 2,
  Sending = 3,
  /** Settled without sending: the endpoint's payload filter said no. */
  Canceled = 4,
}

export const STATUS_TEXT = ["success", "pending", "fail", "sending", "canceled"] as const;

export const enum TriggerType {
  Scheduled = 0,
  Manual = 1,
}

export interface Delivery {
  id: string;
  appId: string;
  msgId: string;
  endpointId: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: number | null;
  nextTrigger: TriggerType;
  createdAt: number;
  updatedAt: number;
}

/** Why an attempt failed, when it did not get a 2xx. Stable strings: they are part of the API. */
export type ErrorKind =
  | "http_status"
  | "redirect"
  | "timeout"
  | "connection_refused"
  | "connection_reset"
  | "dns"
  | "tls"
  | "network"
  | "endpoint_gone"
  | "endpoint_disabled"
  | "invalid_url"
  | "payload_expunged"
  | "filtered"
  | "filter_error"
  | "transformation_error"
  | "transformation_timeout"
  | "handshake_refused"
  | "ssrf_blocked";

export interface Attempt {
  id: string;
  appId: string;
  msgId: string;
  endpointId: string;
  url: string;
  status: DeliveryStatus.Success | DeliveryStatus.Fail | DeliveryStatus.Canceled;
  responseStatusCode: number;
  response: string | null;
  responseDurationMs: number;
  triggerType: TriggerType;
  errorKind: ErrorKind | null;
  requestHeaders: Record<string, string>;
  /** The receiver's, bounded and with credentials redacted (delivery/response-headers.ts); null: no response, or deleted. */
  responseHeaders: Record<string, string> | null;
  createdAt: number;
}

/** Hookline's settings of an inbound source, beside the provider `config`. */
export interface IngestSourceOptions {
  /** A redelivery with a provider delivery id seen within this many seconds is acknowledged, not forwarded again. */
  dedupeWindowSeconds: number;
  /** Original headers forwarded to destinations (lower case); null forwards the type's default set. */
  forwardHeaders: string[] | null;
  /** What the provider is answered on acceptance; null answers 200 with `{}`. */
  response: { status: number; contentType: string; body: string } | null;
  /** The public URL providers call (for schemes that sign the URL, like Twilio); null derives it from the request. */
  publicUrl: string | null;
  /** Only clients in these ranges (addresses, CIDRs, `list:NAME`) may call the ingest URL; null: any. */
  allowedIps: string[] | null;
  /** Clients in these ranges are refused; null: none. Checked before allowedIps. */
  deniedIps: string[] | null;
}

export interface IngestSource {
  id: string;
  uid: string | null;
  /** The backing application: its endpoints are the destinations, its messages the accepted events. */
  appId: string;
  name: string;
  type: string;
  /** The provider settings as given (secrets included; sealed at rest). */
  config: Record<string, unknown>;
  options: IngestSourceOptions;
  metadata: Record<string, string>;
  /** The secret part of the ingest URL. */
  token: string;
  /** Tokens replaced by a rotation that still work until `expiresAt` (Svix keeps them 48 hours). */
  previousTokens: { token: string; expiresAt: number }[];
  createdAt: number;
  updatedAt: number;
}

/** What became of one inbound request. */
export type IngestOutcome = "accepted" | "duplicate" | "refused" | "replied" | "rejected" | "blocked";

export interface IngestLogEntry {
  id: string;
  sourceId: string;
  statusCode: number;
  outcome: IngestOutcome;
  /** Why a request was refused or rejected; for a duplicate, which message it repeats. Empty when accepted. */
  errorText: string;
  headers: Record<string, string>;
  /** The body as received (text, or base64 when not UTF-8), cut at the log's size limit. */
  payload: string;
  /** The message the request became (or repeated); null when it was not stored. */
  msgId: string | null;
  createdAt: number;
  /** The client's address (src/access/client-address.ts); null for a cron emission and older entries. */
  clientIp: string | null;
}

/**
 * A named key for one application, for handing to a third party that integrates with it: the key
 * is an API token confined to the application (what an app portal token may do), kept readable
 * (sealed at rest) so it can be shown again, and replaced at once by a rotation.
 */
export interface Integration {
  id: string;
  appId: string;
  name: string;
  featureFlags: string[] | null;
  /** The key itself (the API token). */
  key: string;
  /** The api_token row the key authenticates as; revoked when the key is rotated or the integration deleted. */
  tokenId: string;
  createdAt: number;
  updatedAt: number;
}
