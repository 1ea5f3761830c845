import { closestName } from "../core/did-you-mean.ts";

/**
 * Request bodies name only the fields their schema lists. A misspelt field used to be dropped
 * without a word (`filtertypes` created an endpoint subscribed to every event type), so every
 * object in a body schema that lists its properties is closed (`additionalProperties: false`) and
 * an unknown field is answered 422 with the closest known name. Objects that list no properties
 * (payloads, metadata, headers, an event type's JSON Schemas, a source's provider config) stay
 * open: their keys are the caller's own. Every field of Svix's schema for a body is listed, used or
 * not (docs/api.md, "Fields accepted and ignored"), so the official SDKs keep working.
 */

type JsonSchema = Record<string, unknown>;

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A copy of a body schema with every object that lists properties closed. A copy, because the
 * route's own schema object also feeds the OpenAPI document and response serialisation; only
 * string keys are copied (TypeBox's symbol markers mean nothing to Ajv).
 */
export function closedBodySchema<T>(schema: T, close = true): T {
  if (Array.isArray(schema)) return schema.map((item) => closedBodySchema(item, close)) as T;
  if (!isObject(schema)) return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // Values of `const`, `enum`, `default` and `examples` are data, not schemas. The parts of an
    // `allOf` each list only some of the fields, so closing one would refuse the others' fields.
    copy[key] = ["const", "enum", "default", "examples", "example"].includes(key)
      ? value
      : closedBodySchema(value, key !== "allOf");
  }
  const properties = copy.properties;
  const listsFields = isObject(properties) && Object.keys(properties).length > 0;
  if (close && listsFields && copy.additionalProperties === undefined && copy.patternProperties === undefined)
    copy.additionalProperties = false;
  return copy as T;
}

/** What Ajv reports (with `verbose: true`) about an object: a field it does not list, or one it misses. */
export interface AdditionalPropertyError {
  keyword: string;
  params: unknown;
  parentSchema?: unknown;
  data?: unknown;
}

export interface UnknownField {
  /** The field's name. */
  name: string;
  msg: string;
}

/**
 * Every unknown field of the object an `additionalProperties` (or, with `onlyExtras`, a `required`)
 * error is about: Ajv stops at the first, but a caller fixing one misspelling wants to hear about
 * the next at once. Each comes with the closest known field suggested: a different case
 * (`filtertypes`) or a slip of a few letters.
 */
export function unknownFields(error: AdditionalPropertyError, options: { onlyExtras?: boolean } = {}): UnknownField[] {
  const first = (error.params as { additionalProperty?: string } | undefined)?.additionalProperty;
  const schema = isObject(error.parentSchema) ? error.parentSchema : {};
  // A `required` error is about the object too, but only a closed object's extra keys are errors.
  if (options.onlyExtras && schema.additionalProperties !== false) return [];
  const known = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  const names = isObject(error.data) ? Object.keys(error.data).filter((name) => !known.includes(name)) : [];
  if (names.length === 0 && first !== undefined) names.push(first);
  return names.map((name) => {
    const suggestion = closestName(name, known);
    return {
      name,
      msg:
        suggestion === null
          ? `unknown field "${name}"; the known fields here are: ${known.join(", ")}`
          : `unknown field "${name}" (did you mean ${suggestion}?)`,
    };
  });
}
