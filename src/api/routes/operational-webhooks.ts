import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Endpoint } from "../../core/entities.ts";
import {
  DateTime,
  errorResponses,
  ListQuery,
  ListResponse,
  Metadata,
  Nullable,
  PathKey,
  Uid,
} from "../common-schemas.ts";
import { endpointHeadersOut } from "../endpoint-headers.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { operationalFormatOf } from "../../core/endpoints/operational-endpoints.ts";
import { verificationKey } from "../../core/endpoints/secret-rules.ts";
import { servicesOf } from "../../main/services.ts";

const tags = ["Operational Webhook Endpoint"];
const base = "/api/v1/operational-webhook/endpoint";
const Params = Type.Object({ endpoint_id: PathKey });
type Params = Static<typeof Params>;

const EventTypeFilter = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.*]+$" });
const Format = Type.Union([Type.Literal("standard"), Type.Literal("slack"), Type.Literal("teams")], {
  description:
    "Hookline: how events are sent: signed JSON (standard), a Slack or a Microsoft Teams incoming-webhook message",
});
const Headers = Type.Record(Type.String(), Type.String({ maxLength: 8192 }));

const fields = {
  url: Type.String({ minLength: 1, maxLength: 65536 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  throttleRate: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 65535 }))),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  eventTypes: Type.Optional(Nullable(Type.Array(EventTypeFilter, { maxItems: 100 }))),
  metadata: Type.Optional(Metadata),
  format: Type.Optional(Format),
};
const OperationalEndpointIn = Type.Object({
  ...fields,
  secret: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  headers: Type.Optional(Nullable(Headers)),
});
type OperationalEndpointIn = Static<typeof OperationalEndpointIn>;
const OperationalEndpointUpsertIn = Type.Object(fields);
type OperationalEndpointUpsertIn = Static<typeof OperationalEndpointUpsertIn>;

const OperationalEndpointOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Uid),
  url: Type.String(),
  description: Type.String(),
  throttleRate: Nullable(Type.Integer()),
  disabled: Type.Boolean(),
  eventTypes: Nullable(Type.Array(Type.String())),
  metadata: Metadata,
  format: Format,
  createdAt: DateTime,
  updatedAt: DateTime,
});
const HeadersIn = Type.Object({ headers: Headers });
const HeadersOut = Type.Object({ headers: Headers, sensitive: Type.Array(Type.String()) });
const SecretOut = Type.Object({ key: Type.String() });
const RotateIn = Type.Object({
  key: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800 }))),
});

const operationalEndpointOut = (e: Endpoint) => ({
  id: e.id,
  uid: e.uid,
  url: e.url,
  description: e.description,
  throttleRate: e.throttleRate,
  disabled: e.disabled,
  eventTypes: e.eventTypes,
  metadata: e.metadata,
  format: operationalFormatOf(e),
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

/**
 * Svix's operational webhook endpoints (`/api/v1/operational-webhook/endpoint`, admin tokens only):
 * where Hookline sends events about itself (docs/operations.md, "Operational webhooks"). They are
 * the endpoints of the hidden operational application (src/core/operational-app.ts), so deliveries
 * to them are signed, retried and logged like every other delivery.
 */
export async function operationalWebhookRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const endpoints = servicesOf(ctx).endpoints;
  const operational = servicesOf(ctx).operationalEndpoints;
  const requireEndpoint = (idOrUid: string) => operational.require(idOrUid);

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    {
      schema: {
        tags,
        querystring: ListQuery,
        response: { 200: ListResponse(OperationalEndpointOut), ...errorResponses },
      },
    },
    async (req) => {
      // Registered even where the context has no operational events (document generation), which serves no requests.
      const page = await endpoints.list(await ctx.operational!.app.id(), pageRequest(req.query));
      return { ...page, data: page.data.map(operationalEndpointOut) };
    },
  );

  app.post<{ Body: OperationalEndpointIn }>(
    base,
    { schema: { tags, body: OperationalEndpointIn, response: { 201: OperationalEndpointOut, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(operationalEndpointOut(await operational.create(req.body))),
  );

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id`,
    { schema: { tags, params: Params, response: { 200: OperationalEndpointOut, ...errorResponses } } },
    async (req) => operationalEndpointOut(await requireEndpoint(req.params.endpoint_id)),
  );

  // PUT replaces the endpoint, or creates it (keyed by the uid in the path) when there is none: Svix's upsert.
  app.put<{ Params: Params; Body: OperationalEndpointUpsertIn }>(
    `${base}/:endpoint_id`,
    {
      schema: {
        tags,
        params: Params,
        body: OperationalEndpointUpsertIn,
        response: { 200: OperationalEndpointOut, ...errorResponses },
      },
    },
    async (req) => operationalEndpointOut(await operational.upsert(req.params.endpoint_id, req.body)),
  );

  app.delete<{ Params: Params }>(
    `${base}/:endpoint_id`,
    { schema: { tags, params: Params, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      await endpoints.delete(endpoint, null);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id/headers`,
    { schema: { tags, params: Params, response: { 200: HeadersOut, ...errorResponses } } },
    async (req) => endpointHeadersOut((await requireEndpoint(req.params.endpoint_id)).headers),
  );

  app.put<{ Params: Params; Body: Static<typeof HeadersIn> }>(
    `${base}/:endpoint_id/headers`,
    { schema: { tags, params: Params, body: HeadersIn, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      await endpoints.replaceHeaders(endpoint, req.body.headers);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id/secret`,
    { schema: { tags, params: Params, response: { 200: SecretOut, ...errorResponses } } },
    async (req) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      return { key: verificationKey(endpoint.secret) };
    },
  );

  app.post<{ Params: Params; Body: Static<typeof RotateIn> }>(
    `${base}/:endpoint_id/secret/rotate`,
    { schema: { tags, params: Params, body: RotateIn, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      // As for application endpoints: during the grace period deliveries are signed with both keys.
      await endpoints.rotateSecret(endpoint, { key: req.body.key, gracePeriodSeconds: req.body.gracePeriodSeconds });
      return reply.code(204).send();
    },
  );
}
