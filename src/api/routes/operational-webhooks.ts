import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Endpoint } from "../../core/entities.ts";
import { conflict, FieldError, notFound } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import { OPERATIONAL_EVENT_TYPES } from "../../core/operational-events.ts";
import { transformationFor, type OperationalFormat } from "../../core/operational-formats.ts";
import { eventTypeMatches } from "../../core/routing.ts";
import { ed25519PublicKey, isEd25519Secret } from "../../core/signing.ts";
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
import { checkHeaders, endpointHeadersOut } from "../endpoint-headers.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { checkSecret, checkUrl, DEFAULT_GRACE_SECONDS, newSecret } from "./endpoints.ts";

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

const formatOf = (e: Endpoint): OperationalFormat => e.options.operationalFormat ?? "standard";

const operationalEndpointOut = (e: Endpoint) => ({
  id: e.id,
  uid: e.uid,
  url: e.url,
  description: e.description,
  throttleRate: e.throttleRate,
  disabled: e.disabled,
  eventTypes: e.eventTypes,
  metadata: e.metadata,
  format: formatOf(e),
  createdAt: iso(e.createdAt),
  updatedAt: iso(e.updatedAt),
});

/** Each filter must name an operational event type, or be a wildcard that matches at least one. */
function checkEventTypes(list: string[] | null | undefined): string[] | null {
  if (!list || list.length === 0) return null;
  list.forEach((filter, i) => {
    if (!OPERATIONAL_EVENT_TYPES.some((type) => eventTypeMatches(filter, type)))
      throw new FieldError(
        ["eventTypes", String(i)],
        `is not an operational event type; known types: ${OPERATIONAL_EVENT_TYPES.join(", ")}`,
        "value_error",
      );
  });
  return [...new Set(list)];
}

/**
 * Svix's operational webhook endpoints (`/api/v1/operational-webhook/endpoint`, admin tokens only):
 * where Hookline sends events about itself (docs/operations.md, "Operational webhooks"). They are
 * the endpoints of the hidden operational application (src/core/operational-app.ts), so deliveries
 * to them are signed, retried and logged like every other delivery.
 */
export async function operationalWebhookRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  // Registered even where the context has no operational events (document generation), which serves no requests.
  const appId = () => ctx.operational!.app.id();

  async function requireEndpoint(idOrUid: string): Promise<Endpoint> {
    const endpoint = await ctx.store.endpoints.get(await appId(), idOrUid);
    if (!endpoint) throw notFound("operational webhook endpoint");
    return endpoint;
  }

  async function assertUidFree(uid: string | null | undefined, selfId?: string): Promise<void> {
    if (!uid) return;
    const other = await ctx.store.endpoints.get(await appId(), uid);
    if (other && other.id !== selfId)
      throw conflict(`an operational webhook endpoint with uid "${uid}" already exists`);
  }

  async function save(endpoint: Endpoint, insert: boolean): Promise<Endpoint> {
    if (insert) await ctx.store.endpoints.insert(endpoint);
    else await ctx.store.endpoints.update(endpoint);
    ctx.endpoints.invalidate(endpoint.appId);
    return endpoint;
  }

  /** The options that render the endpoint's format (see operational-formats.ts). */
  const optionsFor = (format: OperationalFormat, now: number): Endpoint["options"] => ({
    format: "standard",
    operationalFormat: format,
    transformation: transformationFor(format, now),
  });

  async function create(b: OperationalEndpointIn, uidFallback?: string): Promise<Endpoint> {
    const uid = b.uid ?? uidFallback ?? null;
    await assertUidFree(uid);
    if (b.headers) checkHeaders(b.headers);
    const now = ctx.clock.now();
    return save(
      {
        id: newId("ep", now),
        appId: await appId(),
        uid,
        url: checkUrl(b.url, ctx.config.endpointHttpsOnly),
        description: b.description ?? "",
        version: 1,
        disabled: b.disabled ?? false,
        throttleRate: b.throttleRate ?? null,
        eventTypes: checkEventTypes(b.eventTypes),
        channels: null,
        metadata: b.metadata ?? {},
        headers: b.headers ?? {},
        secret: checkSecret(b.secret, "secret") ?? newSecret(undefined),
        previousSecrets: [],
        failingSince: null,
        options: optionsFor(b.format ?? "standard", now),
        handshakeValidatedAt: null,
        createdAt: now,
        updatedAt: now,
      },
      true,
    );
  }

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
      const page = await ctx.store.endpoints.list(await appId(), pageRequest(req.query));
      return { ...page, data: page.data.map(operationalEndpointOut) };
    },
  );

  app.post<{ Body: OperationalEndpointIn }>(
    base,
    { schema: { tags, body: OperationalEndpointIn, response: { 201: OperationalEndpointOut, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(operationalEndpointOut(await create(req.body))),
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
    async (req) => {
      const b = req.body;
      const existing = await ctx.store.endpoints.get(await appId(), req.params.endpoint_id);
      if (!existing) {
        const uid = req.params.endpoint_id.startsWith("ep_") ? undefined : req.params.endpoint_id;
        return operationalEndpointOut(await create(b, uid));
      }
      await assertUidFree(b.uid, existing.id);
      const now = ctx.clock.now();
      const format = b.format ?? formatOf(existing);
      const updated = await save(
        {
          ...existing,
          uid: b.uid === undefined ? existing.uid : b.uid,
          url: checkUrl(b.url, ctx.config.endpointHttpsOnly),
          description: b.description ?? "",
          disabled: b.disabled ?? false,
          throttleRate: b.throttleRate ?? null,
          eventTypes: checkEventTypes(b.eventTypes),
          metadata: b.metadata ?? {},
          failingSince: b.disabled === false ? null : existing.failingSince,
          options: format === formatOf(existing) ? existing.options : optionsFor(format, now),
          updatedAt: now,
        },
        false,
      );
      return operationalEndpointOut(updated);
    },
  );

  app.delete<{ Params: Params }>(
    `${base}/:endpoint_id`,
    { schema: { tags, params: Params, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      await ctx.store.endpoints.delete(endpoint.appId, endpoint.id);
      ctx.endpoints.invalidate(endpoint.appId);
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
      checkHeaders(req.body.headers);
      await save({ ...endpoint, headers: req.body.headers, updatedAt: ctx.clock.now() }, false);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: Params }>(
    `${base}/:endpoint_id/secret`,
    { schema: { tags, params: Params, response: { 200: SecretOut, ...errorResponses } } },
    async (req) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      return { key: isEd25519Secret(endpoint.secret) ? ed25519PublicKey(endpoint.secret) : endpoint.secret };
    },
  );

  app.post<{ Params: Params; Body: Static<typeof RotateIn> }>(
    `${base}/:endpoint_id/secret/rotate`,
    { schema: { tags, params: Params, body: RotateIn, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const endpoint = await requireEndpoint(req.params.endpoint_id);
      const now = ctx.clock.now();
      const grace = (req.body.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
      // As for application endpoints: during the grace period deliveries are signed with both keys.
      const previous = [
        ...endpoint.previousSecrets.filter((p) => p.expiresAt > now),
        ...(grace > 0 ? [{ key: endpoint.secret, expiresAt: now + grace }] : []),
      ];
      const secret = checkSecret(req.body.key, "key") ?? newSecret(undefined);
      await ctx.store.endpoints.setSecret(endpoint.appId, endpoint.id, secret, previous, now);
      ctx.endpoints.invalidate(endpoint.appId);
      return reply.code(204).send();
    },
  );
}
