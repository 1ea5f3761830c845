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
  /** A JSONata expression over `{ eventType, payload, channels, msgId }`; its result is the body sent. */
  code: string | null;
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
  createdAt: number;
}
