import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { EventType } from "../../core/entities.ts";
import { conflict, notFound } from "../../core/errors.ts";
import { checkSchemas } from "../../core/payload-schemas.ts";
import { errorResponses, EventTypeName, ListQuery, ListResponse, Nullable } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { catalogShows, readableEventType } from "../event-catalog-access.ts";
import { pageRequest } from "../pagination.ts";
import { EventTypeOut, eventTypeOut } from "../representations.ts";

const Schemas = Type.Record(Type.String(), Type.Unknown());
const FeatureFlags = Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 25 });

/** The fields of an event type a write sets (also what an environment import takes per type). */
export const EventTypeFields = {
  description: Type.String({ maxLength: 10_000 }),
  archived: Type.Optional(Type.Boolean()),
  deprecated: Type.Optional(Type.Boolean()),
  schemas: Type.Optional(Nullable(Schemas)),
  groupName: Type.Optional(Nullable(EventTypeName)),
  featureFlags: Type.Optional(Nullable(FeatureFlags)),
  featureFlag: Type.Optional(Nullable(EventTypeName)),
  retrySchedule: Type.Optional(
    Nullable(
      Type.Array(Type.Number({ minimum: 0, maximum: 7 * 86_400 }), {
        maxItems: 50,
        description: "Hookline: seconds before each retry for this type, overriding HOOKLINE_RETRY_SCHEDULE",
      }),
    ),
  ),
};
const EventTypeIn = Type.Object({ name: EventTypeName, ...EventTypeFields });
type EventTypeIn = Static<typeof EventTypeIn>;
const EventTypeUpsert = Type.Object(EventTypeFields);
type EventTypeUpsert = Static<typeof EventTypeUpsert>;
const EventTypePatch = Type.Partial(EventTypeUpsert);
type EventTypePatch = Static<typeof EventTypePatch>;
const NameParams = Type.Object({ event_type_name: EventTypeName });
type NameParams = Static<typeof NameParams>;

const tags = ["Event Type"];

export const flagsOf = (b: { featureFlags?: string[] | null; featureFlag?: string | null }) =>
  b.featureFlags ?? (b.featureFlag ? [b.featureFlag] : null);

export async function eventTypeRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const fromInput = (name: string, b: EventTypeUpsert, createdAt: number, now: number): EventType => ({
    name,
    description: b.description,
    archived: b.archived ?? false,
    deprecated: b.deprecated ?? false,
    schemas: b.schemas ?? null,
    groupName: b.groupName ?? null,
    featureFlags: flagsOf(b),
    retrySchedule: b.retrySchedule ?? null,
    createdAt,
    updatedAt: now,
  });

  app.get<{ Querystring: Static<typeof ListQuery> & { include_archived?: boolean; with_content?: boolean } }>(
    "/api/v1/event-type",
    {
      schema: {
        tags,
        querystring: Type.Composite([
          ListQuery,
          Type.Object({ include_archived: Type.Optional(Type.Boolean()), with_content: Type.Optional(Type.Boolean()) }),
        ]),
        response: { 200: ListResponse(EventTypeOut), ...errorResponses },
      },
    },
    async (req) => {
      const page = await ctx.store.eventTypes.list(pageRequest(req.query), req.query.include_archived ?? false);
      const withContent = req.query.with_content ?? true;
      // A hidden type leaves a page shorter than `limit`; the iterator still continues after it.
      const shown = page.data.filter((e) => catalogShows(req, e));
      return { ...page, data: shown.map((e) => eventTypeOut(withContent ? e : { ...e, schemas: null })) };
    },
  );

  app.post<{ Body: EventTypeIn }>(
    "/api/v1/event-type",
    { schema: { tags, body: EventTypeIn, response: { 201: EventTypeOut, ...errorResponses } } },
    async (req, reply) => {
      checkSchemas(req.body.schemas);
      if (await ctx.store.eventTypes.get(req.body.name)) throw conflict(`event type "${req.body.name}" already exists`);
      const now = ctx.clock.now();
      const eventType = fromInput(req.body.name, req.body, now, now);
      await ctx.store.eventTypes.insert(eventType);
      return reply.code(201).send(eventTypeOut(eventType));
    },
  );

  app.get<{ Params: NameParams }>(
    "/api/v1/event-type/:event_type_name",
    { schema: { tags, params: NameParams, response: { 200: EventTypeOut, ...errorResponses } } },
    async (req) => eventTypeOut(await readableEventType(ctx, req, req.params.event_type_name)),
  );

  app.put<{ Params: NameParams; Body: EventTypeUpsert }>(
    "/api/v1/event-type/:event_type_name",
    {
      schema: {
        tags,
        params: NameParams,
        body: EventTypeUpsert,
        response: { 200: EventTypeOut, 201: EventTypeOut, ...errorResponses },
      },
    },
    async (req, reply) => {
      checkSchemas(req.body.schemas);
      const existing = await ctx.store.eventTypes.get(req.params.event_type_name);
      const now = ctx.clock.now();
      const e = fromInput(req.params.event_type_name, req.body, existing?.createdAt ?? now, now);
      if (existing) await ctx.store.eventTypes.update(e);
      else await ctx.store.eventTypes.insert(e);
      return reply.code(existing ? 200 : 201).send(eventTypeOut(e));
    },
  );

  app.patch<{ Params: NameParams; Body: EventTypePatch }>(
    "/api/v1/event-type/:event_type_name",
    { schema: { tags, params: NameParams, body: EventTypePatch, response: { 200: EventTypeOut, ...errorResponses } } },
    async (req) => {
      const existing = await ctx.store.eventTypes.get(req.params.event_type_name);
      if (!existing) throw notFound("event type");
      const b = req.body;
      checkSchemas(b.schemas);
      const e: EventType = {
        ...existing,
        description: b.description ?? existing.description,
        archived: b.archived ?? existing.archived,
        deprecated: b.deprecated ?? existing.deprecated,
        schemas: b.schemas === undefined ? existing.schemas : b.schemas,
        groupName: b.groupName === undefined ? existing.groupName : b.groupName,
        featureFlags: b.featureFlags === undefined && b.featureFlag === undefined ? existing.featureFlags : flagsOf(b),
        retrySchedule: b.retrySchedule === undefined ? existing.retrySchedule : b.retrySchedule,
        updatedAt: ctx.clock.now(),
      };
      await ctx.store.eventTypes.update(e);
      return eventTypeOut(e);
    },
  );

  // Svix archives by default (messages of the type stay meaningful); `expunge=true` deletes for good.
  app.delete<{ Params: NameParams; Querystring: { expunge?: boolean } }>(
    "/api/v1/event-type/:event_type_name",
    {
      schema: {
        tags,
        params: NameParams,
        querystring: Type.Object({ expunge: Type.Optional(Type.Boolean()) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const existing = await ctx.store.eventTypes.get(req.params.event_type_name);
      if (!existing) throw notFound("event type");
      if (req.query.expunge) await ctx.store.eventTypes.delete(existing.name);
      else await ctx.store.eventTypes.update({ ...existing, archived: true, updatedAt: ctx.clock.now() });
      return reply.code(204).send();
    },
  );
}
