import type { FastifyInstance } from "fastify";
import { inSet } from "../access/address-rules.ts";
import { networkAccess } from "../access/network-access.ts";
import type { AppContext } from "../main/context.ts";

declare module "fastify" {
  interface FastifyRequest {
    /**
     * The client's address, resolved once per request through HOOKLINE_TRUSTED_PROXIES
     * (src/access/client-address.ts). Everything that records or checks an address uses it.
     */
    clientAddress: string;
  }
}

/** How often a refusal by HOOKLINE_API_ALLOWED_IPS is logged: once a minute shows it without a flood of lines. */
const REFUSAL_LOG_EVERY_MS = 60_000;

/**
 * Resolves each request's client address first thing, and applies HOOKLINE_API_ALLOWED_IPS to the
 * management API: every route that needs a token. The ingest URLs (their sources have their own
 * rules), health checks and the OpenAPI document are public and not affected. The refusal comes
 * before authentication, so it tells an outsider nothing about tokens.
 */
export function registerClientAddress(app: FastifyInstance, ctx: AppContext): void {
  const access = networkAccess(ctx);
  let refusalLoggedAt = -Infinity;
  app.decorateRequest("clientAddress", "");
  app.addHook("onRequest", async (request, reply) => {
    request.clientAddress = access.clientAddress(request.socket.remoteAddress ?? "", request.headers);
    if (access.apiAllowed === null || request.routeOptions.config?.public) return;
    if (inSet(access.apiAllowed, request.clientAddress)) return;
    const now = Date.now();
    if (now - refusalLoggedAt >= REFUSAL_LOG_EVERY_MS) {
      refusalLoggedAt = now;
      request.log.warn(
        { clientIp: request.clientAddress, url: request.url },
        "API request from outside HOOKLINE_API_ALLOWED_IPS",
      );
    }
    return reply.code(403).send({
      code: "address_not_allowed",
      detail: `the API does not answer ${request.clientAddress} (HOOKLINE_API_ALLOWED_IPS)`,
    });
  });
}
