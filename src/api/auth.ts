import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { networkAccess } from "../access/network-access.ts";
import { newId } from "../core/ids.ts";
import type { AppContext } from "../main/context.ts";
import { servicesOf } from "../main/services.ts";
import { sessionCredential } from "./console-session.ts";
import type { ApiToken, PortalGrant } from "../store/store.ts";
import { appTokenCatalogAccess } from "./event-catalog-access.ts";
import { pollerTokenAllows } from "./poller-token-access.ts";
import { portalRefusal } from "./portal-capabilities.ts";
import { TokenBuckets } from "./token-buckets.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Routes that answer without a token (health checks). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Who made the request: `admin` for the bootstrap token, else the token's id. Scopes idempotency keys. */
    principal: string;
    /** For a token confined to one application: that application's id. Null for admin tokens. */
    scopedAppId: string | null;
    /** For a consumer-portal session: what it was granted (portal-capabilities.ts). */
    portal: PortalGrant | null;
    /** For a poller token: the one polling endpoint it may poll (poller-token-access.ts). */
    pollerEndpointId: string | null;
  }
}

export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/** How long a looked-up token is trusted before it is read again (revocation in another process takes effect within this). */
export const TOKEN_CACHE_MS = 5000;

/**
 * What a token confined to one application may do, by route: manage that application's endpoints,
 * open `hookline listen` sessions on it, read its messages, attempts and stats, read the application itself, read the event-type catalog (the
 * rule is event-catalog-access.ts's), and log out. Everything else (other applications, changing
 * event types, tokens, sending messages) is for admin tokens only. One table, so the whole policy
 * can be read in one place.
 */
export function appTokenAccess(method: string, routeUrl: string): boolean {
  const catalog = appTokenCatalogAccess(method, routeUrl);
  if (catalog !== undefined) return catalog;
  if (routeUrl === "/api/v1/auth/logout") return method === "POST";
  // The routes filter to the token's application's tasks (routes/background-tasks.ts).
  if (routeUrl.startsWith("/api/v1/background-task")) return method === "GET";
  const base = "/api/v1/app/:app_id";
  if (!routeUrl.startsWith(base)) return false;
  const rest = routeUrl.slice(base.length);
  if (rest === "") return method === "GET";
  if (rest.startsWith("/endpoint/:endpoint_id/msg")) return method === "GET";
  if (rest === "/endpoint" || rest.startsWith("/endpoint/")) return true;
  if (rest === "/msg" || rest.startsWith("/msg/") || rest.startsWith("/attempt/")) return method === "GET";
  if (rest.startsWith("/stats/")) return method === "GET";
  // `hookline listen` on the application (a WebSocket; it manages a listen endpoint of its own).
  if (rest === "/listen") return method === "GET";
  return false;
}

/**
 * Why a request was not authenticated, as its 401 says. "Expired" and "revoked" are only ever
 * said to a caller who presents the exact value of a token that existed (256 random bits, found
 * by its hash): a guesser always gets "not known", which tells them nothing. SECURITY.md explains
 * the choice.
 */
export const AUTH_FAILURES = {
  missing: "the Authorization header is missing: send `Authorization: Bearer <token>`",
  malformed: "the Authorization header is malformed: expected `Bearer <token>`",
  unknown: "the token is not known",
  expired: "the token has expired",
  revoked: "the token has been revoked",
} as const;

/** No token Hookline accepts is shorter: the admin token needs 16 characters, issued tokens are longer. */
const MIN_TOKEN_LENGTH = 16;

function unauthorized(reply: FastifyReply, why: keyof typeof AUTH_FAILURES) {
  return reply
    .code(401)
    .header("www-authenticate", "Bearer")
    .send({ code: "authentication_failed", detail: AUTH_FAILURES[why] });
}

/**
 * Bearer-token authentication on every route but the public ones. The bootstrap admin token is
 * compared as a SHA-256 digest in constant time; other tokens are found by their digest (the
 * tokens themselves are never stored). Tokens confined to an application are checked against the
 * route table above and against the application the path names, which must be theirs: any other
 * application reads as not found, so a token cannot even learn which ids exist.
 */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  const cache = new Map<string, { at: number; token: ApiToken | undefined }>();
  const buckets = new TokenBuckets(ctx.config.apiRateLimit);
  const access = networkAccess(ctx);
  app.decorateRequest("principal", "");
  app.decorateRequest("scopedAppId", null);
  app.decorateRequest("portal", null);
  app.decorateRequest("pollerEndpointId", null);

  async function lookup(hash: Buffer): Promise<ApiToken | undefined> {
    const key = hash.toString("hex");
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < TOKEN_CACHE_MS) return hit.token;
    const token = await ctx.store.tokens.byHash(key);
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { at: now, token });
    return token;
  }

  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    const header = request.headers.authorization;
    let presented: string;
    if (header === undefined || header.trim() === "") {
      // The web console's calls carry their token in the session cookie instead (console-session.ts).
      const session = sessionCredential(request);
      if (session === undefined) return unauthorized(reply, "missing");
      if ("refused" in session) return reply.code(403).send({ code: "forbidden", detail: session.refused });
      presented = session.token;
    } else {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match || match[1]!.length < MIN_TOKEN_LENGTH) return unauthorized(reply, "malformed");
      presented = match[1]!;
    }
    const hash = hashToken(presented);
    let allowedIps: string[] | null = null;
    if (timingSafeEqual(hash, ctx.adminTokenHash)) {
      request.principal = "admin";
    } else {
      const token = await lookup(hash);
      const now = ctx.clock.now();
      if (!token) return unauthorized(reply, "unknown");
      if (token.revokedAt !== null && token.revokedAt <= now) return unauthorized(reply, "revoked");
      if (token.expiresAt !== null && token.expiresAt <= now) return unauthorized(reply, "expired");
      request.principal = token.id;
      request.scopedAppId = token.appId;
      allowedIps = token.allowedIps;
      request.portal = token.portal;
      request.pollerEndpointId = token.pollerEndpointId ?? null;
    }

    const waitMs = buckets.take(request.principal);
    if (waitMs > 0) {
      return reply
        .code(429)
        .header("retry-after", String(Math.ceil(waitMs / 1000)))
        .send({ code: "rate_limited", detail: "too many requests for this token; retry after the given seconds" });
    }
    if (allowedIps !== null && !(await access.rules.allows(allowedIps, request.clientAddress, request.principal)))
      return refuseAddress(request, reply);
    if (request.scopedAppId !== null) return authorizeAppToken(request, reply);
  });

  /**
   * A token used from outside its allowedIps: 403, and an audit log entry saying who and from where
   * (at most one a second per token and address, so a stolen token replayed in a loop does not turn
   * into a write per request).
   */
  const refusalsLoggedAt = new Map<string, number>();
  async function refuseAddress(request: FastifyRequest, reply: FastifyReply) {
    const now = ctx.clock.now();
    const key = `${request.principal} ${request.clientAddress}`;
    if (now - (refusalsLoggedAt.get(key) ?? -Infinity) >= 1000) {
      if (refusalsLoggedAt.size >= 10_000) refusalsLoggedAt.clear();
      refusalsLoggedAt.set(key, now);
      try {
        await ctx.store.audit.append({
          id: newId("audit", now),
          actor: request.principal,
          action: `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]!}`,
          path: request.url.split("?")[0]!,
          appId: request.scopedAppId,
          status: 403,
          createdAt: now,
          clientIp: request.clientAddress,
          detail: `refused: ${request.clientAddress} is outside the token's allowedIps`,
        });
      } catch (error) {
        ctx.log.error({ err: error }, "could not write the audit log entry");
      }
    }
    return reply.code(403).send({
      code: "address_not_allowed",
      detail: `this token may not be used from ${request.clientAddress}`,
    });
  }

  async function authorizeAppToken(request: FastifyRequest, reply: FastifyReply) {
    const routeUrl = request.routeOptions.url ?? "";
    // A poller token by its own short list; a portal session by the portal's capability table;
    // other application tokens (integration keys) by the table above.
    if (request.pollerEndpointId !== null) {
      if (!pollerTokenAllows(request.method, routeUrl))
        return reply.code(403).send({ code: "forbidden", detail: "this token may only poll its polling endpoint" });
    } else if (request.portal !== null) {
      const refusal = portalRefusal(request.portal, request.method, routeUrl);
      if (refusal) return reply.code(403).send(refusal);
    } else if (!appTokenAccess(request.method, routeUrl)) {
      return reply.code(403).send({ code: "forbidden", detail: "this token is confined to one application" });
    }
    const named = (request.params as { app_id?: string }).app_id;
    if (named === undefined) return;
    // Cached: an application token's every request checks its scope (core/applications/application-lookup-cache.ts).
    const application = await servicesOf(ctx).applications.findRecent(named);
    if (!application || application.id !== request.scopedAppId) {
      return reply.code(404).send({ code: "not_found", detail: "application not found" });
    }
    if (request.pollerEndpointId !== null) {
      // Another endpoint of the same application reads as not found, as another application does.
      const sink = (request.params as { sink_id?: string }).sink_id;
      const endpoint = sink === undefined ? undefined : await ctx.store.endpoints.get(application.id, sink);
      if (!endpoint || endpoint.id !== request.pollerEndpointId)
        return reply.code(404).send({ code: "not_found", detail: "endpoint not found" });
    }
  }

  /** Lets a revocation in this process take effect at once. */
  app.decorate("forgetToken", (tokenHash: string) => cache.delete(tokenHash));
}

declare module "fastify" {
  interface FastifyInstance {
    /** Drops a token (by its hex hash) from this process's cache; other processes see it within TOKEN_CACHE_MS. */
    forgetToken(tokenHash: string): void;
  }
}
