import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { IngestSource } from "../../core/entities.ts";
import { receiveInbound } from "../../inbound/receive.ts";
import type { InboundRequest } from "../../inbound/verifier.ts";
import type { RouteOptions } from "../http-server.ts";

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

  app.route<{ Params: ReceiveParams }>({
    method: ["POST", "PUT", "PATCH"],
    url: "/in/:source_id/:token",
    config: { public: true },
    schema: { hide: true },
    handler: async (request, reply) => {
      const now = ctx.clock.now();
      const source = await sourceFor(request.params);
      if (!source) return notFound(reply);
      const inbound: InboundRequest = {
        method: request.method,
        url: calledUrl(request, source, ctx.config.publicUrl),
        headers: headersOf(request),
        rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        now,
      };
      const response = await receiveInbound(ctx, source, inbound);
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
      const origin = request.headers["webhook-request-origin"];
      reply.header("allow", "POST, PUT, PATCH, OPTIONS");
      if (typeof origin === "string" && origin !== "") {
        const rate = request.headers["webhook-request-rate"];
        reply.header("webhook-allowed-origin", origin);
        reply.header("webhook-allowed-rate", typeof rate === "string" && /^[1-9]\d*$/.test(rate) ? rate : "*");
      }
      return reply.code(200).send();
    },
  );
}
