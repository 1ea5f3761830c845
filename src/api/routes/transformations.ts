import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { simulateEndpointTransformation } from "../../core/endpoints/transformation-simulation.ts";
import { Channel, DateTime, errorResponses, EventTypeName, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso } from "../pagination.ts";
import { APPLICATION_ENDPOINTS, type EndpointScope } from "./endpoint-scope.ts";
import { requireEndpoint } from "./endpoints.ts";
import { servicesOf } from "../../main/services.ts";
import { languageOf } from "../../core/endpoints/transformation-rules.ts";

/**
 * An endpoint's transformation (Svix's shape for the sub-resource), in one of two languages, both
 * evaluated in the expression sandbox (src/sandbox/): a JSONata expression over `{ eventType,
 * payload, channels, msgId }` whose result is the JSON body sent and signed, or Svix's JavaScript
 * `handler(webhook)`, which may also change the method and URL or cancel the delivery.
 */
const Code = Type.String({ minLength: 1, maxLength: 51_200, description: "JSONata, or JavaScript defining handler" });
const LanguageField = Type.Union([Type.Literal("jsonata"), Type.Literal("javascript")]);
const Variables = Type.Record(Type.String(), Type.String(), { description: "Bound as $name in the expression" });
const TransformationOut = Type.Object({
  code: Nullable(Type.String()),
  language: LanguageField,
  enabled: Type.Boolean(),
  variables: Nullable(Variables),
  updatedAt: Nullable(DateTime),
});
const TransformationPatch = Type.Object({
  code: Type.Optional(Nullable(Code)),
  language: Type.Optional(LanguageField),
  enabled: Type.Optional(Type.Boolean()),
  variables: Type.Optional(Nullable(Variables)),
});
const SimulateIn = Type.Object({
  code: Code,
  language: Type.Optional(LanguageField),
  eventType: EventTypeName,
  payload: Type.Record(Type.String(), Type.Unknown()),
  channels: Type.Optional(Nullable(Type.Array(Channel, { maxItems: 10 }))),
  variables: Type.Optional(Nullable(Variables)),
});
const SimulateOut = Type.Object({
  payload: Type.String({ description: "The body that would be sent, as JSON text" }),
  url: Type.String(),
  method: Type.Union([Type.Literal("POST"), Type.Literal("PUT")]),
  cancel: Type.Boolean(),
});
/** The owner's key (app_id or source_id, by scope) and the endpoint's. */
type Params = Record<string, string> & { endpoint_id: string };

export async function transformationRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await transformationRoutesIn(APPLICATION_ENDPOINTS)(app, options);
}

/** An endpoint's transformation sub-resource, for application endpoints and inbound destinations alike. */
export const transformationRoutesIn =
  (scope: EndpointScope) =>
  async (app: FastifyInstance, { ctx }: RouteOptions) => {
    const base = `${scope.base}/:endpoint_id/transformation`;

    app.get<{ Params: Params }>(
      base,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          response: { 200: TransformationOut, ...errorResponses },
        },
      },
      async (req) => {
        const endpoint = await requireEndpoint(ctx, await scope.owner(ctx, req.params), req.params.endpoint_id);
        const t = endpoint.options.transformation;
        return {
          code: t?.code ?? null,
          language: languageOf(t),
          enabled: t?.enabled ?? false,
          variables: t?.variables ?? null,
          updatedAt: t?.updatedAt ? iso(t.updatedAt) : null,
        };
      },
    );

    app.patch<{ Params: Params; Body: Static<typeof TransformationPatch> }>(
      base,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: TransformationPatch,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        await servicesOf(ctx).endpoints.patchTransformation(endpoint, req.body);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: Params; Body: Static<typeof SimulateIn> }>(
      `${base}/simulate`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: SimulateIn,
          response: { 200: SimulateOut, ...errorResponses },
        },
      },
      async (req) => {
        const endpoint = await requireEndpoint(ctx, await scope.owner(ctx, req.params), req.params.endpoint_id);
        return simulateEndpointTransformation(endpoint, req.body);
      },
    );
  };
