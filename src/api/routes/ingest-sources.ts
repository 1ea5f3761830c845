import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Application, IngestSource } from "../../core/entities.ts";
import { ApiError, conflict, notFound } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import {
  checkSourceConfig,
  MAX_DEDUPE_WINDOW_SECONDS,
  newIngestToken,
  redactedConfig,
  sourceOptions,
} from "../../inbound/source-settings.ts";
import { SOURCE_TYPES } from "../../inbound/verifier-registry.ts";
import { checkAddressRules } from "../../access/address-rules.ts";
import { servicesOf } from "../../main/services.ts";
import type { AppContext } from "../../main/context.ts";
import {
  AddressRuleList,
  DateTime,
  errorResponses,
  ListQuery,
  ListResponse,
  Metadata,
  Nullable,
} from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { iso, pageRequest } from "../pagination.ts";
import { SourceParams } from "./endpoint-scope.ts";

/** As in the Svix Ingest API: a source uid may not look like a source id. */
const SourceUid = Type.String({ minLength: 1, maxLength: 60, pattern: "^(?!src_)[a-zA-Z0-9_-]+$" });
const SourceType = Type.Union(SOURCE_TYPES.map((t) => Type.Literal(t)));
const HeaderName = Type.String({ minLength: 1, maxLength: 256, pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" });

/** Hookline's settings beside the provider config (all optional, all additive to the Svix shapes). */
const settingsFields = {
  dedupeWindowSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_DEDUPE_WINDOW_SECONDS,
      description:
        "Hookline: redeliveries of a provider delivery id within this window are acknowledged, not forwarded (0 turns de-duplication off; default 3 days)",
    }),
  ),
  forwardHeaders: Type.Optional(
    Nullable(
      Type.Array(HeaderName, {
        maxItems: 50,
        description:
          "Hookline: original headers forwarded to destinations; null forwards the source type's default set",
      }),
    ),
  ),
  response: Type.Optional(
    Nullable(
      Type.Object(
        {
          status: Type.Integer({ minimum: 200, maximum: 299 }),
          contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          body: Type.Optional(Type.String({ maxLength: 10_000 })),
        },
        { description: "Hookline: the answer providers get on acceptance (default 200 with {})" },
      ),
    ),
  ),
  publicUrl: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 2048,
        description: "Hookline: the exact URL providers call, for schemes that sign the URL (Twilio) behind a proxy",
      }),
    ),
  ),
  allowedIps: Type.Optional(
    Nullable(
      AddressRuleList(
        "Hookline: only clients in these addresses, CIDRs or named lists (`list:NAME`) may call the ingest URL; others get 403, logged; null or empty: any address",
      ),
    ),
  ),
  deniedIps: Type.Optional(
    Nullable(
      AddressRuleList(
        "Hookline: clients in these addresses, CIDRs or named lists (`list:NAME`) get 403, logged; checked before allowedIps",
      ),
    ),
  ),
};

/** Checks the address rules a create, replace or patch names (a 422 names a bad entry). */
async function checkSourceRules(ctx: AppContext, body: { allowedIps?: string[] | null; deniedIps?: string[] | null }) {
  await checkAddressRules(ctx.store.ipLists, "allowedIps", body.allowedIps);
  await checkAddressRules(ctx.store.ipLists, "deniedIps", body.deniedIps);
}

const SourceIn = Type.Object({
  name: Type.String({ minLength: 2, maxLength: 256 }),
  uid: Type.Optional(Nullable(SourceUid)),
  metadata: Type.Optional(Metadata),
  type: SourceType,
  config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  ...settingsFields,
});
type SourceIn = Static<typeof SourceIn>;
const SourcePatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 2, maxLength: 256 })),
  uid: Type.Optional(Nullable(SourceUid)),
  metadata: Type.Optional(Metadata),
  config: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), {
      description: "Hookline: replaces the provider config (e.g. to add a fallbackSecret while rotating)",
    }),
  ),
  ...settingsFields,
});

const SourceOut = Type.Object({
  id: Type.String(),
  uid: Nullable(Type.String()),
  name: Type.String(),
  type: Type.String(),
  config: Type.Record(Type.String(), Type.Unknown()),
  ingestUrl: Nullable(Type.String()),
  metadata: Metadata,
  createdAt: DateTime,
  updatedAt: DateTime,
  appId: Type.String({ description: "Hookline: the application holding this source's events and delivery attempts" }),
  dedupeWindowSeconds: Type.Integer(),
  forwardHeaders: Nullable(Type.Array(Type.String())),
  response: Nullable(Type.Object({ status: Type.Integer(), contentType: Type.String(), body: Type.String() })),
  publicUrl: Nullable(Type.String()),
  allowedIps: Nullable(Type.Array(Type.String())),
  deniedIps: Nullable(Type.Array(Type.String())),
});
const RotateTokenOut = Type.Object({ ingestUrl: Type.String() });

const tags = ["Ingest Source"];
/** How long a rotated-out ingest URL keeps working, and how many may, as Svix documents: 48 hours, three. */
const PREVIOUS_TOKEN_LIFETIME_MS = 48 * 3_600_000;
const MAX_LIVE_PREVIOUS_TOKENS = 3;

/** Where providers reach this server: HOOKLINE_PUBLIC_URL, else the address the API was called at. */
function ingestUrl(ctx: AppContext, request: FastifyRequest, source: IngestSource): string {
  const base = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base}/in/${source.id}/${source.token}`;
}

function sourceOut(ctx: AppContext, request: FastifyRequest, s: IngestSource) {
  return {
    id: s.id,
    uid: s.uid,
    name: s.name,
    type: s.type,
    config: redactedConfig(s),
    ingestUrl: ingestUrl(ctx, request, s),
    metadata: s.metadata,
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
    appId: s.appId,
    ...s.options,
    // Sources stored before address rules existed have neither field.
    allowedIps: s.options.allowedIps ?? null,
    deniedIps: s.options.deniedIps ?? null,
  };
}

export async function requireSource(ctx: AppContext, idOrUid: string): Promise<IngestSource> {
  const source = await ctx.store.ingest.getSource(idOrUid);
  if (!source) throw notFound("source");
  return source;
}

async function assertUidFree(ctx: AppContext, uid: string | null | undefined, selfId?: string): Promise<void> {
  if (!uid) return;
  const other = await ctx.store.ingest.getSource(uid);
  if (other && other.id !== selfId) throw conflict(`a source with uid "${uid}" already exists`);
}

/** Inbound sources (the Svix Ingest API's shapes): where third-party webhooks arrive and how they are verified. */
export async function ingestSourceRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const base = "/ingest/api/v1/source";

  async function create(body: SourceIn, uidFallback?: string): Promise<IngestSource> {
    const uid = body.uid ?? uidFallback ?? null;
    await assertUidFree(ctx, uid);
    const config = checkSourceConfig(body.type, body.config);
    await checkSourceRules(ctx, body);
    const now = ctx.clock.now();
    const id = newId("src", now);
    // The backing application: its endpoints are the destinations, its messages the accepted events.
    const backing: Application = {
      id: newId("app", now),
      uid: null,
      name: `Inbound source ${id}`,
      throttleRate: null,
      metadata: { "hookline.sourceId": id },
      createdAt: now,
      updatedAt: now,
    };
    const source: IngestSource = {
      id,
      uid,
      appId: backing.id,
      name: body.name,
      type: body.type,
      config,
      options: sourceOptions(body),
      metadata: body.metadata ?? {},
      token: newIngestToken(),
      previousTokens: [],
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.ingest.insertSource(source, backing);
    return source;
  }

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    base,
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(SourceOut), ...errorResponses } } },
    async (req) => {
      const page = await ctx.store.ingest.listSources(pageRequest(req.query));
      return { ...page, data: page.data.map((s) => sourceOut(ctx, req, s)) };
    },
  );

  app.post<{ Body: SourceIn }>(
    base,
    { schema: { tags, body: SourceIn, response: { 201: SourceOut, ...errorResponses } } },
    async (req, reply) => reply.code(201).send(sourceOut(ctx, req, await create(req.body))),
  );

  app.get<{ Params: Static<typeof SourceParams> }>(
    `${base}/:source_id`,
    { schema: { tags, params: SourceParams, response: { 200: SourceOut, ...errorResponses } } },
    async (req) => sourceOut(ctx, req, await requireSource(ctx, req.params.source_id)),
  );

  app.put<{ Params: Static<typeof SourceParams>; Body: SourceIn }>(
    `${base}/:source_id`,
    {
      schema: {
        tags,
        params: SourceParams,
        body: SourceIn,
        response: { 200: SourceOut, 201: SourceOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const existing = await ctx.store.ingest.getSource(req.params.source_id);
      const b = req.body;
      if (!existing) {
        const uid = req.params.source_id.startsWith("src_") ? undefined : req.params.source_id;
        return reply.code(201).send(sourceOut(ctx, req, await create(b, uid)));
      }
      await assertUidFree(ctx, b.uid, existing.id);
      await checkSourceRules(ctx, b);
      const updated: IngestSource = {
        ...existing,
        uid: b.uid === undefined ? existing.uid : b.uid,
        name: b.name,
        type: b.type,
        config: checkSourceConfig(b.type, b.config),
        options: sourceOptions(b),
        metadata: b.metadata ?? {},
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.ingest.updateSource(updated);
      return reply.code(200).send(sourceOut(ctx, req, updated));
    },
  );

  app.patch<{ Params: Static<typeof SourceParams>; Body: Static<typeof SourcePatch> }>(
    `${base}/:source_id`,
    { schema: { tags, params: SourceParams, body: SourcePatch, response: { 200: SourceOut, ...errorResponses } } },
    async (req) => {
      const existing = await requireSource(ctx, req.params.source_id);
      const b = req.body;
      await assertUidFree(ctx, b.uid, existing.id);
      await checkSourceRules(ctx, b);
      const updated: IngestSource = {
        ...existing,
        uid: b.uid === undefined ? existing.uid : b.uid,
        name: b.name ?? existing.name,
        config: b.config === undefined ? existing.config : checkSourceConfig(existing.type, b.config),
        options: sourceOptions(b, existing.options),
        metadata: b.metadata ?? existing.metadata,
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.ingest.updateSource(updated);
      return sourceOut(ctx, req, updated);
    },
  );

  app.delete<{ Params: Static<typeof SourceParams> }>(
    `${base}/:source_id`,
    { schema: { tags, params: SourceParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const existing = await requireSource(ctx, req.params.source_id);
      await ctx.store.ingest.deleteSource(existing.id);
      // The source's backing application went with it: no cache of this process may still hold it.
      ctx.endpoints.invalidate(existing.appId);
      servicesOf(ctx).applications.forgetRecent();
      return reply.code(204).send();
    },
  );

  // A new token changes the ingest URL. As in Svix, the old URL keeps working for 48 hours, so the
  // provider can be pointed at the new one without losing events, and at most three rotations
  // may overlap in that time (each leaves a live URL behind).
  app.post<{ Params: Static<typeof SourceParams> }>(
    `${base}/:source_id/token/rotate`,
    { schema: { tags, params: SourceParams, response: { 200: RotateTokenOut, ...errorResponses } } },
    async (req) => {
      const existing = await requireSource(ctx, req.params.source_id);
      const now = ctx.clock.now();
      const live = existing.previousTokens.filter((p) => p.expiresAt > now);
      if (live.length >= MAX_LIVE_PREVIOUS_TOKENS)
        throw new ApiError(409, "too_many_rotations", "the token was rotated three times in the last 48 hours");
      const updated: IngestSource = {
        ...existing,
        token: newIngestToken(),
        previousTokens: [...live, { token: existing.token, expiresAt: now + PREVIOUS_TOKEN_LIFETIME_MS }],
        updatedAt: now,
      };
      await ctx.store.ingest.updateSource(updated);
      return { ingestUrl: ingestUrl(ctx, req, updated) };
    },
  );
}
