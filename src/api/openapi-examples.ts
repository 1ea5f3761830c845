/**
 * Example values for the OpenAPI document, built from each operation's own schemas so an example
 * cannot disagree with what the server validates or answers. Values come, in order, from the
 * schema (`examples`, `default`, `const`, the first `enum` value), then from the field's name
 * (a Svix-style id for `id`, an event type for `eventType`, …), then from its type and format.
 */

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  examples?: unknown[];
  example?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
};

/** The 27 base62 characters every Hookline id carries after its prefix (see src/core/ids.ts). */
const ID_BODY = "2KWPBgLlAfxdpx2AI54pPJ85f4W";
const id = (prefix: string) => `${prefix}_${ID_BODY}`;
const WHEN = "2026-06-01T12:00:00.000Z";
const A_DAY_LATER = "2026-06-02T12:00:00.000Z";
/** Times that lie ahead of the others in an example: an expiry, the next retry. */
const LATER_BY_NAME = new Set(["expiresAt", "nextAttempt"]);

/** Which id an object's own `id` is, by the resource its operation (or enclosing field) is about. */
const ID_PREFIX_BY_RESOURCE: Record<string, string> = {
  Application: "app",
  application: "app",
  Endpoint: "ep",
  "Ingest Endpoint": "ep",
  Message: "msg",
  msg: "msg",
  "Message Attempt": "atmpt",
  Authentication: "tok",
  Audit: "audit",
  Integration: "integ",
  "Operational Webhook Endpoint": "ep",
  "Alert Rule": "alert",
  "Ingest Source": "src",
  "Ingest Log": "ilog",
  Inspector: "insp",
  "Background Task": "qtask",
};

/** Fields whose example is better shown empty (`null`) than filled, e.g. a token that is not revoked. */
const NULL_BY_NAME = new Set(["revokedAt", "prevIterator", "errorKind", "sessionId", "until", "deliverAt"]);

const STRING_BY_NAME: Record<string, string> = {
  uid: "acme-billing",
  name: "Acme Billing",
  description: "Acme's billing service",
  format: "standard",
  type: "github",
  payload: '{"action":"opened","number":42}',

  url: "https://hooks.example.com/hookline",
  ingestUrl: "http://127.0.0.1:8080/ingest/api/v1/source/src_2KWPBgLlAfxdpx2AI54pPJ85f4W",
  publicUrl: "https://hooks.example.com/ingest/github",
  eventType: "invoice.paid",
  eventId: "evt-invoice-1042-paid",
  groupName: "invoices",
  featureFlag: "beta",
  prevIterator: id("msg"),
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  key: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  token: "hk_app_Zm9yLWRvY3VtZW50YXRpb24tb25seS0wMTIzNDU2Nzg5",
  filter: 'payload.amount > 100 and payload.currency = "EUR"',
  code: '{ "invoice": payload.id, "cents": payload.amount * 100 }',
  msgId: id("msg"),
  msg_id: id("msg"),
  endpointId: id("ep"),
  appId: id("app"),
  source_id: id("src"),
  taskId: id("qtask"),
  contentType: "application/json",
  body: '{"ok":true}',
  response: '{"ok":true}',
  error_text: "",
  actor: "admin",
  action: "application.create",
  method: "POST",
  path: "/api/v1/app",
  channels: "project_1337",
  channel: "project_1337",
  tag: "invoices",
  tags: "invoices",
  status: "success",
  created_at: WHEN,
  updated_at: WHEN,
};

const INTEGER_BY_NAME: Record<string, number> = {
  throttleRate: 10,
  rateLimit: 10,
  version: 1,
  responseStatusCode: 200,
  status_code: 200,
  responseDurationMs: 85,
  expiry: 3600,
  expiresIn: 86400,
  gracePeriodSeconds: 3600,
  payloadRetentionPeriod: 90,
  payloadRetentionHours: 2160,
  dedupeWindowSeconds: 86400,
  exampleIndex: 0,
  success: 42,
  pending: 1,
  sending: 0,
  fail: 2,
  canceled: 0,
  replayed: 1,
  status: 200,
};

const RECORD_BY_NAME: Record<string, Record<string, unknown>> = {
  metadata: { team: "billing" },
  headers: { "X-Team": "billing" },
  requestHeaders: { "content-type": "application/json", "webhook-id": id("msg") },
  responseHeaders: { "content-type": "application/json", "x-request-id": "req_8f2c", "set-cookie": "(redacted)" },
  payload: { id: "in_1042", amount: 129.5, currency: "EUR" },
  schemas: { "1": { type: "object", properties: { id: { type: "string" }, amount: { type: "number" } } } },
  variables: { threshold: "100" },
  config: { secret: "a-provider-webhook-secret" },
};

const ARRAY_BY_NAME: Record<string, unknown[]> = {
  retrySchedule: [5, 300, 1800],
  eventTypes: ["invoice.paid"],
  filterTypes: ["invoice.paid"],
  featureFlags: ["beta"],
  capabilities: ["ViewBase", "ManageEndpoint"],
  sessionIds: ["user_1FB8"],
  sensitive: ["Authorization"],
  deleteHeaders: ["X-Team"],
  forwardHeaders: ["x-github-event"],
};

/** An example value for `schema`, the value of a field called `name` inside a `resource`. */
export function exampleOf(schema: Schema | undefined, name: string | undefined, resource: string): unknown {
  if (!schema || typeof schema !== "object") return null;
  if (schema.examples?.length) return schema.examples[0];
  if (schema.example !== undefined) return schema.example;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const nonNull = branches.filter((b) => b.type !== "null");
    if (name && NULL_BY_NAME.has(name) && nonNull.length < branches.length) return null;
    return exampleOf(nonNull[0] ?? branches[0], name, resource);
  }
  if (schema.allOf?.length) return exampleOf(schema.allOf[0], name, resource);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object":
      return objectExample(schema, name, resource);
    case "array":
      if (name && ARRAY_BY_NAME[name]) return ARRAY_BY_NAME[name];
      return [exampleOf(schema.items, name, name && ID_PREFIX_BY_RESOURCE[name] ? name : resource)];
    case "integer":
    case "number":
      if (name && INTEGER_BY_NAME[name] !== undefined && withinBounds(schema, INTEGER_BY_NAME[name]))
        return INTEGER_BY_NAME[name];
      return schema.minimum ?? 1;
    case "boolean":
      return name === "done" || name === "enabled" || name === "active";
    case "string":
      return stringExample(schema, name, resource);
    case "null":
      return null;
    default:
      return name && RECORD_BY_NAME[name] ? RECORD_BY_NAME[name] : {};
  }
}

function objectExample(schema: Schema, name: string | undefined, resource: string): unknown {
  if (!schema.properties) return name && RECORD_BY_NAME[name] ? RECORD_BY_NAME[name] : {};
  const out: Record<string, unknown> = {};
  const inner = name && ID_PREFIX_BY_RESOURCE[name] ? name : resource;
  for (const [field, fieldSchema] of Object.entries(schema.properties))
    out[field] = exampleOf(fieldSchema, field, inner);
  return out;
}

function stringExample(schema: Schema, name: string | undefined, resource: string): string {
  if (schema.format === "date-time") return name && LATER_BY_NAME.has(name) ? A_DAY_LATER : WHEN;
  if (name === "id" || name === "iterator") {
    if (resource === "Event Type") return "invoice.paid";
    return id(ID_PREFIX_BY_RESOURCE[resource] ?? "app");
  }
  if (resource === "Event Type" && name === "name") return "invoice.paid";
  if (resource === "Event Type" && name === "description") return "An invoice was paid";
  if (name && STRING_BY_NAME[name] !== undefined) return STRING_BY_NAME[name];
  if (schema.format === "uri") return "https://hooks.example.com/hookline";
  return "string";
}

function withinBounds(schema: Schema, value: number): boolean {
  return (
    (schema.minimum === undefined || value >= schema.minimum) &&
    (schema.maximum === undefined || value <= schema.maximum)
  );
}
