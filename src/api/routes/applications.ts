import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Application } from "../../core/entities.ts";
import type { ApplicationInput } from "../../core/applications/application-rules.ts";
import type { AppContext } from "../../main/context.ts";
import { servicesOf } from "../../main/services.ts";
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

/** The application the path names; 404 for none, and for the operational webhooks' hidden one. */
export function requireApp(ctx: AppContext, idOrUid: string): Promise<Application> {
  return servicesOf(ctx).applications.require(idOrUid);
}

export function createApplication(ctx: AppContext, body: ApplicationInput): Promise<Application> {
  return servicesOf(ctx).applications.create(body);
}

export async function applicationRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const applications = servicesOf(ctx).applications;

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    "/api/v1/app",
    { schema: { tags, querystring: ListQuery, response: { 200: ListResponse(ApplicationOut), ...errorResponses } } },
    async (req) => {
      const page = await applications.list(pageRequest(req.query));
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
        const existing = await applications.find(req.body.uid);
        if (existing) return reply.code(200).send(applicationOut(existing));
      }
      return reply.code(201).send(applicationOut(await applications.create(req.body)));
    },
  );

  app.get<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id",
    { schema: { tags, params: AppParams, response: { 200: ApplicationOut, ...errorResponses } } },
    async (req) => applicationOut(await applications.require(req.params.app_id)),
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
      const { application, created } = await applications.upsert(req.params.app_id, req.body);
      return reply.code(created ? 201 : 200).send(applicationOut(application));
    },
  );

  app.patch<{ Params: Static<typeof AppParams>; Body: ApplicationPatch }>(
    "/api/v1/app/:app_id",
    {
      schema: { tags, params: AppParams, body: ApplicationPatch, response: { 200: ApplicationOut, ...errorResponses } },
    },
    async (req) => applicationOut(await applications.patch(req.params.app_id, req.body)),
  );

  app.delete<{ Params: Static<typeof AppParams> }>(
    "/api/v1/app/:app_id",
    { schema: { tags, params: AppParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await applications.remove(req.params.app_id);
      return reply.code(204).send();
    },
  );
}
