import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { servicesOf } from "../../main/services.ts";
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

export async function eventTypeRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const eventTypes = servicesOf(ctx).eventTypes;

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
      const page = await eventTypes.list(pageRequest(req.query), req.query.include_archived ?? false);
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
      const { name, ...fields } = req.body;
      const eventType = await eventTypes.create(name, fields);
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
      const { eventType, created } = await eventTypes.upsert(req.params.event_type_name, req.body);
      return reply.code(created ? 201 : 200).send(eventTypeOut(eventType));
    },
  );

  app.patch<{ Params: NameParams; Body: EventTypePatch }>(
    "/api/v1/event-type/:event_type_name",
    { schema: { tags, params: NameParams, body: EventTypePatch, response: { 200: EventTypeOut, ...errorResponses } } },
    async (req) => eventTypeOut(await eventTypes.patch(req.params.event_type_name, req.body)),
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
      await eventTypes.remove(req.params.event_type_name, req.query.expunge ?? false);
      return reply.code(204).send();
    },
  );
}
