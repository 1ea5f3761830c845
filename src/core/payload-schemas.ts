import { Ajv, type ValidateFunction } from "ajv";
import ajvFormats from "ajv-formats";
import type { EventType } from "./entities.ts";
import { FieldError } from "./errors.ts";

/**
 * Payload validation against an event type's JSON Schema. Svix keys `schemas` by version
 * ("1", "2", …); a message is checked against the highest version. Compiled validators are cached
 * by event type and its `updatedAt`, so an edited schema takes effect at once.
 */
// addUsedSchema off: a schema with an `$id` must not be registered globally, or the second
// compile of it (or another type reusing the `$id`) would throw.
const ajv = new Ajv({ allErrors: false, strict: false, addUsedSchema: false });
ajvFormats.default(ajv);

const cache = new Map<string, { updatedAt: number; validate: ValidateFunction | null }>();

export function latestSchema(schemas: Record<string, unknown> | null): object | null {
  if (!schemas) return null;
  const versions = Object.keys(schemas).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const latest = versions.length ? schemas[versions[versions.length - 1]!] : null;
  return latest && typeof latest === "object" ? latest : null;
}

/** Throws a 422-shaped FieldError when a schema in `schemas` is not a usable JSON Schema. */
export function checkSchemas(schemas: Record<string, unknown> | null | undefined): void {
  for (const [version, schema] of Object.entries(schemas ?? {})) {
    if (typeof schema !== "object" || schema === null)
      throw new FieldError(["schemas", version], "must be a JSON Schema object", "schema");
    try {
      ajv.compile(schema);
    } catch (error) {
      throw new FieldError(["schemas", version], `is not a valid JSON Schema: ${(error as Error).message}`, "schema");
    }
  }
}

/** Throws a 422-shaped FieldError naming the first violation, if the payload does not match. */
export function validatePayload(eventType: EventType, payload: unknown): void {
  let entry = cache.get(eventType.name);
  if (!entry || entry.updatedAt !== eventType.updatedAt) {
    const schema = latestSchema(eventType.schemas);
    entry = { updatedAt: eventType.updatedAt, validate: schema ? ajv.compile(schema) : null };
    if (cache.size > 10_000) cache.clear();
    cache.set(eventType.name, entry);
  }
  const validate = entry.validate;
  if (!validate || validate(payload)) return;
  const first = validate.errors?.[0];
  const path = (first?.instancePath ?? "").split("/").filter(Boolean);
  const missing = (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
  if (missing) path.push(missing);
  throw new FieldError(
    ["payload", ...path],
    `does not match the "${eventType.name}" schema: ${first?.message ?? "invalid"}`,
    first?.keyword ?? "schema",
  );
}
