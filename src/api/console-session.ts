import type { FastifyRequest } from "fastify";

/**
 * The web console's session (docs/console.md): signing in exchanges an admin token for a fresh
 * admin API token with a short life, held only in an HttpOnly cookie the page's scripts cannot
 * read. Being an ordinary API token, it is stored as a digest, shared by every process on the
 * same database, listed with the other tokens and revoked by logging out.
 */
export const SESSION_COOKIE = "hookline_console";
/** How long a console session lasts: a working day; signing in again starts a new one. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** The name the session's token is listed under (GET /api/v1/auth/token). */
export const SESSION_TOKEN_NAME = "console session";

/**
 * The header every request of the console carries. A page on another site cannot send a custom
 * header to Hookline without a CORS preflight, which Hookline never grants, so together with
 * SameSite=Strict it makes a forged state-changing request impossible.
 */
export const CONSOLE_HEADER = "x-hookline-console";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Secure when the request came over HTTPS (directly or, with trustProxy, through a proxy). */
export function sessionCookie(token: string, maxAgeMs: number, secure: boolean): string {
  const attributes = [`Max-Age=${Math.floor(maxAgeMs / 1000)}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  if (secure) attributes.push("Secure");
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; ${attributes.join("; ")}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", 0, secure);
}

/**
 * Why a state-changing request that relies on the session cookie is refused, or null when it may
 * go on: it must carry the console's header and, when the browser names its Origin, come from
 * this very host.
 */
export function csrfRefusal(request: FastifyRequest): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  if (request.headers[CONSOLE_HEADER] === undefined)
    return `a request authenticated by the console's session cookie must carry the ${CONSOLE_HEADER} header`;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== "null") {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return "the request's Origin header is malformed";
    }
    if (host !== request.headers.host) return `a request from ${origin} cannot use this server's console session`;
  } else if (origin === "null") {
    return "a request from an opaque origin cannot use this server's console session";
  }
  return null;
}

/**
 * The console session's token when the request has no Authorization header (which, when present,
 * always wins), or the reason its cookie cannot be used for this request; undefined without one.
 */
export function sessionCredential(request: FastifyRequest): { token: string } | { refused: string } | undefined {
  const token = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (token === undefined || token === "") return undefined;
  const refused = csrfRefusal(request);
  return refused === null ? { token } : { refused };
}
