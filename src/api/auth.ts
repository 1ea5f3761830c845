import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../main/context.ts";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Routes that answer without a token (health checks). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Who made the request; scopes idempotency keys. */
    principal: string;
  }
}

export const hashToken = (token: string): Buffer => createHash("sha256").update(token).digest();

/**
 * Bearer-token authentication on every route but the public ones. Tokens are compared as SHA-256
 * digests with a constant-time comparison, so neither the token's length nor its prefix leaks
 * through timing.
 */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest("principal", "");
  app.addHook("onRequest", async (request, reply) => {
    if (request.routeOptions.config?.public) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match || !timingSafeEqual(hashToken(match[1]!), ctx.adminTokenHash)) {
      return reply
        .code(401)
        .header("www-authenticate", "Bearer")
        .send({ code: "authentication_failed", detail: "a valid bearer token is required" });
    }
    request.principal = "admin";
  });
}
