import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Application, Endpoint, EndpointOptions } from "../../core/entities.ts";
import { conflict, FieldError, notFound } from "../../core/errors.ts";
import { checkExpressionField } from "./expression-field.ts";
import { newId } from "../../core/ids.ts";
import {
  ed25519PublicKey,
  generateEd25519Secret,
  generateSecret,
  isEd25519Secret,
  isValidSecret,
} from "../../core/signing.ts";
import type { AppContext } from "../../main/context.ts";
import {
  Channel,
  DateTime,
  errorResponses,
  EventTypeName,
  ListQuery,
  ListResponse,
  Metadata,
  Nullable,
  Uid,
} from "../common-schemas.ts";
import { readableEventType } from "../event-catalog-access.ts";
import { checkHeaders, endpointHeadersOut } from "../endpoint-headers.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, msOf, pageRequest } from "../pagination.ts";
import { EndpointOut, endpointOut, MessageOut, messageOut } from "../representations.ts";
import { checkEventTypesExist } from "./endpoint-event-types.ts";
import { APPLICATION_ENDPOINTS, type EndpointScope } from "./endpoint-scope.ts";
import { createMessage } from "../../core/create-message.ts";
import { incomingTrace } from "../../core/trace-context.ts";
import { announceEndpointChange } from "../../core/operational-endpoint-changes.ts";
import { destinationRefusal } from "../../delivery/ssrf/destination-check.ts";
import { INSPECT_PATH, isLive } from "../../core/inspector.ts";
import { isPollingUrl, pollingUrlProblem } from "../../core/polling-endpoint.ts";

const RateLimit = Type.Integer({ minimum: 1, maximum: 65535 });
/** Exact event-type names or wildcards: `invoice.*` matches every type that starts with `invoice.`. */
const EventTypeFilter = Type.String({ minLength: 1, maxLength: 256, pattern: "^[a-zA-Z0-9\\-_.*]+$" });
const EventTypeList = Type.Array(EventTypeFilter, { maxItems: 1000 });
const ChannelList = Type.Array(Channel, { maxItems: 10 });
const Headers = Type.Record(Type.String(), Type.String({ maxLength: 8192 }));

/** Both generations of Svix field names are accepted: v1 filterTypes/rateLimit, v2 eventTypes/throttleRate. */
const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 65536 }),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  version: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 }))),
  throttleRate: Type.Optional(Nullable(RateLimit)),
  rateLimit: Type.Optional(Nullable(RateLimit)),
  uid: Type.Optional(Nullable(Uid)),
  disabled: Type.Optional(Type.Boolean()),
  eventTypes: Type.Optional(Nullable(EventTypeList)),
  filterTypes: Type.Optional(Nullable(EventTypeList)),
  channels: Type.Optional(Nullable(ChannelList)),
  metadata: Type.Optional(Metadata),
  filter: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description:
          "Hookline: a JSONata expression over {eventType, payload, channels, msgId}; deliver only when truthy",
      }),
    ),
  ),
  format: Type.Optional(
    Type.Union([Type.Literal("standard"), Type.Literal("cloudevents-binary"), Type.Literal("cloudevents-structured")], {
      description: "Hookline: the request format (CloudEvents HTTP binding modes or plain Standard Webhooks)",
    }),
  ),
  ordered: Type.Optional(
    Type.Boolean({
      description: "Hookline: deliver strictly in message order; a failing message holds back later ones",
    }),
  ),
  cloudEventsHandshake: Type.Optional(
    Type.Boolean({ description: "Hookline: perform the CloudEvents validation handshake before the first delivery" }),
  ),
};
const EndpointIn = Type.Object({
  ...endpointFields,
  signingScheme: Type.Optional(Type.Union([Type.Literal("hmac-sha256"), Type.Literal("ed25519")])),
  secret: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  headers: Type.Optional(Nullable(Headers)),
});
type EndpointIn = Static<typeof EndpointIn>;
const EndpointPatch = Type.Partial(
  Type.Object({
    ...endpointFields,
    // The v1 SDK's EndpointPatch carries it; a secret changes through …/secret/rotate (docs/api.md).
    secret: Nullable(
      Type.String({
        maxLength: 200,
        description: "Accepted for compatibility with the v1 Svix SDK and ignored: rotate the secret instead",
      }),
    ),
  }),
);
type EndpointPatch = Static<typeof EndpointPatch>;

const HeadersIn = Type.Object({ headers: Headers });
const HeadersPatchIn = Type.Object({
  headers: Type.Record(Type.String(), Nullable(Type.String({ maxLength: 8192 }))),
  deleteHeaders: Type.Optional(Type.Array(Type.String())),
});
const HeadersOut = Type.Object({ headers: Headers, sensitive: Type.Array(Type.String()) });
const SecretOut = Type.Object({ key: Type.String() });
const RotateIn = Type.Object({
  key: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  signingScheme: Type.Optional(Type.Union([Type.Literal("hmac-sha256"), Type.Literal("ed25519")])),
  gracePeriodSeconds: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 604_800 }))),
});
const ExampleIn = Type.Object({ eventType: EventTypeName, exampleIndex: Type.Optional(Type.Integer({ minimum: 0 })) });
const StatsQuery = Type.Object({ since: Type.Optional(DateTime), until: Type.Optional(DateTime) });
const StatsOut = Type.Object({
  success: Type.Integer(),
  pending: Type.Integer(),
  sending: Type.Integer(),
  fail: Type.Integer(),
  canceled: Type.Integer(),
});

/** The owner's key (app_id or source_id, by scope) and the endpoint's. */
type Params = Record<string, string> & { endpoint_id: string };
/** Svix's default grace period for the old secret after a rotation: 24 hours. */
export const DEFAULT_GRACE_SECONDS = 86_400;

/** `httpsOnly` (HOOKLINE_ENDPOINT_HTTPS_ONLY) refuses plain-http URLs as they are created or changed. */
export function checkUrl(url: string, httpsOnly: boolean, field = "url"): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FieldError([field], "must be an absolute URL", "url");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new FieldError([field], "must be an http or https URL", "url");
  if (httpsOnly && parsed.protocol !== "https:")
    throw new FieldError([field], "must be an https URL (this server only accepts https endpoints)", "url");
  if (parsed.username || parsed.password) throw new FieldError([field], "must not contain credentials", "url");
  return url;
}

/** Whether `url` is exactly the URL of a live inspector of this application (docs/portal.md). */
async function isOwnInspectorUrl(ctx: AppContext, url: string, appId: string): Promise<boolean> {
  const at = url.indexOf(INSPECT_PATH);
  if (at === -1) return false;
  const inspector = await ctx.store.inspectors.get(url.slice(at + INSPECT_PATH.length));
  return (
    inspector !== undefined && inspector.url === url && inspector.appId === appId && isLive(inspector, ctx.clock.now())
  );
}

/**
 * A URL delivery would refuse under the SSRF policy (loopback, private and metadata addresses, a
 * name resolving to one, unless HOOKLINE_ALLOW_PRIVATE_NETWORKS opens it) is refused as it is set,
 * rather than failing every delivery later (src/delivery/ssrf/destination-check.ts).
 */
export async function checkedUrl(ctx: AppContext, url: string, appId: string, previousUrl?: string): Promise<string> {
  // A polling endpoint (src/core/polling-endpoint.ts) is never dialled: no address to check. Its
  // stream and a dialled endpoint's deliveries do not mix, so an endpoint keeps its kind.
  if (previousUrl !== undefined && isPollingUrl(previousUrl) !== isPollingUrl(url))
    throw new FieldError(
      ["url"],
      "cannot change between a polling endpoint (polling://) and one delivered over HTTP: create a new endpoint",
      "url",
    );
  if (isPollingUrl(url)) {
    const problem = pollingUrlProblem(url);
    if (problem !== null) throw new FieldError(["url"], problem, "url");
    return url;
  }
  checkUrl(url, ctx.config.endpointHttpsOnly);
  // The application's own inspector is on Hookline's listener, which the policy refuses; delivery
  // records it without HTTP (src/delivery/inspector-delivery.ts), so it is accepted here too.
  if (await isOwnInspectorUrl(ctx, url, appId)) return url;
  const refusal = await destinationRefusal(new URL(url), ctx.addressPolicy);
  if (refusal !== null) throw new FieldError(["url"], refusal, "ssrf_blocked");
  return url;
}

export function checkSecret(secret: string | null | undefined, field: string): string | null {
  if (secret === null || secret === undefined) return null;
  if (!isValidSecret(secret))
    throw new FieldError(
      [field],
      "must be whsec_ followed by 24 to 64 bytes in standard base64, or an ed25519 whsk_ key (64 bytes)",
      "secret",
    );
  return secret.startsWith("whsec_") || isEd25519Secret(secret) ? secret : `whsec_${secret}`;
}

/** Hookline's `signingScheme` picks the kind of a generated secret: HMAC-SHA256 (`v1`) or ed25519 (`v1a`). */
export const newSecret = (scheme: "hmac-sha256" | "ed25519" | undefined) =>
  scheme === "ed25519" ? generateEd25519Secret() : generateSecret();

const emptyToNull = (list: string[] | null | undefined): string[] | null =>
  list && list.length > 0 ? [...new Set(list)] : null;

/** The endpoint options a create/replace (no `current`) or patch (with `current`) asks for. */
function optionsFrom(b: Partial<EndpointIn>, current?: EndpointOptions): EndpointOptions {
  const filter = b.filter;
  return {
    ...current,
    filter: filter === undefined ? (current?.filter ?? null) : filter,
    format: b.format ?? current?.format ?? "standard",
    ordered: b.ordered ?? current?.ordered ?? false,
    cloudEventsHandshake: b.cloudEventsHandshake ?? current?.cloudEventsHandshake ?? false,
  };
}

export async function requireEndpoint(ctx: AppContext, app: Application, idOrUid: string): Promise<Endpoint> {
  const endpoint = await ctx.store.endpoints.get(app.id, idOrUid);
  if (!endpoint) throw notFound("endpoint");
  return endpoint;
}

async function assertUidFree(ctx: AppContext, appId: string, uid: string | null | undefined, selfId?: string) {
  if (!uid) return;
  const other = await ctx.store.endpoints.get(appId, uid);
  if (other && other.id !== selfId) throw conflict(`an endpoint with uid "${uid}" already exists`);
}

function exampleFor(eventType: { schemas: Record<string, unknown> | null }, index: number): unknown {
  for (const schema of Object.values(eventType.schemas ?? {})) {
    const examples = (schema as { examples?: unknown[] } | null)?.examples;
    if (Array.isArray(examples) && examples[index] !== undefined) return examples[index];
  }
  return undefined;
}

export async function endpointRoutes(app: FastifyInstance, options: RouteOptions): Promise<void> {
  await endpointRoutesIn(APPLICATION_ENDPOINTS)(app, options);
}

/** The endpoint routes of one scope: an application's endpoints, or an inbound source's destinations. */
export const endpointRoutesIn =
  (scope: EndpointScope) =>
  async (app: FastifyInstance, { ctx }: RouteOptions) => {
    const base = scope.base;

    /** Refuses (422) a filter naming an event type that does not exist; see endpoint-event-types.ts. */
    const checkTypes = async (
      req: FastifyRequest,
      b: { eventTypes?: string[] | null; filterTypes?: string[] | null },
      already: string[] | null = null,
    ) => {
      if (scope !== APPLICATION_ENDPOINTS) return;
      const field = b.eventTypes !== undefined ? "eventTypes" : "filterTypes";
      await checkEventTypesExist(ctx, req, field, b.eventTypes !== undefined ? b.eventTypes : b.filterTypes, already);
    };

    async function create(
      params: Params,
      application: Application,
      b: EndpointIn,
      uidFallback?: string,
    ): Promise<Endpoint> {
      const uid = b.uid ?? uidFallback ?? null;
      await assertUidFree(ctx, application.id, uid);
      await checkExpressionField("filter", b.filter, application.id);
      if (b.headers) checkHeaders(b.headers);
      const now = ctx.clock.now();
      const endpoint: Endpoint = {
        id: newId("ep", now),
        appId: application.id,
        uid,
        url: await checkedUrl(ctx, b.url, application.id),
        description: b.description ?? "",
        version: b.version ?? 1,
        disabled: b.disabled ?? false,
        throttleRate: b.throttleRate ?? b.rateLimit ?? null,
        eventTypes: emptyToNull(b.eventTypes ?? b.filterTypes),
        channels: emptyToNull(b.channels),
        metadata: b.metadata ?? {},
        headers: b.headers ?? {},
        secret: checkSecret(b.secret, "secret") ?? newSecret(b.signingScheme),
        previousSecrets: [],
        failingSince: null,
        options: optionsFrom(b),
        handshakeValidatedAt: null,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.store.endpoints.insert(endpoint);
      ctx.endpoints.invalidate(application.id);
      announce(params, application, null, endpoint);
      return endpoint;
    }

    /** Operational events about a change made through these routes (operational-endpoint-changes.ts). */
    function announce(params: Params, application: Application, before: Endpoint | null, after: Endpoint | null) {
      announceEndpointChange(ctx, () => scope.eventOwner(ctx, params, application), before, after);
    }

    async function save(endpoint: Endpoint): Promise<Endpoint> {
      await ctx.store.endpoints.update(endpoint);
      ctx.endpoints.invalidate(endpoint.appId);
      return endpoint;
    }

    app.get<{ Params: Params; Querystring: Static<typeof ListQuery> }>(
      base,
      {
        schema: {
          tags: scope.tags,
          params: scope.ownerParams,
          querystring: ListQuery,
          response: { 200: ListResponse(EndpointOut), ...errorResponses },
        },
      },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        const page = await ctx.store.endpoints.list(application.id, pageRequest(req.query));
        return { ...page, data: page.data.map(endpointOut) };
      },
    );

    app.post<{ Params: Params; Body: EndpointIn }>(
      base,
      {
        schema: {
          tags: scope.tags,
          params: scope.ownerParams,
          body: EndpointIn,
          response: { 201: EndpointOut, ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        await checkTypes(req, req.body);
        return reply.code(201).send(endpointOut(await create(req.params, application, req.body)));
      },
    );

    app.get<{ Params: Params }>(
      `${base}/:endpoint_id`,
      { schema: { tags: scope.tags, params: scope.endpointParams, response: { 200: EndpointOut, ...errorResponses } } },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        return endpointOut(await requireEndpoint(ctx, application, req.params.endpoint_id));
      },
    );

    app.put<{ Params: Params; Body: EndpointIn }>(
      `${base}/:endpoint_id`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: EndpointIn,
          response: { 200: EndpointOut, 201: EndpointOut, ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const existing = await ctx.store.endpoints.get(application.id, req.params.endpoint_id);
        const b = req.body;
        await checkTypes(req, b, existing?.eventTypes ?? null);
        if (!existing) {
          const uid = req.params.endpoint_id.startsWith("ep_") ? undefined : req.params.endpoint_id;
          return reply.code(201).send(endpointOut(await create(req.params, application, b, uid)));
        }
        await assertUidFree(ctx, application.id, b.uid, existing.id);
        await checkExpressionField("filter", b.filter, application.id);
        if (b.headers) checkHeaders(b.headers);
        const updated = await save({
          ...existing,
          uid: b.uid === undefined ? existing.uid : b.uid,
          url: await checkedUrl(ctx, b.url, application.id, existing.url),
          description: b.description ?? "",
          version: b.version ?? existing.version,
          disabled: b.disabled ?? false,
          throttleRate: b.throttleRate ?? b.rateLimit ?? null,
          eventTypes: emptyToNull(b.eventTypes ?? b.filterTypes),
          channels: emptyToNull(b.channels),
          metadata: b.metadata ?? {},
          headers: b.headers ?? existing.headers,
          failingSince: b.disabled === false ? null : existing.failingSince,
          // A replace resets the options it names; the transformation is a sub-resource and stays.
          options: optionsFrom(b, { transformation: existing.options.transformation }),
          updatedAt: ctx.clock.now(),
        });
        announce(req.params, application, existing, updated);
        return reply.code(200).send(endpointOut(updated));
      },
    );

    app.patch<{ Params: Params; Body: EndpointPatch }>(
      `${base}/:endpoint_id`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: EndpointPatch,
          response: { 200: EndpointOut, ...errorResponses },
        },
      },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        const existing = await requireEndpoint(ctx, application, req.params.endpoint_id);
        const b = req.body;
        await assertUidFree(ctx, application.id, b.uid, existing.id);
        await checkExpressionField("filter", b.filter, application.id);
        await checkTypes(req, b, existing.eventTypes);
        const pick = <T>(v2: T | undefined, v1: T | undefined, current: T): T =>
          v2 !== undefined ? v2 : v1 !== undefined ? v1 : current;
        const types = pick(b.eventTypes, b.filterTypes, existing.eventTypes);
        const updated = await save({
          ...existing,
          uid: b.uid === undefined ? existing.uid : b.uid,
          url: b.url === undefined ? existing.url : await checkedUrl(ctx, b.url, application.id, existing.url),
          description: b.description ?? existing.description,
          version: b.version ?? existing.version,
          disabled: b.disabled ?? existing.disabled,
          throttleRate: pick(b.throttleRate, b.rateLimit, existing.throttleRate),
          eventTypes: emptyToNull(types),
          channels: b.channels === undefined ? existing.channels : emptyToNull(b.channels),
          metadata: b.metadata ?? existing.metadata,
          // Re-enabling an endpoint starts its failure streak afresh.
          failingSince: b.disabled === false ? null : existing.failingSince,
          options: optionsFrom(b, existing.options),
          updatedAt: ctx.clock.now(),
        });
        announce(req.params, application, existing, updated);
        return endpointOut(updated);
      },
    );

    app.delete<{ Params: Params }>(
      `${base}/:endpoint_id`,
      { schema: { tags: scope.tags, params: scope.endpointParams, response: { 204: Type.Null(), ...errorResponses } } },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const existing = await requireEndpoint(ctx, application, req.params.endpoint_id);
        await ctx.store.endpoints.delete(application.id, existing.id);
        ctx.endpoints.invalidate(application.id);
        announce(req.params, application, existing, null);
        return reply.code(204).send();
      },
    );

    app.get<{ Params: Params }>(
      `${base}/:endpoint_id/headers`,
      { schema: { tags: scope.tags, params: scope.endpointParams, response: { 200: HeadersOut, ...errorResponses } } },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        return endpointHeadersOut(endpoint.headers);
      },
    );

    app.put<{ Params: Params; Body: Static<typeof HeadersIn> }>(
      `${base}/:endpoint_id/headers`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: HeadersIn,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        checkHeaders(req.body.headers);
        await save({ ...endpoint, headers: req.body.headers, updatedAt: ctx.clock.now() });
        return reply.code(204).send();
      },
    );

    app.patch<{ Params: Params; Body: Static<typeof HeadersPatchIn> }>(
      `${base}/:endpoint_id/headers`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: HeadersPatchIn,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        checkHeaders(req.body.headers);
        const headers = { ...endpoint.headers };
        for (const [name, value] of Object.entries(req.body.headers)) {
          if (value === null) delete headers[name];
          else headers[name] = value;
        }
        for (const name of req.body.deleteHeaders ?? []) delete headers[name];
        await save({ ...endpoint, headers, updatedAt: ctx.clock.now() });
        return reply.code(204).send();
      },
    );

    app.get<{ Params: Params }>(
      `${base}/:endpoint_id/secret`,
      { schema: { tags: scope.tags, params: scope.endpointParams, response: { 200: SecretOut, ...errorResponses } } },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        // An ed25519 endpoint's receivers verify with the public key; the private key never leaves Hookline.
        return { key: isEd25519Secret(endpoint.secret) ? ed25519PublicKey(endpoint.secret) : endpoint.secret };
      },
    );

    app.post<{ Params: Params; Body: Static<typeof RotateIn> }>(
      `${base}/:endpoint_id/secret/rotate`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: RotateIn,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        const now = ctx.clock.now();
        const grace = (req.body.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
        // During the grace period deliveries carry a signature with each key, so receivers still
        // configured with the old secret keep verifying until they switch.
        const previous = [
          ...endpoint.previousSecrets.filter((p) => p.expiresAt > now),
          ...(grace > 0 ? [{ key: endpoint.secret, expiresAt: now + grace }] : []),
        ];
        const secret = checkSecret(req.body.key, "key") ?? newSecret(req.body.signingScheme);
        await ctx.store.endpoints.setSecret(application.id, endpoint.id, secret, previous, now);
        ctx.endpoints.invalidate(application.id);
        return reply.code(204).send();
      },
    );

    app.post<{ Params: Params; Body: Static<typeof ExampleIn> }>(
      `${base}/:endpoint_id/send-example`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          body: ExampleIn,
          response: { 202: MessageOut, ...errorResponses },
        },
      },
      async (req, reply) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        // Only a type the caller can see in the catalog; an unknown one is 404 (as in Svix).
        const eventType = await readableEventType(ctx, req, req.body.eventType);
        const payload = exampleFor(eventType, req.body.exampleIndex ?? 0) ?? {
          type: req.body.eventType,
          example: true,
          timestamp: iso(ctx.clock.now()),
        };
        if (typeof payload !== "object" || payload === null || Array.isArray(payload))
          throw new FieldError(["eventType"], "the event type's example is not a JSON object", "value_error");
        const message = await createMessage(ctx, application, {
          eventType: req.body.eventType,
          payload: payload as Record<string, unknown>,
          onlyEndpoint: endpoint,
          trace: incomingTrace(req.headers),
        });
        return reply.code(202).send(messageOut(message, true, payload));
      },
    );

    app.get<{ Params: Params; Querystring: Static<typeof StatsQuery> }>(
      `${base}/:endpoint_id/stats`,
      {
        schema: {
          tags: scope.tags,
          params: scope.endpointParams,
          querystring: StatsQuery,
          response: { 200: StatsOut, ...errorResponses },
        },
      },
      async (req) => {
        const application = await scope.owner(ctx, req.params);
        const endpoint = await requireEndpoint(ctx, application, req.params.endpoint_id);
        // since/until bound the creation time of the deliveries counted.
        const since = msOf(req.query.since);
        const until = msOf(req.query.until);
        const stats = await ctx.store.deliveries.stats(application.id, endpoint.id, {
          after: since === undefined ? undefined : since - 1,
          before: until,
        });
        return stats;
      },
    );
  };
