import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Endpoint } from "../../core/entities.ts";
import { ApiError, notFound } from "../../core/errors.ts";
import { encodeIterator, isPollingEndpoint, positionAfterTime, STREAM_START } from "../../core/polling-endpoint.ts";
import {
  commitOffset,
  DEFAULT_LEASE_MS,
  iteratorPosition,
  leaseConsumer,
  pollConsumer,
  readStream,
  seekConsumer,
} from "../../core/polling-stream.ts";
import type { AppContext } from "../../main/context.ts";
import type { StreamEntry } from "../../store/store.ts";
import { Channel, DateTime, errorResponses, EventTypeName, Nullable, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { messageOut } from "../representations.ts";
import { requireApp } from "./applications.ts";
import { servicesOf } from "../../main/services.ts";

/**
 * Svix's poller API over polling endpoints (src/core/polling-endpoint.ts): reading the stream by
 * iterator, by a consumer whose position the server keeps (with seek), and by a consumer that
 * commits offsets under a lease (the v2 routes under `polling-endpoint`). docs/api.md, "Polling
 * endpoints".
 */

const tags = ["Message Poller"];
const SinkParams = Type.Object({ app_id: PathKey, sink_id: PathKey });
const ConsumerParams = Type.Object({ app_id: PathKey, sink_id: PathKey, consumer_id: PathKey });
type SinkParams = Static<typeof SinkParams>;
type ConsumerParams = Static<typeof ConsumerParams>;

const Limit = Type.Integer({ minimum: 1, maximum: 250, default: 50 });
const Iterator = Type.String({ maxLength: 1024, description: "The iterator returned from a prior invocation" });

const PollQuery = Type.Object({
  limit: Type.Optional(Limit),
  iterator: Type.Optional(Nullable(Iterator)),
  event_type: Type.Optional(EventTypeName),
  channel: Type.Optional(Channel),
  after: Type.Optional(Nullable(DateTime)),
});
const ConsumerPollQuery = Type.Object({
  limit: Type.Optional(Limit),
  iterator: Type.Optional(Nullable(Iterator)),
});
const LeasePollQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 250, default: 50 })),
  lease_duration_ms: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 3_600_000 }))),
  starting_position: Type.Optional(Nullable(Type.Union([Type.Literal("earliest"), Type.Literal("latest")]))),
});

const messageFields = {
  headers: Nullable(Type.Record(Type.String(), Type.String())),
  eventId: Nullable(Type.String()),
  eventType: Type.String(),
  payload: Type.Unknown(),
  channels: Nullable(Type.Array(Type.String())),
  id: Type.String(),
  timestamp: DateTime,
  tags: Nullable(Type.Array(Type.String())),
  deliverAt: Nullable(
    Type.String({ format: "date-time", description: "When the message is (or was) to be delivered; null for at once" }),
  ),
};
const PollingEndpointMessageOut = Type.Object(messageFields);
const PollingEndpointOut = Type.Object({
  data: Type.Array(PollingEndpointMessageOut),
  iterator: Type.String(),
  done: Type.Boolean(),
});
const Offset = Type.Integer({
  minimum: 0,
  description: "The stream entry's offset: commit it to mark everything up to it processed",
});
const PollerV2MessageOut = Type.Object({ offset: Offset, ...messageFields });
const PollerV2PollOut = Type.Object({ data: Type.Array(PollerV2MessageOut), done: Type.Boolean() });
const SeekIn = Type.Object({
  after: Type.String({
    format: "date-time",
    description: "The consumer goes on with messages created after this time",
  }),
});
const SeekOut = Type.Object({ iterator: Type.String() });
const CommitIn = Type.Object({ offset: Offset });

const entryOut = (e: StreamEntry) => ({ headers: null, ...messageOut(e.message) });

/** The polling endpoint a path names; a 404 for an unknown endpoint or one that is dialled over HTTP. */
export async function requirePollingEndpoint(ctx: AppContext, appIdOrUid: string, sinkId: string): Promise<Endpoint> {
  const application = await requireApp(ctx, appIdOrUid);
  const endpoint = await ctx.store.endpoints.get(application.id, sinkId);
  if (!endpoint) throw notFound("endpoint");
  if (!isPollingEndpoint(endpoint))
    throw new ApiError(
      404,
      "not_found",
      `endpoint ${endpoint.id} is not a polling endpoint: its url does not start with polling://`,
    );
  return endpoint;
}

export async function pollerRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const streams = servicesOf(ctx).pollingStreams;
  const APP = "/api/v1/app/:app_id";

  app.get<{ Params: SinkParams; Querystring: Static<typeof PollQuery> }>(
    `${APP}/poller/:sink_id`,
    {
      schema: {
        tags,
        params: SinkParams,
        querystring: PollQuery,
        response: { 200: PollingEndpointOut, ...errorResponses },
      },
    },
    async (req) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.sink_id);
      const q = req.query;
      const from =
        q.iterator !== undefined && q.iterator !== null
          ? iteratorPosition(q.iterator)
          : q.after !== undefined && q.after !== null
            ? positionAfterTime(Date.parse(q.after))
            : STREAM_START;
      const page = await readStream(streams, endpoint, from, q.limit ?? 50, {
        eventType: q.event_type,
        channel: q.channel,
      });
      return { data: page.entries.map(entryOut), iterator: encodeIterator(page.position), done: page.done };
    },
  );

  app.get<{ Params: ConsumerParams; Querystring: Static<typeof ConsumerPollQuery> }>(
    `${APP}/poller/:sink_id/consumer/:consumer_id`,
    {
      schema: {
        tags,
        params: ConsumerParams,
        querystring: ConsumerPollQuery,
        response: { 200: PollingEndpointOut, ...errorResponses },
      },
    },
    async (req) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.sink_id);
      const page = await pollConsumer(
        streams,
        endpoint,
        req.params.consumer_id,
        req.query.iterator ?? undefined,
        req.query.limit ?? 50,
      );
      return { data: page.entries.map(entryOut), iterator: encodeIterator(page.position), done: page.done };
    },
  );

  app.post<{ Params: ConsumerParams; Body: Static<typeof SeekIn> }>(
    `${APP}/poller/:sink_id/consumer/:consumer_id/seek`,
    { schema: { tags, params: ConsumerParams, body: SeekIn, response: { 200: SeekOut, ...errorResponses } } },
    async (req) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.sink_id);
      const position = positionAfterTime(Date.parse(req.body.after));
      return { iterator: await seekConsumer(streams, endpoint, req.params.consumer_id, position) };
    },
  );

  app.get<{ Params: ConsumerParams; Querystring: Static<typeof LeasePollQuery> }>(
    `${APP}/polling-endpoint/:sink_id/consumer/:consumer_id`,
    {
      schema: {
        tags,
        params: ConsumerParams,
        querystring: LeasePollQuery,
        response: { 200: PollerV2PollOut, ...errorResponses },
      },
    },
    async (req) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.sink_id);
      const page = await leaseConsumer(streams, endpoint, req.params.consumer_id, {
        limit: req.query.limit ?? 50,
        leaseMs: req.query.lease_duration_ms ?? DEFAULT_LEASE_MS,
        startingPosition: req.query.starting_position ?? "earliest",
      });
      return { data: page.entries.map((e) => ({ offset: e.offset, ...entryOut(e) })), done: page.done };
    },
  );

  app.post<{ Params: ConsumerParams; Body: Static<typeof CommitIn> }>(
    `${APP}/polling-endpoint/:sink_id/consumer/:consumer_id/commit`,
    { schema: { tags, params: ConsumerParams, body: CommitIn, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requirePollingEndpoint(ctx, req.params.app_id, req.params.sink_id);
      await commitOffset(streams, endpoint, req.params.consumer_id, req.body.offset);
      return reply.code(204).send();
    },
  );
}
