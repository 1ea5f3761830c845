import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { createMessage, endpointsReceiving } from "../../core/create-message.ts";
import { incomingTrace } from "../../core/trace-context.ts";
import { DuplicateIdempotencyKey, notFound } from "../../core/errors.ts";
import { isMissingReference } from "../../store/missing-reference.ts";
import { requestedDeliverAt } from "../../core/message-schedule.ts";
import { validatePayload } from "../../core/payload-schemas.ts";
import {
  AppParams,
  Channel,
  DateTime,
  errorResponses,
  EventTypeName,
  ListQuery,
  ListResponse,
  MessageParams,
  Metadata,
  Nullable,
  Tag,
  Uid,
} from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { replayStored } from "../idempotency.ts";
import { msOf, pageRequest } from "../pagination.ts";
import { MessageOut, messageOut } from "../representations.ts";
import { createApplication, requireApp } from "./applications.ts";
import { startTask } from "../../core/background-tasks/create-task.ts";
import { TaskStartedOut, taskStartedOut } from "./background-tasks.ts";
import { servicesOf } from "../../main/services.ts";

const MessageIn = Type.Object({
  eventType: EventTypeName,
  payload: Type.Record(Type.String(), Type.Unknown()),
  eventId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" }))),
  channels: Type.Optional(Nullable(Type.Array(Channel, { maxItems: 10 }))),
  tags: Type.Optional(Nullable(Type.Array(Tag, { maxItems: 5 }))),
  /** Creates the application on the fly if the path names one that does not exist yet (Svix behaviour). */
  application: Type.Optional(
    Nullable(
      Type.Object({
        name: Type.String({ minLength: 1, maxLength: 256 }),
        uid: Type.Optional(Nullable(Uid)),
        throttleRate: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        rateLimit: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
        metadata: Type.Optional(Metadata),
      }),
    ),
  ),
  // Svix's field, accepted so its SDKs' requests pass; not used (docs/api.md).
  transformationsParams: Type.Optional(
    Nullable(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "Accepted for compatibility with Svix and ignored",
      }),
    ),
  ),
  payloadRetentionPeriod: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 90 }))),
  payloadRetentionHours: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 2160 }))),
  deliverAt: Type.Optional(
    Nullable(
      Type.String({
        format: "date-time",
        description:
          "Deliver no earlier than this time: at most 24 hours ahead; up to 60 s in the past is accepted (clock skew) and delivered at once",
      }),
    ),
  ),
});
type MessageIn = Static<typeof MessageIn>;

const WithContent = Type.Object({ with_content: Type.Optional(Type.Boolean()) });
const MessageListQuery = Type.Composite([
  ListQuery,
  Type.Object({
    channel: Type.Optional(Channel),
    tag: Type.Optional(Tag),
    before: Type.Optional(DateTime),
    after: Type.Optional(DateTime),
    with_content: Type.Optional(Type.Boolean()),
    event_types: Type.Optional(Type.Array(EventTypeName, { maxItems: 100 })),
  }),
]);
type MessageListQuery = Static<typeof MessageListQuery>;

const RawOut = Type.Object({ payload: Type.String() });
const PrecheckIn = Type.Object({
  eventType: EventTypeName,
  channels: Type.Optional(Nullable(Type.Array(Channel, { maxItems: 10 }))),
});
const PrecheckOut = Type.Object({
  active: Type.Boolean({ description: "Whether any enabled endpoint would receive such a message" }),
});
const tags = ["Message"];

export async function messageRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Params: Static<typeof AppParams>; Querystring: MessageListQuery }>(
    "/api/v1/app/:app_id/msg",
    {
      schema: {
        tags,
        params: AppParams,
        querystring: MessageListQuery,
        response: { 200: ListResponse(MessageOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const q = req.query;
      const page = await ctx.store.messages.list(
        application.id,
        { channel: q.channel, tag: q.tag, eventTypes: q.event_types, before: msOf(q.before), after: msOf(q.after) },
        pageRequest(q, "descending"),
      );
      const withContent = q.with_content ?? true;
      return { ...page, data: page.data.map((m) => messageOut(m, withContent)) };
    },
  );

  app.post<{ Params: Static<typeof AppParams>; Body: MessageIn; Querystring: Static<typeof WithContent> }>(
    "/api/v1/app/:app_id/msg",
    {
      schema: {
        tags,
        params: AppParams,
        body: MessageIn,
        querystring: WithContent,
        response: { 202: MessageOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      // Checked first: a refused schedule must not create the application on the fly.
      const deliverAt = requestedDeliverAt(b.deliverAt, ctx.clock.now());
      // Cached: one lookup per message is the hot path's (core/applications/application-lookup-cache.ts).
      let application = await servicesOf(ctx).applications.findRecent(req.params.app_id);
      if (!application) {
        if (!b.application) throw notFound("application");
        const uid = b.application.uid ?? (req.params.app_id.startsWith("app_") ? null : req.params.app_id);
        application = await createApplication(ctx, { ...b.application, uid });
      }
      if (ctx.config.validatePayloads) {
        const eventType = await ctx.store.eventTypes.get(b.eventType);
        if (eventType) validatePayload(eventType, b.payload);
      }
      const withContent = req.query.with_content ?? true;
      const idem = req.idempotency;
      let message;
      try {
        message = await createMessage(servicesOf(ctx).messageCreation, application, {
          eventType: b.eventType,
          payload: b.payload,
          eventId: b.eventId,
          channels: b.channels,
          tags: b.tags,
          deliverAt,
          // A malformed traceparent is ignored, never refused (core/trace-context.ts).
          trace: incomingTrace(req.headers),
          payloadRetentionHours:
            b.payloadRetentionHours ?? (b.payloadRetentionPeriod ? b.payloadRetentionPeriod * 24 : null),
          idempotentResponse: idem
            ? (m) => ({ ...idem, statusCode: 202, body: JSON.stringify(messageOut(m, withContent, b.payload)) })
            : undefined,
        });
      } catch (error) {
        // Deleted by another process since it was looked up (the lookup may be two seconds old).
        if (isMissingReference(error)) throw notFound("application");
        if (!(error instanceof DuplicateIdempotencyKey) || !idem) throw error;
        // Another process committed this key first: answer as it did.
        const stored = await ctx.store.idempotency.get(idem.scope, idem.key);
        if (!stored) throw error;
        req.idempotencyStored = true;
        return replayStored(reply, stored);
      }
      req.idempotencyStored = idem !== null;
      return reply.code(202).send(messageOut(message, withContent, b.payload));
    },
  );

  /**
   * Whether a message of this type (on these channels) would go anywhere, so a sender can skip
   * building it. The routing of message creation (event-type filters, channels, disabled
   * endpoints); an endpoint's JSONata payload filter needs the payload and is not consulted.
   */
  app.post<{ Params: Static<typeof AppParams>; Body: Static<typeof PrecheckIn> }>(
    "/api/v1/app/:app_id/msg/precheck/active",
    {
      schema: {
        tags,
        params: AppParams,
        body: PrecheckIn,
        response: { 200: PrecheckOut, ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const receiving = await endpointsReceiving(
        servicesOf(ctx).messageCreation,
        application.id,
        req.body.eventType,
        req.body.channels,
      );
      return { active: receiving.length > 0 };
    },
  );

  app.get<{ Params: Static<typeof MessageParams>; Querystring: Static<typeof WithContent> }>(
    "/api/v1/app/:app_id/msg/:msg_id",
    {
      schema: {
        tags,
        params: MessageParams,
        querystring: WithContent,
        response: { 200: MessageOut, ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      return messageOut(message, req.query.with_content ?? true);
    },
  );

  app.get<{ Params: Static<typeof MessageParams> }>(
    "/api/v1/app/:app_id/msg/:msg_id/raw",
    { schema: { tags, params: MessageParams, response: { 200: RawOut, ...errorResponses } } },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      return { payload: message.payload ?? "{}" };
    },
  );

  app.delete<{ Params: Static<typeof MessageParams> }>(
    "/api/v1/app/:app_id/msg/:msg_id/content",
    { schema: { tags, params: MessageParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      await ctx.store.messages.expungeContent(application.id, message.id);
      return reply.code(204).send();
    },
  );

  // A background task (core/background-tasks/expunge-contents.ts): the payloads of every message
  // created so far, cleared in batches; the messages and the attempt log stay.
  app.post<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id/msg/expunge-all-contents",
    { schema: { tags, params: AppParams, response: { 202: TaskStartedOut, ...errorResponses } } },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const task = await startTask(servicesOf(ctx).taskCreation, "application.purge_content", application.id, {});
      return reply.code(202).send(taskStartedOut(task));
    },
  );
}
