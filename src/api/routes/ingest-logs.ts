import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { IngestLogEntry } from "../../core/entities.ts";
import { ApiError, notFound } from "../../core/errors.ts";
import { resendMessage } from "../../core/message-resend.ts";
import { isPollingEndpoint } from "../../core/polling-endpoint.ts";
import { routesTo } from "../../core/routing.ts";
import { errorResponses, ListQuery, ListResponse, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { SourceParams } from "./endpoint-scope.ts";
import { requireSource } from "./ingest-sources.ts";
import { servicesOf } from "../../main/services.ts";

/** The Svix Ingest log entry (snake_case, as in the reference), plus what became of the request. */
const LogOut = Type.Object({
  id: Type.String(),
  source_id: Type.String(),
  status_code: Type.Integer({ description: "The status the provider was answered with" }),
  error_text: Type.String({ description: "Why the request was refused or rejected; empty when accepted" }),
  headers: Type.Record(Type.String(), Type.String()),
  payload: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  outcome: Type.Union(
    ["accepted", "duplicate", "refused", "replied", "rejected", "blocked"].map((o) => Type.Literal(o)),
    {
      description:
        "Hookline: accepted, duplicate (acknowledged, not forwarded), refused (verification failed), replied (answered directly, e.g. a Slack challenge), rejected, or blocked (the client's address was refused by allowedIps or deniedIps)",
    },
  ),
  msg_id: Type.Union([Type.String(), Type.Null()], {
    description: "Hookline: the event this request became (or repeated), in the source's application",
  }),
  client_ip: Type.Union([Type.String(), Type.Null()], {
    description: "Hookline: the client's address, resolved through HOOKLINE_TRUSTED_PROXIES",
  }),
});
const LogParams = Type.Object({ source_id: PathKey, log_id: PathKey });
const ReplayIn = Type.Object({
  endpointId: Type.Optional(
    Type.String({ description: "Replay to this destination only; default: every destination the event routes to" }),
  ),
});
const ReplayOut = Type.Object({ msgId: Type.String(), replayed: Type.Integer() });

const tags = ["Ingest Source"];

const logOut = (e: IngestLogEntry) => ({
  id: e.id,
  source_id: e.sourceId,
  status_code: e.statusCode,
  error_text: e.errorText,
  headers: e.headers,
  payload: e.payload,
  created_at: iso(e.createdAt),
  updated_at: iso(e.createdAt),
  outcome: e.outcome,
  msg_id: e.msgId,
  client_ip: e.clientIp,
});

/** Every inbound request as received and what became of it; replay of accepted events. */
export async function ingestLogRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = "/ingest/api/v1/source/:source_id/log";

  app.get<{ Params: Static<typeof SourceParams>; Querystring: Static<typeof ListQuery> }>(
    base,
    {
      schema: {
        tags,
        params: SourceParams,
        querystring: ListQuery,
        response: { 200: ListResponse(LogOut), ...errorResponses },
      },
    },
    async (req) => {
      const source = await requireSource(ctx, req.params.source_id);
      // Newest first by default: the log is read to find out what just happened.
      const page = await ctx.store.ingest.listLogs(source.id, pageRequest(req.query, "descending"));
      return { ...page, data: page.data.map(logOut) };
    },
  );

  app.get<{ Params: Static<typeof LogParams> }>(
    `${base}/:log_id`,
    { schema: { tags, params: LogParams, response: { 200: LogOut, ...errorResponses } } },
    async (req) => {
      const source = await requireSource(ctx, req.params.source_id);
      const entry = await ctx.store.ingest.getLog(source.id, req.params.log_id);
      if (!entry) throw notFound("log entry");
      return logOut(entry);
    },
  );

  // Sends an accepted event to its destinations again, as a manual attempt: the same message id
  // (so the receiving service can de-duplicate) and the same bytes, signed afresh.
  app.post<{ Params: Static<typeof LogParams>; Body: Static<typeof ReplayIn> }>(
    `${base}/:log_id/replay`,
    { schema: { tags, params: LogParams, body: ReplayIn, response: { 202: ReplayOut, ...errorResponses } } },
    async (req, reply) => {
      const source = await requireSource(ctx, req.params.source_id);
      const entry = await ctx.store.ingest.getLog(source.id, req.params.log_id);
      if (!entry) throw notFound("log entry");
      if (entry.msgId === null)
        throw new ApiError(
          409,
          "not_replayable",
          `this request was ${entry.outcome}: only accepted events can be replayed`,
        );
      const message = await ctx.store.messages.get(source.appId, entry.msgId);
      if (!message || message.payload === null)
        throw new ApiError(410, "event_purged", "the event's content is no longer stored (retention or expunge)");
      // A polling endpoint already holds the event in its stream: there is nothing to send again.
      const destinations = (await ctx.store.endpoints.listAll(source.appId)).filter(
        (e) =>
          !isPollingEndpoint(e) &&
          (req.body.endpointId === undefined
            ? routesTo(e, message.eventType, message.channels)
            : e.id === req.body.endpointId || e.uid === req.body.endpointId),
      );
      if (req.body.endpointId !== undefined && destinations.length === 0) throw notFound("endpoint");
      const endpointIds = destinations.map((endpoint) => endpoint.id);
      await resendMessage(servicesOf(ctx).messageResend, source.appId, message.id, endpointIds);
      return reply.code(202).send({ msgId: message.id, replayed: destinations.length });
    },
  );
}
