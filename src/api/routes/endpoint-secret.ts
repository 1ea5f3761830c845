import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { verificationKey } from "../../core/endpoints/secret-rules.ts";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
import { errorResponses } from "../common-schemas.ts";
import type { EndpointScope } from "./endpoint-scope.ts";
import { RotateIn, SecretOut, type Params } from "./endpoint-schemas.ts";

/** An endpoint's signing secret: read (an ed25519 endpoint's public key) and rotate. */
export function endpointSecretRoutes(app: FastifyInstance, ctx: AppContext, scope: EndpointScope): void {
  const { base, tags } = scope;
  const endpoints = servicesOf(ctx).endpoints;

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id/secret`,
    { schema: { tags, params: scope.endpointParams, response: { 200: SecretOut, ...errorResponses } } },
    async (req) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      return { key: verificationKey(endpoint.secret) };
    },
  );

  app.post<{ Params: Params; Body: Static<typeof RotateIn> }>(
    `${base}/:endpoint_id/secret/rotate`,
    {
      schema: {
        tags,
        params: scope.endpointParams,
        body: RotateIn,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await scope.owner(ctx, req.params);
      const endpoint = await endpoints.require(application.id, req.params.endpoint_id);
      await endpoints.rotateSecret(endpoint, req.body);
      return reply.code(204).send();
    },
  );
}
