/**
 * The console's one way to call Hookline's API: same origin, the session cookie (sent by the
 * browser, never read by this code) and the header the server requires of every console request
 * (src/api/console-session.ts). Errors keep the API's own words.
 */
export const CONSOLE_HEADER = "x-hookline-console";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The session ended (expired, logged out elsewhere, revoked): the caller is sent to sign in. */
export class SessionLost extends ApiError {}

interface FieldProblem {
  loc?: (string | number)[];
  msg?: string;
}

/** The API's error body as one sentence: `{code, detail}` or a 422's list of fields. */
export function errorMessage(status: number, body: unknown): { code: string; message: string } {
  const b = (body ?? {}) as { code?: string; detail?: string | FieldProblem[] };
  if (typeof b.detail === "string") return { code: b.code ?? String(status), message: b.detail };
  if (Array.isArray(b.detail)) {
    const parts = b.detail.map((p) => `${(p.loc ?? []).join(".")}: ${p.msg ?? "invalid"}`);
    return { code: "validation", message: parts.join("; ") };
  }
  return { code: String(status), message: `the server answered ${status}` };
}

let onSessionLost: () => void = () => {};

/** Set by the app: where to go when a request answers 401. */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

let bearerToken: string | null = null;

/**
 * The consumer portal (web/console/src/portal/) calls the same API with its session's token
 * instead of the console's cookie: once set, every request carries `Authorization: Bearer` and no
 * cookie, so the console's components work unchanged inside the portal.
 */
export function setBearerToken(token: string): void {
  bearerToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/api/v1${path}`, body);
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = bearerToken
    ? { authorization: `Bearer ${bearerToken}`, accept: "application/json" }
    : { [CONSOLE_HEADER]: "1", accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url, {
    method,
    headers,
    credentials: bearerToken ? "omit" : "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const { code, message } = errorMessage(res.status, parsed);
    if (res.status === 401) {
      onSessionLost();
      throw new SessionLost(401, code, message);
    }
    throw new ApiError(res.status, code, message);
  }
  return parsed as T;
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | string[] | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export const enc = encodeURIComponent;

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

/** A background task (recover, replay, expunge): `data` holds its progress and result. */
export interface BackgroundTask {
  id: string;
  status: "running" | "finished" | "failed";
  task: string;
  updatedAt: string;
  data: Record<string, unknown>;
}

export interface Application {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
}

export interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  version: number;
  disabled: boolean;
  rateLimit: number | null;
  filterTypes: string[] | null;
  channels: string[] | null;
  format: string;
  ordered: boolean;
  createdAt: string;
}

export interface Message {
  id: string;
  eventType: string;
  eventId: string | null;
  payload: Record<string, unknown>;
  channels: string[] | null;
  timestamp: string;
}

export interface Attempt {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  response: string;
  responseStatusCode: number;
  responseDurationMs: number;
  status: number;
  statusText: string;
  triggerType: number;
  timestamp: string;
  errorKind: string | null;
  requestHeaders: Record<string, string>;
  /** The receiver's (bounded, credentials redacted by Hookline); null when no response came or the content was deleted. */
  responseHeaders: Record<string, string> | null;
}

export interface MessageDestination extends Endpoint {
  status: number;
  statusText: string;
  nextAttempt: string | null;
}

export interface StatsBucket {
  start: string;
  total: number;
  success: number;
  failure: number;
  endToEndMs: { p50: number | null; p95: number | null };
  attemptDurationMs: { p50: number | null; p95: number | null };
}

export interface Stats {
  interval: string;
  since: string;
  until: string;
  data: StatsBucket[];
}

/** The inbound (Svix Ingest) API, under /ingest/api/v1 (src/api/routes/ingest-sources.ts). */
export function ingestApi<T>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/ingest/api/v1${path}`, body);
}

/** Deliveries due now and waiting for a retry (GET …/stats/backlog). */
export interface Backlog {
  due: number;
  scheduled: number;
  oldestDueAt: string | null;
}

/** An endpoint disabled or failing over a range (GET …/stats/endpoints). */
export interface EndpointHealthEntry {
  appId: string;
  endpointId: string;
  url: string;
  disabled: boolean;
  total: number;
  failure: number;
  failureRate: number | null;
}

/** A message as an endpoint's list of attempted messages has it: with the delivery's state. */
export interface EndpointMessage extends Message {
  status: number;
  statusText: string;
  nextAttempt: string | null;
}

export interface IngestSource {
  id: string;
  uid: string | null;
  name: string;
  type: string;
  config: Record<string, unknown>;
  ingestUrl: string | null;
  appId: string;
  createdAt: string;
  updatedAt: string;
  dedupeWindowSeconds: number;
}

export interface IngestLogEntry {
  id: string;
  status_code: number;
  error_text: string;
  outcome: "accepted" | "duplicate" | "refused" | "replied" | "rejected" | "blocked";
  msg_id: string | null;
  client_ip: string | null;
  created_at: string;
  headers: Record<string, string>;
  payload: string;
}

export interface ConfiguredSetting {
  name: string;
  env: string;
  flag: string;
  source: "flag" | "environment" | "default";
  value: string;
  secret: boolean;
  meaning: string;
}
