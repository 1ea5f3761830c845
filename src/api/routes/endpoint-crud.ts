import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
import { errorResponses, ListQuery, ListResponse } from "../common-schemas.ts";
import { pageRequest } from "../pagination.ts";
import { EndpointOut, endpointOut } from "../representations.ts";
import { endpointCaller, type EndpointScope } from "./endpoint-scope.ts";
import { EndpointIn, EndpointPatch, type Params } from "./endpoint-schemas.ts";

/** List, create, read, replace (or upsert), patch and delete an endpoint. */
export function endpointCrudRoutes(app: FastifyInstance, ctx: AppContext, scope: EndpointScope): void {
  const { base, tags } = scope;
  const endpoints = servicesOf(ctx).endpoints;

  app.get<{ Params: Params; Querystring: Static<typeof ListQuery> }>(
    base,
    {
      schema: {
        tags,
        params: scope.ownerParams,
        querystring: ListQuery,
        response: { 200: ListResponse(EndpointOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      const page = await endpoints.list(application.id, pageRequest(req.query));
      return { ...page, data: page.data.map(endpointOut) };
    },
  );

  app.post<{ Params: Params; Body: EndpointIn }>(
    base,
    {
      schema: {
        tags,
        params: scope.ownerParams,
        body: EndpointIn,
        response: { 201: EndpointOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const created = await endpoints.create(application.id, req.body, endpointCaller(ctx, scope, req, application));
      return reply.code(201).send(endpointOut(created));
    },
  );

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id`,
    { schema: { tags, params: scope.endpointParams, response: { 200: EndpointOut, ...errorResponses } } },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      return endpointOut(await endpoints.require(application.id, req.params.endpoint_id));
    },
  );

  app.put<{ Params: Params; Body: EndpointIn }>(
    `${base}/:endpoint_id`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: EndpointIn,
        response: { 200: EndpointOut, 201: EndpointOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const caller = endpointCaller(ctx, scope, req, application);
      const { endpoint, created } = await endpoints.upsert(application.id, req.params.endpoint_id, req.body, caller);
      return reply.code(created ? 201 : 200).send(endpointOut(endpoint));
    },
  );

  app.patch<{ Params: Params; Body: EndpointPatch }>(
    `${base}/:endpoint_id`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: EndpointPatch,
        response: { 200: EndpointOut, ...errorResponses },
      },
    },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      const caller = endpointCaller(ctx, scope, req, application);
      return endpointOut(await endpoints.patch(application.id, req.params.endpoint_id, req.body, caller));
    },
  );

  app.delete<{ Params: Params }>(
    `${base}/:endpoint_id`,
    { schema: { tags, params: scope.endpointParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      await endpoints.remove(application.id, req.params.endpoint_id, endpointCaller(ctx, scope, req, application));
      return reply.code(204).send();
    },
  );
}
