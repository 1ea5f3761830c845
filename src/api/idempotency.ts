import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { IdempotentResponse } from "../store/store.ts";
import type { AppContext } from "../main/context.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** Set when this request's response must be remembered under its idempotency key. */
    idempotency: { scope: string; key: string } | null;
    /** Set by a route that stored the response itself, in the same transaction as its write. */
    idempotencyStored: boolean;
  }
}

/** Keys are remembered for a day: far longer than any client's retry loop. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/**
 * The `idempotency-key` header (sent by the Svix SDKs on every POST): a repeated POST with the same
 * key from the same caller to the same path gets the first response back instead of acting twice.
 * A repeat that arrives while the first is still being processed gets 409.
 */
export function registerIdempotency(app: FastifyInstance, ctx: AppContext): void {
  const inProgress = new Set<string>();
  app.decorateRequest("idempotency", null);
  app.decorateRequest("idempotencyStored", false);

  app.addHook("preHandler", async (request, reply) => {
    const key = request.headers["idempotency-key"];
    if (request.method !== "POST" || typeof key !== "string" || key === "") return;
    // Public routes are not API calls: an inbound webhook's Idempotency-Key belongs to its provider.
    if (request.routeOptions.config?.public) return;
    if (key.length > 256)
      return reply.code(422).send({
        detail: [{ loc: ["header", "idempotency-key"], msg: "must be at most 256 characters", type: "maxLength" }],
      });
    // The scope is hashed: paths may carry up to 256 percent-encoded characters per segment, and a
    // fixed-size key keeps the store's index rows small whatever the path.
    const scope = createHash("sha256")
      .update(`${request.principal} POST ${request.url.split("?")[0]}`)
      .digest("hex");
    // Marked in progress before the store lookup: the lookup is asynchronous, and a duplicate
    // arriving during it must not slip past both checks after the first request has finished.
    const token = `${scope}\n${key}`;
    if (inProgress.has(token)) {
      return reply
        .code(409)
        .send({ code: "idempotency_conflict", detail: "a request with this idempotency key is still being processed" });
    }
    inProgress.add(token);
    let stored;
    try {
      stored = await ctx.store.idempotency.get(scope, key);
    } catch (error) {
      inProgress.delete(token);
      throw error;
    }
    if (stored) {
      inProgress.delete(token);
      return replayStored(reply, stored);
    }
    request.idempotency = { scope, key };
  });

  app.addHook("onSend", async (request, reply, payload) => {
    const idem = request.idempotency;
    if (!idem) return payload;
    // Only definite answers are replayed; a 5xx or 409 may succeed when retried.
    const body = typeof payload === "string" ? payload : payload === null || payload === undefined ? "" : null;
    if (!request.idempotencyStored && reply.statusCode < 500 && reply.statusCode !== 409 && body !== null) {
      try {
        await ctx.store.idempotency.put({ ...idem, statusCode: reply.statusCode, body }, ctx.clock.now());
      } catch (error) {
        // The request itself succeeded; only its replay is lost. Answer it rather than fail it.
        ctx.log.error({ err: error }, "could not store the idempotent response");
      }
    }
    // Stored (or not storable): a retry sent the moment this answer arrives must find the stored
    // response, not a request still marked in progress, so release the mark before answering.
    inProgress.delete(`${idem.scope}\n${idem.key}`);
    return payload;
  });

  app.addHook("onResponse", async (request) => {
    const idem = request.idempotency;
    if (idem) inProgress.delete(`${idem.scope}\n${idem.key}`);
  });
}

/** Answers with a remembered response, exactly as it was first sent. */
export function replayStored(reply: FastifyReply, stored: IdempotentResponse): FastifyReply {
  reply.code(stored.statusCode);
  if (stored.body === "") return reply.send();
  return reply.header("content-type", "application/json; charset=utf-8").send(stored.body);
}
