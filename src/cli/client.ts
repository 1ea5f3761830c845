import { CliError, EXIT, exitCodeForStatus, usageError } from "./exit-codes.ts";

/** Where the API is and the token to call it with, resolved from flags, environment and login file. */
export interface Connection {
  url: string;
  token: string | null;
}

/** A generous bound: a busy server answers in milliseconds, but a hung one must not hang a CI job. */
const REQUEST_TIMEOUT_MS = 60_000;

export type Query = Record<string, string | number | boolean | string[] | undefined>;

/**
 * The management API over HTTP (Node's fetch): JSON in and out, and every failure turned into a
 * CliError whose exit code says what kind it is and whose message carries the API's own text.
 */
export class ApiClient {
  constructor(readonly connection: Connection) {}

  async request(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<unknown> {
    const url = this.urlFor(path, options.query);
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${this.connection.url}: ${networkReason(error)}`, EXIT.network);
    }
    const text = await response.text().catch(() => "");
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (response.ok) return body;
    throw new CliError(
      `${method} ${path}: ${response.status} ${describeError(body, text)}`,
      exitCodeForStatus(response.status),
    );
  }

  private urlFor(path: string, query: Query = {}): URL {
    let url: URL;
    try {
      url = new URL(this.connection.url.replace(/\/+$/, "") + path);
    } catch {
      throw usageError(`the server URL "${this.connection.url}" is not a URL (HOOKLINE_URL / --url)`);
    }
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return url;
  }
}

/** The API's error text: `{code, detail}`, or 422's `{detail: [{loc, msg}]}` as `loc: msg` lines. */
export function describeError(body: unknown, text: string): string {
  const b = body as { code?: unknown; detail?: unknown } | undefined;
  if (b && Array.isArray(b.detail)) {
    const problems = (b.detail as { loc?: unknown[]; msg?: unknown }[]).map(
      (d) => `${Array.isArray(d.loc) ? d.loc.join(".") : "?"}: ${String(d.msg)}`,
    );
    return `validation failed\n  ${problems.join("\n  ")}`;
  }
  if (b && typeof b.detail === "string") return typeof b.code === "string" ? `${b.code}: ${b.detail}` : b.detail;
  return text.trim().slice(0, 500) || "(no body)";
}

function networkReason(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}
