import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Integration } from "../../core/entities.ts";
import { servicesOf } from "../../main/services.ts";
import { AppParams, DateTime, errorResponses, ListQuery, ListResponse, PathKey } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { requireApp } from "./applications.ts";

/**
 * Integrations (Svix's `/app/{app_id}/integration`): named keys for one application, to hand to a
 * third party. A key is an API token confined to the application, so it may do what an app portal
 * token may (src/api/auth.ts, appTokenAccess); it can be read again and is revoked at once by a
 * rotation or by deleting the integration.
 */

const FeatureFlags = Type.Array(Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.]+$" }), {
  maxItems: 25,
  uniqueItems: true,
});
const IntegrationIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  featureFlags: Type.Optional(FeatureFlags),
});
type IntegrationIn = Static<typeof IntegrationIn>;
const IntegrationOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  featureFlags: FeatureFlags,
  createdAt: DateTime,
  updatedAt: DateTime,
});
const IntegrationKeyOut = Type.Object({ key: Type.String() });
const IntegrationParams = Type.Object({ app_id: PathKey, integ_id: PathKey });
type IntegrationParams = Static<typeof IntegrationParams>;
const tags = ["Integration"];

const integrationOut = (i: Integration) => ({
  id: i.id,
  name: i.name,
  featureFlags: i.featureFlags ?? [],
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.updatedAt),
});

export async function integrationRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const integrations = servicesOf(ctx).integrations;

  async function requireIntegration(params: IntegrationParams): Promise<Integration> {
    const application = await requireApp(ctx, params.app_id);
    return integrations.get(application.id, params.integ_id);
  }

  /** Stops this process trusting a key it may have cached (other processes re-read tokens within seconds). */
  async function forgetKey(integration: Integration): Promise<void> {
    const token = await ctx.store.tokens.get(integration.tokenId);
    if (token) app.forgetToken(token.tokenHash);
  }

  app.get<{ Params: Static<typeof AppParams>; Querystring: Static<typeof ListQuery> }>(
    "/api/v1/app/:app_id/integration",
    {
      schema: {
        tags,
        params: AppParams,
        querystring: ListQuery,
        response: { 200: ListResponse(IntegrationOut), ...errorResponses },
      },
    },
    async (req) => {
      const application = await requireApp(ctx, req.params.app_id);
      const page = await integrations.list(application.id, pageRequest(req.query));
      return { ...page, data: page.data.map(integrationOut) };
    },
  );

  app.post<{ Params: Static<typeof AppParams>; Body: IntegrationIn }>(
    "/api/v1/app/:app_id/integration",
    {
      schema: {
        tags,
        params: AppParams,
        body: IntegrationIn,
        response: { 201: IntegrationOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const application = await requireApp(ctx, req.params.app_id);
      const integration = await integrations.create(application.id, req.body);
      return reply.code(201).send(integrationOut(integration));
    },
  );

  app.get<{ Params: IntegrationParams }>(
    "/api/v1/app/:app_id/integration/:integ_id",
    { schema: { tags, params: IntegrationParams, response: { 200: IntegrationOut, ...errorResponses } } },
    async (req) => integrationOut(await requireIntegration(req.params)),
  );

  app.put<{ Params: IntegrationParams; Body: IntegrationIn }>(
    "/api/v1/app/:app_id/integration/:integ_id",
    {
      schema: {
        tags,
        params: IntegrationParams,
        body: IntegrationIn,
        response: { 200: IntegrationOut, ...errorResponses },
      },
    },
    async (req) => {
      const integration = await requireIntegration(req.params);
      return integrationOut(await integrations.replace(integration, req.body));
    },
  );

  app.delete<{ Params: IntegrationParams }>(
    "/api/v1/app/:app_id/integration/:integ_id",
    { schema: { tags, params: IntegrationParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const integration = await requireIntegration(req.params);
      await integrations.delete(integration);
      await forgetKey(integration);
      return reply.code(204).send();
    },
  );

  /** Svix marks reading the key again as deprecated; the v1 SDK still calls it (`getKey`). */
  app.get<{ Params: IntegrationParams }>(
    "/api/v1/app/:app_id/integration/:integ_id/key",
    { schema: { tags, params: IntegrationParams, response: { 200: IntegrationKeyOut, ...errorResponses } } },
    async (req) => ({ key: (await requireIntegration(req.params)).key }),
  );

  app.post<{ Params: IntegrationParams }>(
    "/api/v1/app/:app_id/integration/:integ_id/key/rotate",
    { schema: { tags, params: IntegrationParams, response: { 200: IntegrationKeyOut, ...errorResponses } } },
    async (req) => {
      const integration = await requireIntegration(req.params);
      const key = await integrations.rotateKey(integration);
      await forgetKey(integration);
      return { key };
    },
  );
}
