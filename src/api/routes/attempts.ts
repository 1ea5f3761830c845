import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ApiError, notFound } from "../../core/errors.ts";
import { isPollingEndpoint } from "../../core/polling-endpoint.ts";
import { resendMessage } from "../../core/message-resend.ts";
import {
  Channel,
  DateTime,
  EndpointParams,
  errorResponses,
  EventTypeName,
  ListQuery,
  ListResponse,
  MessageParams,
  MessageStatus,
  PathKey,
  Tag,
} from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { msOf, pageRequest } from "../pagination.ts";
import {
  attemptOut,
  EndpointMessageOut,
  endpointMessageOut,
  MessageAttemptOut,
  MessageEndpointOut,
  messageEndpointOut,
} from "../representations.ts";
import { requireApp } from "./applications.ts";
import { requireEndpoint } from "./endpoints.ts";
import type { AttemptFilter } from "../../store/store.ts";
import { servicesOf } from "../../main/services.ts";

const filterFields = {
  status: Type.Optional(MessageStatus),
  status_code_class: Type.Optional(Type.Union([0, 100, 200, 300, 400, 500].map((c) => Type.Literal(c)))),
  channel: Type.Optional(Channel),
  tag: Type.Optional(Tag),
  before: Type.Optional(DateTime),
  after: Type.Optional(DateTime),
  with_content: Type.Optional(Type.Boolean()),
  with_msg: Type.Optional(Type.Boolean()),
  expanded_statuses: Type.Optional(Type.Boolean()),
  event_types: Type.Optional(Type.Array(EventTypeName, { maxItems: 100 })),
  endpoint_id: Type.Optional(Type.String({ maxLength: 256 })),
};
const AttemptListQuery = Type.Composite([ListQuery, Type.Object(filterFields)]);
type AttemptListQuery = Static<typeof AttemptListQuery>;
const AttemptParams = Type.Object({
  app_id: PathKey,
  msg_id: PathKey,
  attempt_id: PathKey,
});
const ResendParams = Type.Object({
  app_id: PathKey,
  msg_id: PathKey,
  endpoint_id: PathKey,
});
const tags = ["Message Attempt"];

const filterOf = (q: AttemptListQuery): AttemptFilter => ({
  status: q.status,
  statusCodeClass: q.status_code_class,
  channel: q.channel,
  tag: q.tag,
  eventTypes: q.event_types,
  before: msOf(q.before),
  after: msOf(q.after),
});

export async function attemptRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const listByMessage = async (params: Static<typeof MessageParams>, q: AttemptListQuery) => {
    const application = await requireApp(ctx, params.app_id);
    const message = await ctx.store.messages.get(application.id, params.msg_id);
    if (!message) throw notFound("message");
    const filter = filterOf(q);
    if (q.endpoint_id) filter.endpointId = (await requireEndpoint(ctx, application, q.endpoint_id)).id;
    const page = await ctx.store.attempts.listByMessage(
      application.id,
      message.id,
      filter,
      pageRequest(q, "descending"),
    );
    return { ...page, data: page.data.map((a) => attemptOut(a)) };
  };
  const listByMessageSchema = {
    tags,
    params: MessageParams,
    querystring: AttemptListQuery,
    response: { 200: ListResponse(MessageAttemptOut), ...errorResponses },
  };

  app.get<{ Params: Static<typeof MessageParams>; Querystring: AttemptListQuery }>(
    "/api/v1/app/:app_id/attempt/msg/:msg_id",
    { schema: listByMessageSchema },
    async (req) => listByMessage(req.params, req.query),
  );
  // The deprecated v1 path for the same list, still called by older SDKs.
  app.get<{ Params: Static<typeof MessageParams>; Querystring: AttemptListQuery }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt",
    { schema: { ...listByMessageSchema, hide: true } },
    async (req) => listByMessage(req.params, req.query),
  );

  app.get<{ Params: Static<typeof EndpointParams>; Querystring: AttemptListQuery }>(
    "/api/v1/app/:app_id/attempt/endpoint/:endpoint_id",
    {
      schema: {
        tags,
        params: EndpointParams,
        querystring: AttemptListQuery,
        response: { 200: ListResponse(MessageAttemptOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
      const page = await ctx.store.attempts.listByEndpoint(
        application.id,
        endpoint.id,
        filterOf(req.query),
        pageRequest(req.query, "descending"),
      );
      const messages = req.query.with_msg
        ? await ctx.store.messages.getMany(
            application.id,
            page.data.map((a) => a.msgId),
          )
        : null;
      return { ...page, data: page.data.map((a) => attemptOut(a, messages?.get(a.msgId))) };
    },
  );

  app.get<{ Params: Static<typeof AttemptParams> }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id",
    { schema: { tags, params: AttemptParams, response: { 200: MessageAttemptOut, ...errorResponses } } },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      const attempt = await ctx.store.attempts.get(application.id, message.id, req.params.attempt_id);
      if (!attempt) throw notFound("attempt");
      return attemptOut(attempt);
    },
  );

  app.delete<{ Params: Static<typeof AttemptParams> }>(
    "/api/v1/app/:app_id/msg/:msg_id/attempt/:attempt_id/content",
    { schema: { tags, params: AttemptParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      const attempt = await ctx.store.attempts.get(application.id, message.id, req.params.attempt_id);
      if (!attempt) throw notFound("attempt");
      await ctx.store.attempts.expungeContent(application.id, message.id, attempt.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Static<typeof MessageParams>; Querystring: Static<typeof ListQuery> }>(
    "/api/v1/app/:app_id/msg/:msg_id/endpoint",
    {
      schema: {
        tags,
        params: MessageParams,
        querystring: ListQuery,
        response: { 200: ListResponse(MessageEndpointOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      const page = await ctx.store.deliveries.listByMessage(application.id, message.id, pageRequest(req.query));
      const data = [];
      for (const d of page.data) {
        const endpoint = await ctx.store.endpoints.get(application.id, d.endpointId);
        if (endpoint) data.push(messageEndpointOut(endpoint, d));
      }
      return { ...page, data };
    },
  );

  app.get<{ Params: Static<typeof EndpointParams>; Querystring: AttemptListQuery }>(
    "/api/v1/app/:app_id/endpoint/:endpoint_id/msg",
    {
      schema: {
        tags,
        params: EndpointParams,
        querystring: AttemptListQuery,
        response: { 200: ListResponse(EndpointMessageOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
      const q = req.query;
      const page = await ctx.store.deliveries.listByEndpoint(
        application.id,
        endpoint.id,
        {
          status: q.status,
          channel: q.channel,
          tag: q.tag,
          eventTypes: q.event_types,
          before: msOf(q.before),
          after: msOf(q.after),
        },
        pageRequest(q, "descending"),
      );
      const messages = await ctx.store.messages.getMany(
        application.id,
        page.data.map((d) => d.msgId),
      );
      const withContent = q.with_content ?? true;
      const data = page.data.flatMap((d) => {
        const m = messages.get(d.msgId);
        return m ? [endpointMessageOut(m, d, withContent)] : [];
      });
      return { ...page, data };
    },
  );

  app.post<{ Params: Static<typeof ResendParams> }>(
    "/api/v1/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend",
    { schema: { tags, params: ResendParams, response: { 202: Type.Object({}), ...errorResponses } } },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const message = await ctx.store.messages.get(application.id, req.params.msg_id);
      if (!message) throw notFound("message");
      const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
      if (isPollingEndpoint(endpoint))
        throw new ApiError(
          409,
          "polling_endpoint",
          "a polling endpoint is never sent to: its consumers poll its stream",
        );
      await resendMessage(servicesOf(ctx).messageResend, application.id, message.id, [endpoint.id]);
      return reply.code(202).send({});
    },
  );
}
