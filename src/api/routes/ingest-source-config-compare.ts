import { createHash, timingSafeEqual } from "node:crypto";
import { Type, type Static } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { jsonEqual } from "../../core/json-equal.ts";
import { errorResponses } from "../common-schemas.ts";
import type { RouteOptions } from "../http-server.ts";
import { SourceParams } from "./endpoint-scope.ts";
import { requireSource } from "./ingest-sources.ts";

/**
 * `POST /ingest/api/v1/source/{source_id}/config/compare`: which fields of a source's provider
 * config differ from a given config. The API never shows a source's secrets (the config is
 * redacted), yet `hookline plan` must tell whether the secret a file names (`${ENV:NAME}`) is the
 * one the source holds, or it could never settle to "no changes". This answers that without
 * handing a secret out: only field names come back. Admin tokens only, like every source route.
 */

const CompareIn = Type.Object({
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: "A complete provider config for the source's type, secrets included, to compare with the stored one",
  }),
});

const CompareOut = Type.Object({
  matches: Type.Boolean({ description: "true when the given config equals the stored one, field by field" }),
  differingFields: Type.Array(Type.String(), {
    description:
      "The config fields whose values differ, or that only one of the two has (names only, never values), sorted",
    examples: [["fallbackSecret", "secret"]],
  }),
});

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Strings (secrets among them) are compared in constant time; a digest first hides their length. */
function sameValue(stored: unknown, given: unknown): boolean {
  if (typeof stored === "string" && typeof given === "string") return timingSafeEqual(digest(stored), digest(given));
  return jsonEqual(stored, given);
}

export async function ingestSourceConfigCompareRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post<{ Params: Static<typeof SourceParams>; Body: Static<typeof CompareIn> }>(
    "/ingest/api/v1/source/:source_id/config/compare",
    {
      schema: {
        tags: ["Ingest Source"],
        params: SourceParams,
        body: CompareIn,
        response: { 200: CompareOut, ...errorResponses },
      },
    },
    async (req) => {
      const source = await requireSource(ctx, req.params.source_id);
      const stored = source.config;
      const given = req.body.config;
      const fields = [...new Set([...Object.keys(stored), ...Object.keys(given)])].filter(
        (f) => stored[f] !== undefined || given[f] !== undefined,
      );
      const differingFields = fields.filter((f) => !sameValue(stored[f], given[f])).sort();
      return { matches: differingFields.length === 0, differingFields };
    },
  );
}
