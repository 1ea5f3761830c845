/**
 * One API call of the console as text a user can run elsewhere: a curl command and the same call
 * through Svix's JavaScript SDK (`svix` on npm), which Hookline's API accepts. The token is always
 * the placeholder `$HOOKLINE_TOKEN` (an environment variable), never the console's session: a
 * snippet pasted into a ticket or a chat must not carry a credential.
 */
export interface ApiCall {
  method: string;
  /** Under /api/v1, as the console's api() takes it: `/app/app_…/endpoint/ep_…`. */
  path: string;
  body?: unknown;
}

export const TOKEN_PLACEHOLDER = "$HOOKLINE_TOKEN";

/** A string as one POSIX shell word: single quotes, with each inner quote closed, escaped and reopened. */
export const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function curlCommand(origin: string, call: ApiCall): string {
  const lines = [
    `curl -X ${call.method} ${shellQuote(`${origin}/api/v1${call.path}`)}`,
    // Double quotes, so the shell puts the token in from the environment.
    `-H "Authorization: Bearer ${TOKEN_PLACEHOLDER}"`,
  ];
  if (call.body !== undefined) {
    lines.push(`-H 'Content-Type: application/json'`);
    lines.push(`-d ${shellQuote(JSON.stringify(call.body))}`);
  }
  return lines.join(" \\\n  ");
}

/**
 * The SDK method for each route the console offers a snippet for (the path's ids are its first
 * arguments), and the body fields its model sends: the SDK serialises only those, so any other
 * field (Hookline's own, such as `filter` or `format`) never reaches the server through it.
 * Names as in `svix` 1.70 and later (its v2 field names: `eventTypes`, `throttleRate`).
 */
const ENDPOINT_FIELDS = ["url", "description", "throttleRate", "uid", "disabled", "eventTypes", "channels", "metadata"];
const SDK_ROUTES: { method: string; pattern: RegExp; call: string; fields: string[] | null }[] = [
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint$/,
    call: "endpoint.create",
    fields: [...ENDPOINT_FIELDS, "secret", "headers"],
  },
  { method: "PATCH", pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)$/, call: "endpoint.patch", fields: ENDPOINT_FIELDS },
  {
    method: "PATCH",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/headers$/,
    call: "endpoint.patchHeaders",
    fields: ["headers", "deleteHeaders"],
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/secret\/rotate$/,
    call: "endpoint.rotateSecret",
    fields: ["key", "gracePeriodSeconds"],
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/recover$/,
    call: "endpoint.recover",
    fields: ["since", "until"],
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/send-example$/,
    call: "endpoint.sendExample",
    fields: ["eventType", "exampleIndex"],
  },
  {
    method: "PATCH",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/transformation$/,
    call: "endpoint.transformation.patch",
    fields: ["code", "enabled", "variables"],
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/msg$/,
    call: "message.create",
    fields: ["eventId", "eventType", "payload", "channels", "application", "tags", "transformationsParams"],
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/msg\/([^/]+)\/endpoint\/([^/]+)\/resend$/,
    call: "messageAttempt.resend",
    fields: null,
  },
];

/** Fields the SDK types as Date: a string there would not type-check. */
const DATE_FIELDS = new Set(["since", "until"]);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A value as a JavaScript literal: JSON with bare keys where they are identifiers, dates as Date. */
function literal(value: unknown, indent: string, key?: string): string {
  if (key !== undefined && DATE_FIELDS.has(key) && typeof value === "string")
    return `new Date(${JSON.stringify(value)})`;
  if (Array.isArray(value)) {
    if (!value.length) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + literal(v, inner)).join(",\n")},\n${indent}]`;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (!entries.length) return "{}";
    const inner = indent + "  ";
    const lines = entries.map(
      ([k, v]) => `${inner}${IDENTIFIER.test(k) ? k : JSON.stringify(k)}: ${literal(v, inner, k)}`,
    );
    return `{\n${lines.join(",\n")},\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** The call through the `svix` SDK, or null when the SDK has no method for the route. */
export function sdkCall(origin: string, call: ApiCall): string | null {
  const route = SDK_ROUTES.find((r) => r.method === call.method && r.pattern.test(call.path));
  if (!route) return null;
  const ids = route.pattern.exec(call.path)!.slice(1).map(decodeURIComponent);
  const args = ids.map((id) => JSON.stringify(id));
  const body = (call.body ?? {}) as Record<string, unknown>;
  const fields = route.fields;
  if (fields) args.push(literal(Object.fromEntries(Object.entries(body).filter(([k]) => fields.includes(k))), ""));
  const dropped = fields ? Object.keys(body).filter((k) => !fields.includes(k)) : [];
  return [
    `import { Svix } from "svix";`,
    ``,
    `const svix = new Svix(process.env.HOOKLINE_TOKEN, { serverUrl: ${JSON.stringify(origin)} });`,
    ...(dropped.length
      ? [`// Not in the svix SDK's model, so left out here (the curl command sends them): ${dropped.join(", ")}.`]
      : []),
    `await svix.${route.call}(${args.join(", ")});`,
  ].join("\n");
}
