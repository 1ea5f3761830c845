import type { FastifyInstance } from "fastify";
import type { RouteOptions } from "../http-server.ts";

/** Liveness for load balancers and orchestrators: no token, no body. */
export async function healthRoutes(app: FastifyInstance, _opts: RouteOptions): Promise<void> {
  const healthy = { config: { public: true }, schema: { tags: ["Health"], response: { 204: { type: "null" } } } };
  app.get("/api/v1/health", healthy, async (_req, reply) => reply.code(204).send());
  app.get("/api/v1/health/ping", healthy, async (_req, reply) => reply.code(204).send());
}
