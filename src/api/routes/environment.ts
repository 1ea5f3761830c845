import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { FieldError } from "../../core/errors.ts";
import { checkSchemas } from "../../core/payload-schemas.ts";
import { DateTime, errorResponses, EventTypeName, Nullable } from "../common-schemas.ts";
import {
  EnvironmentSettingsIn,
  EnvironmentSettingsOut,
  mergeEnvironmentSettings,
  readEnvironmentSettings,
} from "../environment-settings.ts";
import { eventTypeFields } from "../../core/event-types/event-type-rules.ts";
import { servicesOf } from "../../main/services.ts";
import {
  checkImportedApplications,
  ExportedApplication,
  SkippedItem,
  exportApplications,
  ImportedApplication,
  importApplications,
} from "../environment-applications.ts";
import type { RouteOptions } from "../http-server.ts";
import { EventTypeOut, eventTypeOut } from "../representations.ts";
import { EventTypeFields } from "./event-types.ts";

/**
 * Svix's environment export and import (admin tokens only): the event catalog, with schemas and
 * examples, and the environment's settings, as one JSON document that another instance (Hookline
 * or Svix) imports. Beside Svix's fields, Hookline adds `applications` with their endpoints
 * (src/api/environment-applications.ts); endpoint secrets only when the export asks for them.
 */

const tags = ["Environment"];

/** Svix's format version of the document; an import accepts it and ignores it. */
const FORMAT_VERSION = 1;

/** An event type as an export carries it, for the examples of the OpenAPI document. */
const EXAMPLE_TYPE = {
  name: "invoice.paid",
  description: "An invoice was paid",
  archived: false,
  deprecated: false,
  schemas: { "1": { type: "object", properties: { id: { type: "string" } }, examples: [{ id: "in_1" }] } },
  groupName: "billing",
  featureFlags: null,
  featureFlag: null,
  retrySchedule: null,
  createdAt: "2026-06-01T12:00:00.000Z",
  updatedAt: "2026-06-01T12:00:00.000Z",
};
const NoConnectors = Type.Array(Type.Unknown(), {
  maxItems: 0,
  examples: [[]],
  description: "Svix's connectors: always empty, Hookline has none",
});

const EnvironmentOut = Type.Object({
  version: Type.Integer(),
  createdAt: DateTime,
  eventTypes: Type.Array(EventTypeOut, {
    examples: [[EXAMPLE_TYPE]],
    description: "Every event type, archived ones too",
  }),
  settings: Type.Union([EnvironmentSettingsOut, Type.Null()], { description: "The environment's settings" }),
  connectors: NoConnectors,
  applications: Type.Array(ExportedApplication, {
    description: "Hookline addition: the applications with a uid and their endpoints with a uid",
  }),
  skipped: Type.Array(SkippedItem, {
    description: "Hookline addition: applications and endpoints left out because they have no uid",
  }),
});

const ExportIn = Type.Object({
  includeSecrets: Type.Optional(
    Type.Boolean({ description: "Hookline addition: put each endpoint's signing secret in the export" }),
  ),
});

/**
 * One event type of an import: what a `PUT` takes, plus the fields an export carries that an
 * import ignores (timestamps, the singular `featureFlag`), so an export imports as it is.
 */
const ImportedEventType = Type.Object({
  name: EventTypeName,
  ...EventTypeFields,
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
});

const EnvironmentIn = Type.Object({
  eventTypes: Type.Optional(
    Nullable(
      Type.Array(ImportedEventType, {
        maxItems: 10_000,
        examples: [[{ name: EXAMPLE_TYPE.name, description: EXAMPLE_TYPE.description, schemas: EXAMPLE_TYPE.schemas }]],
        description: "Event types to create or replace, by name",
      }),
    ),
  ),
  settings: Type.Optional(
    Type.Union([EnvironmentSettingsIn, Type.Null()], {
      description: "Settings to set; the others keep their values (an import never clears)",
    }),
  ),
  connectors: Type.Optional(Nullable(NoConnectors)),
  applications: Type.Optional(
    Nullable(
      Type.Array(ImportedApplication, {
        maxItems: 10_000,
        description: "Hookline addition: applications and endpoints to create or update, by uid; deletes nothing",
      }),
    ),
  ),
  skipped: Type.Optional(Type.Unknown({ description: "an export's list of what it left out; ignored" })),
  version: Type.Optional(Type.Integer({ description: "an export's format version; ignored" })),
  createdAt: Type.Optional(Type.String({ description: "an export's time; ignored" })),
});
type EnvironmentIn = Static<typeof EnvironmentIn>;

export async function environmentRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: Static<typeof ExportIn> | null | undefined }>(
    "/api/v1/environment/export",
    { schema: { tags, body: Nullable(ExportIn), response: { 200: EnvironmentOut, ...errorResponses } } },
    async (req) => ({
      version: FORMAT_VERSION,
      createdAt: new Date(ctx.clock.now()).toISOString(),
      eventTypes: (await servicesOf(ctx).eventTypes.all()).map(eventTypeOut),
      settings: await readEnvironmentSettings(ctx.store),
      connectors: [],
      ...(await exportApplications(ctx, req.body?.includeSecrets === true)),
    }),
  );

  app.post<{ Body: EnvironmentIn }>(
    "/api/v1/environment/import",
    { schema: { tags, body: EnvironmentIn, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      const eventTypes = req.body.eventTypes ?? [];
      // Every type is checked before any is written, so a refused import changes nothing.
      const seen = new Set<string>();
      eventTypes.forEach((e, index) => {
        if (seen.has(e.name))
          throw new FieldError(["eventTypes", index, "name"], `"${e.name}" is named twice`, "value_error");
        seen.add(e.name);
        try {
          checkSchemas(e.schemas);
        } catch (error) {
          if (error instanceof FieldError)
            throw new FieldError(["eventTypes", index, ...error.loc], error.msg, error.type);
          throw error;
        }
      });
      const applications = req.body.applications ?? [];
      await checkImportedApplications(ctx, applications, seen);
      const now = ctx.clock.now();
      const catalog = servicesOf(ctx).eventTypes;
      for (const e of eventTypes) await catalog.put(await catalog.find(e.name), eventTypeFields(e.name, e), now);
      if (req.body.settings) await mergeEnvironmentSettings(ctx.store, req.body.settings);
      await importApplications(app, req, ctx, applications);
      return reply.code(204).send();
    },
  );

  app.get(
    "/api/v1/environment/settings",
    { schema: { tags: ["Environment-Settings"], response: { 200: EnvironmentSettingsOut, ...errorResponses } } },
    async () => readEnvironmentSettings(ctx.store),
  );
}
