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

/** The SDK method for each route the console offers a snippet for, with the path's ids as its first arguments. */
const SDK_ROUTES: { method: string; pattern: RegExp; call: string; sendsBody: boolean }[] = [
  { method: "POST", pattern: /^\/app\/([^/]+)\/endpoint$/, call: "endpoint.create", sendsBody: true },
  { method: "PATCH", pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)$/, call: "endpoint.patch", sendsBody: true },
  { method: "PUT", pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)$/, call: "endpoint.update", sendsBody: true },
  {
    method: "PATCH",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/headers$/,
    call: "endpoint.patchHeaders",
    sendsBody: true,
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/secret\/rotate$/,
    call: "endpoint.rotateSecret",
    sendsBody: true,
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/recover$/,
    call: "endpoint.recover",
    sendsBody: true,
  },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/send-example$/,
    call: "endpoint.sendExample",
    sendsBody: true,
  },
  {
    method: "PATCH",
    pattern: /^\/app\/([^/]+)\/endpoint\/([^/]+)\/transformation$/,
    call: "endpoint.patchTransformation",
    sendsBody: true,
  },
  { method: "POST", pattern: /^\/app\/([^/]+)\/msg$/, call: "message.create", sendsBody: true },
  {
    method: "POST",
    pattern: /^\/app\/([^/]+)\/msg\/([^/]+)\/endpoint\/([^/]+)\/resend$/,
    call: "messageAttempt.resend",
    sendsBody: false,
  },
];

/**
 * Fields Hookline accepts that Svix's SDK does not know: its models serialise only their own
 * fields, so these never reach the server through the SDK (the curl form sends them).
 */
const HOOKLINE_ONLY = ["filter", "format", "ordered", "cloudEventsHandshake", "gracePeriodSeconds", "language"];
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
  if (route.sendsBody) args.push(literal(call.body ?? {}, ""));
  const dropped =
    call.body && typeof call.body === "object" ? HOOKLINE_ONLY.filter((f) => f in (call.body as object)) : [];
  return [
    `import { Svix } from "svix";`,
    ``,
    `const svix = new Svix(process.env.HOOKLINE_TOKEN, { serverUrl: ${JSON.stringify(origin)} });`,
    ...(dropped.length
      ? [`// Hookline-only fields the svix SDK does not send: ${dropped.join(", ")} (the curl form sends them).`]
      : []),
    `await svix.${route.call}(${args.join(", ")});`,
  ].join("\n");
}
