import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parse as parseYaml } from "yaml";
import { badRequest, FieldError } from "../../core/errors.ts";
import { jsonEqual } from "../../core/json-equal.ts";
import { eventTypesFromOpenApi, type EventTypeFromOpenApi } from "../../core/openapi-webhooks.ts";
import { checkSchemas } from "../../core/payload-schemas.ts";
import type { EventType } from "../../core/entities.ts";
import { errorResponses, Nullable } from "../common-schemas.ts";
import { servicesOf } from "../../main/services.ts";
import type { RouteOptions } from "../http-server.ts";

/**
 * `POST /api/v1/event-type/import/openapi`, Svix's: creates or updates an event type for each
 * webhook of an OpenAPI document (src/core/openapi-webhooks.ts says how one is read). Only what
 * differs is written, so importing the same document twice modifies nothing the second time.
 * An updated type keeps its group, feature flags and retry schedule, and an archived one is
 * unarchived; `replaceAll` archives every type the document does not name.
 */

const ImportIn = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({ default: false, description: "Answer what would change in `to_modify`, and change nothing" }),
  ),
  replaceAll: Type.Optional(
    Type.Boolean({ default: false, description: "Archive every event type the document does not name" }),
  ),
  spec: Type.Optional(
    Nullable(Type.Record(Type.String(), Type.Unknown(), { description: "The OpenAPI document as a JSON object" })),
  ),
  specRaw: Type.Optional(Nullable(Type.String({ description: "The OpenAPI document as YAML or JSON text" }))),
});
type ImportIn = Static<typeof ImportIn>;

const FromOpenApi = Type.Object({
  name: Type.String(),
  description: Type.String(),
  schemas: Nullable(Type.Record(Type.String(), Type.Unknown())),
  deprecated: Type.Boolean(),
  groupName: Nullable(Type.String()),
  featureFlags: Nullable(Type.Array(Type.String())),
});

const ImportOut = Type.Object({
  data: Type.Object({
    modified: Type.Array(Type.String(), { description: "the event types created, updated or archived" }),
    to_modify: Nullable(Type.Array(FromOpenApi, { description: "on a dry run: what would be created or updated" })),
    archived: Type.Array(Type.String(), {
      description: "Hookline: the types replaceAll archived (or, on a dry run, would archive)",
    }),
  }),
});

/** The document, from `spec` or parsed from `specRaw` (YAML, of which JSON is a subset). */
function documentOf(body: ImportIn): { document: unknown; loc: string } {
  const given = [body.spec, body.specRaw].filter((v) => v !== undefined && v !== null);
  if (given.length !== 1)
    throw badRequest("give the OpenAPI document as either `spec` (an object) or `specRaw` (YAML or JSON text)");
  if (body.spec) return { document: body.spec, loc: "spec" };
  try {
    // The default alias limit (100) keeps a "billion laughs" document from expanding without bound.
    return { document: parseYaml(body.specRaw!), loc: "specRaw" };
  } catch (error) {
    throw new FieldError(
      ["specRaw"],
      `is neither YAML nor JSON: ${(error as Error).message.split("\n")[0]}`,
      "value_error",
    );
  }
}

const differs = (existing: EventType | undefined, wanted: EventTypeFromOpenApi) =>
  !existing ||
  existing.archived ||
  existing.description !== wanted.description ||
  existing.deprecated !== wanted.deprecated ||
  !jsonEqual(existing.schemas, wanted.schemas);

export async function eventTypeOpenApiImportRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Body: ImportIn }>(
    "/api/v1/event-type/import/openapi",
    { schema: { tags: ["Event Type"], body: ImportIn, response: { 200: ImportOut, ...errorResponses } } },
    async (req) => {
      const { document, loc } = documentOf(req.body);
      const wanted = eventTypesFromOpenApi(document, [loc]);
      for (const e of wanted) {
        try {
          checkSchemas(e.schemas);
        } catch (error) {
          if (error instanceof FieldError)
            throw new FieldError([loc, "webhooks", e.name, ...error.loc], error.msg, error.type);
          throw error;
        }
      }
      const existing = new Map((await servicesOf(ctx).eventTypes.all()).map((e) => [e.name, e]));
      const changes = wanted.filter((e) => differs(existing.get(e.name), e));
      const named = new Set(wanted.map((e) => e.name));
      const toArchive = req.body.replaceAll
        ? [...existing.values()].filter((e) => !e.archived && !named.has(e.name))
        : [];
      if (req.body.dryRun) {
        const toModify = changes.map((e) => {
          const old = existing.get(e.name);
          return { ...e, groupName: old?.groupName ?? null, featureFlags: old?.featureFlags ?? null };
        });
        return { data: { modified: [], to_modify: toModify, archived: toArchive.map((e) => e.name) } };
      }
      const now = ctx.clock.now();
      for (const e of changes) {
        const old = existing.get(e.name);
        await servicesOf(ctx).eventTypes.put(
          old,
          {
            ...e,
            archived: false,
            groupName: old?.groupName ?? null,
            featureFlags: old?.featureFlags ?? null,
            retrySchedule: old?.retrySchedule ?? null,
          },
          now,
        );
      }
      for (const e of toArchive) await servicesOf(ctx).eventTypes.put(e, { ...e, archived: true }, now);
      return {
        data: {
          modified: [...changes, ...toArchive].map((e) => e.name),
          to_modify: null,
          archived: toArchive.map((e) => e.name),
        },
      };
    },
  );
}
