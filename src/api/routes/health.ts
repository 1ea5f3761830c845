import type { FastifyInstance } from "fastify";
import { HttpError } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { isStoreUnavailable, STORE_UNAVAILABLE_RETRY_AFTER_SECONDS } from "../../store/store-unavailable.ts";

/**
 * How long readiness waits for the database before answering 503. Load balancers' probes time out
 * after 1-5 s; a server that stopped answering (a network partition, a failover to another
 * address) would otherwise hold the probe until the kernel gives up on the connection, minutes.
 */
const READY_TIMEOUT_MS = 2000;

/**
 * Liveness and readiness for load balancers and orchestrators: no token. Liveness answers as long
 * as the process serves HTTP (restarting a process does not bring a database back); readiness also
 * asks the store, so a balancer stops sending requests that would only be refused.
 */
export async function healthRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  // `security: []`: the document says these need no token, as they do not.
  const healthy = {
    config: { public: true },
    schema: { tags: ["Health"], security: [], response: { 204: { type: "null" } } },
  };
  app.get("/api/v1/health", healthy, async (_req, reply) => reply.code(204).send());
  app.get("/api/v1/health/ping", healthy, async (_req, reply) => reply.code(204).send());

  app.get(
    "/api/v1/health/ready",
    {
      config: { public: true },
      schema: {
        tags: ["Health"],
        security: [],
        summary: "Readiness",
        description:
          "204 when the database answers and takes writes; 503 store_unavailable (with Retry-After) when it is " +
          `unreachable, read-only or has not answered within ${READY_TIMEOUT_MS} ms. A Hookline extension.`,
        response: { 204: { type: "null" }, 503: HttpError },
      },
    },
    async (_req, reply) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              Object.assign(new Error(`the database did not answer within ${READY_TIMEOUT_MS} ms`), {
                code: "ETIMEDOUT",
              }),
            ),
          READY_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([ctx.store.ping(), timeout]);
        return reply.code(204).send();
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        // Not logged: a balancer probes every few seconds, and the outage is logged where requests fail.
        const cause = (error as { code?: string }).code ?? (error as Error).message;
        return reply
          .code(503)
          .header("retry-after", String(STORE_UNAVAILABLE_RETRY_AFTER_SECONDS))
          .send({ code: "store_unavailable", detail: `not ready: ${(error as Error).message} (${cause})` });
      } finally {
        clearTimeout(timer);
      }
    },
  );
}
