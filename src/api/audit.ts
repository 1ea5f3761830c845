import type { FastifyInstance, FastifyRequest } from "fastify";
import { newId } from "../core/ids.ts";
import type { AppContext } from "../main/context.ts";

/**
 * Writes that are traffic, not configuration: sending messages (the hot path), resending, and
 * dry runs. Everything else that changes state through the API is recorded.
 */
const NOT_CONFIGURATION = new Set([
  "POST /api/v1/app/:app_id/msg",
  "POST /api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend",
  "POST /api/v1/app/:app_id/endpoint/:endpoint_id/transformation/simulate",
  "POST /api/v1/app/:app_id/endpoint/:endpoint_id/send-example",
]);

/**
 * The audit log: who (token id, or `admin` for the bootstrap token) changed what (method and
 * route, and the path) and when, for every successful configuration change. Bodies are never
 * recorded: they can carry secrets.
 */
export function registerAudit(app: FastifyInstance, ctx: AppContext): void {
  // Written as the response is about to go (onSend), not after it went: once a change is
  // acknowledged, its entry is in the log, so whoever reads the log next sees it.
  app.addHook("onSend", async (request, reply, payload) => {
    await record(request, reply.statusCode);
    return payload;
  });

  async function record(request: FastifyRequest, statusCode: number): Promise<void> {
    if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") return;
    if (statusCode >= 400 || !request.principal) return;
    const route = request.routeOptions.url;
    if (!route) return;
    const action = `${request.method} ${route}`;
    if (NOT_CONFIGURATION.has(action)) return;
    const named = (request.params as { app_id?: string } | undefined)?.app_id;
    try {
      const appId = named === undefined ? null : ((await ctx.store.applications.get(named))?.id ?? named);
      await ctx.store.audit.append({
        id: newId("audit", ctx.clock.now()),
        actor: request.principal,
        action,
        path: request.url.split("?")[0]!,
        appId,
        status: statusCode,
        createdAt: ctx.clock.now(),
        clientIp: request.clientAddress,
        detail: null,
      });
    } catch (error) {
      ctx.log.error({ err: error, action }, "could not write the audit log entry");
    }
  }
}
