import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IngestSource } from "../../core/entities.ts";
import { networkAccess } from "../../access/network-access.ts";
import { newId } from "../../core/ids.ts";
import { loggableHeaders } from "../../inbound/forwarded-headers.ts";
import { receiveInbound } from "../../inbound/receive.ts";
import type { InboundRequest } from "../../inbound/verifier.ts";
import type { RouteOptions } from "../http-server.ts";
import { TokenBuckets } from "../token-buckets.ts";
import { servicesOf } from "../../main/services.ts";

interface ReceiveParams {
  source_id: string;
  token: string;
}

const tokensEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function headersOf(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * The URL the provider called, as it saw it (Twilio signs it): the source's own public URL if set
 * (plus the query string), else HOOKLINE_PUBLIC_URL plus the path, else what the request says.
 */
function calledUrl(request: FastifyRequest, source: IngestSource, publicBase: string | null): string {
  const path = request.raw.url ?? request.url;
  if (source.options.publicUrl) {
    const query = path.indexOf("?");
    return source.options.publicUrl + (query === -1 ? "" : path.slice(query));
  }
  if (publicBase) return publicBase + path;
  return `${request.protocol}://${request.host}${path}`;
}

/**
 * The ingest URLs providers call: `/in/{source_id}/{token}`. Public (the provider has no Hookline
 * token; the URL's token and the provider's own signature authenticate it). Bodies of any content
 * type arrive as raw bytes, exactly as signed, within HOOKLINE_MAX_BODY_BYTES.
 *
 * Each source's URL takes at most HOOKLINE_INGEST_RATE_LIMIT requests a second in this process;
 * beyond that the sender gets 429 with Retry-After (providers retry those) and nothing is stored,
 * not even a log entry: a flood from a leaked URL or a runaway sender must not turn into writes.
 * Requests with a wrong token are not counted against the source (they are 404s, and do not write).
 */
export async function ingestReceiveRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  /** An unknown source and a wrong token read the same: the URL gives nothing away. */
  async function sourceFor(params: ReceiveParams): Promise<IngestSource | null> {
    if (!params.source_id.startsWith("src_")) return null;
    const source = await ctx.store.ingest.getSource(params.source_id);
    if (!source) return null;
    if (tokensEqual(source.token, params.token)) return source;
    const now = ctx.clock.now();
    const previous = source.previousTokens.some((p) => p.expiresAt > now && tokensEqual(p.token, params.token));
    return previous ? source : null;
  }

  const notFound = (reply: FastifyReply) =>
    reply.code(404).send({ code: "not_found", detail: "no ingest source at this URL" });

  const buckets = new TokenBuckets(ctx.config.ingestRateLimit);
  const access = networkAccess(ctx);
  /** Log entries of blocked requests: as many a second as the source accepts, so a blocked flood stays bounded. */
  const blockedLogBuckets = new TokenBuckets(ctx.config.ingestRateLimit);

  /**
   * A request from an address the source's rules refuse: 403, before its body is stored anywhere.
   * The source's log records the address and the rule (not the body), up to the source's rate a
   * second; a flood beyond that is answered the same but only counted (docs/inbound-sources.md).
   */
  async function blocked(
    request: FastifyRequest,
    reply: FastifyReply,
    source: IngestSource,
    rule: string,
    now: number,
  ): Promise<FastifyReply> {
    ctx.metrics.ingestRequest("address_blocked");
    if (blockedLogBuckets.take(source.id, now) === 0) {
      await ctx.store.ingest.appendLog({
        id: newId("ilog", now),
        sourceId: source.id,
        statusCode: 403,
        outcome: "blocked",
        errorText: `address refused: ${rule}`,
        headers: loggableHeaders(
          headersOf(request),
          source.type === "api-key" ? String(source.config.header ?? "").toLowerCase() : null,
        ),
        payload: "",
        msgId: null,
        createdAt: now,
        clientIp: request.clientAddress,
      });
    }
    return reply
      .code(403)
      .send({ code: "address_not_allowed", detail: "this source does not accept requests from your address" });
  }
  /** The source each request's preParsing hook found (null: none at that URL), for its handler. */
  const lookedUp = new WeakMap<object, IngestSource | null>();
  /** When each source's flood was last logged: once a minute is enough to notice it. */
  const floodLoggedAt = new Map<string, number>();
  const FLOOD_LOG_EVERY_MS = 60_000;

  app.route<{ Params: ReceiveParams }>({
    method: ["POST", "PUT", "PATCH"],
    url: "/in/:source_id/:token",
    config: { public: true },
    schema: { hide: true },
    // The source and its address rules are read before the body: a refused sender's body is never
    // read at all, so it cannot make the server take in HOOKLINE_MAX_BODY_BYTES per request.
    preParsing: async (request, reply, payload) => {
      const source = await sourceFor(request.params);
      lookedUp.set(request.raw, source);
      if (!source) return payload;
      const refusal = await access.rules.refusal(
        source.options.allowedIps ?? null,
        source.options.deniedIps ?? null,
        request.clientAddress,
        `${source.id}@${source.updatedAt}`,
      );
      if (refusal === null) return payload;
      await blocked(request, reply, source, refusal, ctx.clock.now());
      return reply as unknown as typeof payload;
    },
    handler: async (request, reply) => {
      const now = ctx.clock.now();
      const source = lookedUp.has(request.raw) ? lookedUp.get(request.raw)! : await sourceFor(request.params);
      if (!source) {
        ctx.metrics.ingestRequest("not_found");
        return notFound(reply);
      }
      const waitMs = buckets.take(source.id, now);
      if (waitMs > 0) {
        ctx.metrics.ingestRequest("rate_limited");
        if (now - (floodLoggedAt.get(source.id) ?? -Infinity) >= FLOOD_LOG_EVERY_MS) {
          floodLoggedAt.set(source.id, now);
          request.log.warn(
            { sourceId: source.id, limit: ctx.config.ingestRateLimit, clientIp: request.clientAddress },
            "ingest rate limit reached",
          );
        }
        return reply
          .code(429)
          .header("retry-after", String(Math.ceil(waitMs / 1000)))
          .send({
            code: "rate_limited",
            detail: `this source accepts ${ctx.config.ingestRateLimit} requests a second`,
          });
      }
      const inbound: InboundRequest = {
        method: request.method,
        url: calledUrl(request, source, ctx.config.publicUrl),
        headers: headersOf(request),
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        now,
        clientIp: request.clientAddress,
      };
      let response;
      try {
        response = await receiveInbound(servicesOf(ctx).inbound, source, inbound);
      } catch (error) {
        // The store failed (each outcome above is counted only once its log entry is written): the
        // error handler answers, typically 503.
        ctx.metrics.ingestRequest("error");
        throw error;
      }
      return reply.code(response.status).header("content-type", response.contentType).send(response.body);
    },
  });

  // The CloudEvents webhook validation handshake (abuse protection): a sender asks whether this
  // URL accepts its events; a valid ingest URL consents to the origin and rate it asked for.
  app.options<{ Params: ReceiveParams }>(
    "/in/:source_id/:token",
    { config: { public: true }, schema: { hide: true } },
    async (request, reply) => {
      const source = await sourceFor(request.params);
      if (!source) return notFound(reply);
      const refusal = await access.rules.refusal(
        source.options.allowedIps ?? null,
        source.options.deniedIps ?? null,
        request.clientAddress,
        `${source.id}@${source.updatedAt}`,
      );
      if (refusal !== null)
        return reply
          .code(403)
          .send({ code: "address_not_allowed", detail: "this source does not accept requests from your address" });
      const origin = request.headers["webhook-request-origin"];
      reply.header("allow", "POST, PUT, PATCH, OPTIONS");
      if (typeof origin === "string" && origin !== "") {
        reply.header("webhook-allowed-origin", origin);
        reply.header(
          "webhook-allowed-rate",
          allowedRate(request.headers["webhook-request-rate"], ctx.config.ingestRateLimit),
        );
      }
      return reply.code(200).send();
    },
  );
}

/**
 * The CloudEvents handshake's WebHook-Allowed-Rate, in requests a minute: what the sender asked
 * for, capped by this source's limit ("*" only when neither sets one).
 */
function allowedRate(requested: string | string[] | undefined, perSecond: number): string {
  const asked = typeof requested === "string" && /^[1-9]\d*$/.test(requested) ? Number(requested) : null;
  if (perSecond === 0) return asked === null ? "*" : String(asked);
  const cap = perSecond * 60;
  return String(asked === null ? cap : Math.min(asked, cap));
}
