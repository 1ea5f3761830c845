import type { FastifyInstance } from "fastify";
import type { AppContext } from "../main/context.ts";

/**
 * Cross-origin calls to the API from browsers, for pages the operator allows
 * (HOOKLINE_API_CORS_ORIGINS): a customer portal built on svix-react talks to the API straight
 * from the browser, with a portal session's Bearer token, as it talks to Svix's.
 *
 * Only Bearer tokens travel this way. The answer never carries `Access-Control-Allow-Credentials`,
 * so a browser sends no cookie cross-origin (and reads no cookie-authenticated answer), and the
 * console's own header (`x-hookline-console`, its CSRF guard) is not among the allowed request
 * headers: the console's cookie session stays same-origin only (src/api/console-session.ts).
 */

/** What the official SDKs send (svix's JavaScript client: Authorization, idempotency key, request id). */
const ALLOWED_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "svix-req-id", "user-agent"];
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
/** Browsers cache a preflight this long (seconds); Chromium caps it at 7200. */
const PREFLIGHT_MAX_AGE_S = 600;

export function registerApiCors(app: FastifyInstance, ctx: AppContext): void {
  const origins = new Set(ctx.config.apiCorsOrigins);
  if (origins.size === 0) return;
  const anyOrigin = origins.has("*");
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (anyOrigin || origins.has(origin.toLowerCase()));
  const isApi = (url: string) => url.startsWith("/api/");

  // Registered before authentication: a preflight carries no token and must not be refused as unauthenticated.
  app.addHook("onRequest", async (request, reply) => {
    if (request.method !== "OPTIONS" || !isApi(request.url)) return;
    const origin = request.headers.origin;
    const method = request.headers["access-control-request-method"];
    if (!allowed(origin) || typeof method !== "string") return;
    const asked = String(request.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const refused = asked.filter((h) => !ALLOWED_HEADERS.includes(h));
    reply.header("vary", "origin");
    // A header outside the list (the console's CSRF header among them) fails the preflight.
    if (refused.length > 0) return reply.code(204).send();
    return reply
      .code(204)
      .header("access-control-allow-origin", anyOrigin ? "*" : origin)
      .header("access-control-allow-methods", ALLOWED_METHODS)
      .header("access-control-allow-headers", ALLOWED_HEADERS.join(", "))
      .header("access-control-max-age", String(PREFLIGHT_MAX_AGE_S))
      .send();
  });

  app.addHook("onSend", async (request, reply, payload) => {
    // A preflight's answer was made whole above (or refused by leaving the header out).
    if (!isApi(request.url) || request.method === "OPTIONS") return payload;
    const origin = request.headers.origin;
    if (!allowed(origin)) return payload;
    reply.header("access-control-allow-origin", anyOrigin ? "*" : origin);
    if (!anyOrigin) reply.header("vary", "origin");
    return payload;
  });
}
