import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
import { errorResponses } from "../common-schemas.ts";
import { endpointHeadersOut } from "../endpoint-headers.ts";
import type { EndpointScope } from "./endpoint-scope.ts";
import { HeadersIn, HeadersOut, HeadersPatchIn, type Params } from "./endpoint-schemas.ts";

/** An endpoint's custom headers: read (sensitive values hidden), replace, patch. */
export function endpointHeaderRoutes(app: FastifyInstance, ctx: AppContext, scope: EndpointScope): void {
  const { base, tags } = scope;
  const endpoints = servicesOf(ctx).endpoints;

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id/headers`,
    { schema: { tags, params: scope.endpointParams, response: { 200: HeadersOut, ...errorResponses } } },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      return endpointHeadersOut(endpoint.headers);
    },
  );

  app.put<{ Params: Params; Body: Static<typeof HeadersIn> }>(
    `${base}/:endpoint_id/headers`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: HeadersIn,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      await endpoints.replaceHeaders(endpoint, req.body.headers);
      return reply.code(204).send();
    },
  );

  app.patch<{ Params: Params; Body: Static<typeof HeadersPatchIn> }>(
    `${base}/:endpoint_id/headers`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: HeadersPatchIn,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      await endpoints.patchHeaders(endpoint, req.body.headers, req.body.deleteHeaders);
      return reply.code(204).send();
    },
  );
}
