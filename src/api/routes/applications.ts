import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Application } from "../../core/entities.ts";
import { conflict, notFound } from "../../core/errors.ts";
import { newId } from "../../core/ids.ts";
import type { AppContext } from "../../main/context.ts";
import { AppParams, errorResponses, ListQuery, ListResponse, Metadata, Nullable, Uid } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { pageRequest } from "../pagination.ts";
import { ApplicationOut, applicationOut } from "../representations.ts";

const RateLimit = Type.Integer({ minimum: 1, maximum: 65535 });

const ApplicationIn = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256 }),
  uid: Type.Optional(Nullable(Uid)),
  throttleRate: Type.Optional(Nullable(RateLimit)),
  rateLimit: Type.Optional(Nullable(RateLimit)),
  metadata: Type.Optional(Metadata),
});
type ApplicationIn = Static<typeof ApplicationIn>;

const ApplicationPatch = Type.Partial(ApplicationIn);
type ApplicationPatch = Static<typeof ApplicationPatch>;

const tags = ["Application"];

export async function requireApp(ctx: AppContext, idOrUid: string): Promise<Application> {
  const app = await ctx.store.applications.get(idOrUid);
  // The hidden application of the operational webhooks is managed only through their own routes.
  if (!app || ctx.operational?.isOperational(app.id)) throw notFound("application");
  return app;
}

async function assertUidFree(ctx: AppContext, uid: string | null | undefined, selfId?: string): Promise<void> {
  if (!uid) return;
  const other = await ctx.store.applications.get(uid);
  if (other && other.id !== selfId) throw conflict(`an application with uid "${uid}" already exists`);
}

export async function createApplication(ctx: AppContext, body: ApplicationIn): Promise<Application> {
  await assertUidFree(ctx, body.uid);
  const now = ctx.clock.now();
  const app: Application = {
    id: newId("app", now),
    uid: body.uid ?? null,
    name: body.name,
    throttleRate: body.throttleRate ?? body.rateLimit ?? null,
    metadata: body.metadata ?? {},
    createdAt: now,
    updatedAt: now,
  };
  await ctx.store.applications.insert(app);
  return app;
}

export async function applicationRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/api/v1/app",
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(ApplicationOut), ...errorResponses } } },
    async (req) => {
      const page = await ctx.store.applications.list(pageRequest(req.query));
      // The store leaves out the operational webhooks' hidden application, so pages stay full.
      return { ...page, data: page.data.map(applicationOut) };
    },
  );

  app.post<{ Body: ApplicationIn; Querystring: { get_if_exists?: boolean } }>(
    "/api/v1/app",
    {
      schema: {
        tags,
        body: ApplicationIn,
        querystring: Type.Object({ get_if_exists: Type.Optional(Type.Boolean()) }),
        response: { 200: ApplicationOut, 201: ApplicationOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (req.query.get_if_exists && req.body.uid) {
        const existing = await ctx.store.applications.get(req.body.uid);
        if (existing) return reply.code(200).send(applicationOut(existing));
      }
      return reply.code(201).send(applicationOut(await createApplication(ctx, req.body)));
    },
  );

  app.get<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id",
    { schema: { tags, params: AppParams, response: { 200: ApplicationOut, ...errorResponses } } },
    async (req) => applicationOut(await requireApp(ctx, req.params.app_id)),
  );

  // PUT creates the application if it does not exist (Svix "upsert"), keyed by the id or uid in the path.
  app.put<{ Params: Static<typeof AppParams>; Body: ApplicationIn }>(
    "/api/v1/app/:app_id",
    {
      schema: {
        tags,
        params: AppParams,
        body: ApplicationIn,
        response: { 200: ApplicationOut, 201: ApplicationOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      const existing = await ctx.store.applications.get(req.params.app_id);
      if (existing && ctx.operational?.isOperational(existing.id)) throw notFound("application");
      if (!existing) {
        const uid = req.body.uid ?? (req.params.app_id.startsWith("app_") ? null : req.params.app_id);
        return reply.code(201).send(applicationOut(await createApplication(ctx, { ...req.body, uid })));
      }
      await assertUidFree(ctx, req.body.uid, existing.id);
      const updated: Application = {
        ...existing,
        name: req.body.name,
        uid: req.body.uid === undefined ? existing.uid : req.body.uid,
        throttleRate: req.body.throttleRate ?? req.body.rateLimit ?? null,
        metadata: req.body.metadata ?? {},
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.applications.update(updated);
      return reply.code(200).send(applicationOut(updated));
    },
  );

  app.patch<{ Params: Static<typeof AppParams>; Body: ApplicationPatch }>(
    "/api/v1/app/:app_id",
    {
      schema: { tags, params: AppParams, body: ApplicationPatch, response: { 200: ApplicationOut, ...errorResponses } },
    },
    async (req) => {
      const existing = await requireApp(ctx, req.params.app_id);
      const b = req.body;
      await assertUidFree(ctx, b.uid, existing.id);
      const rate = b.throttleRate !== undefined ? b.throttleRate : b.rateLimit;
      const updated: Application = {
        ...existing,
        name: b.name ?? existing.name,
        uid: b.uid === undefined ? existing.uid : b.uid,
        throttleRate: rate === undefined ? existing.throttleRate : rate,
        metadata: b.metadata ?? existing.metadata,
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.applications.update(updated);
      return applicationOut(updated);
    },
  );

  app.delete<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id",
    { schema: { tags, params: AppParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const existing = await requireApp(ctx, req.params.app_id);
      await ctx.store.applications.delete(existing.id);
      ctx.endpoints.invalidate(existing.id);
      return reply.code(204).send();
    },
  );
}
