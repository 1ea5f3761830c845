import { FieldError } from "./errors.ts";

/**
 * Event types from an OpenAPI document's webhooks, as Svix's `POST /api/v1/event-type/import/openapi`
 * reads them: each entry of the top-level `webhooks` (OpenAPI 3.1) or `x-webhooks` (the 3.0
 * extension) is an event type named by its key, described by its operation's `description`
 * (else `summary`, else the request body's `description`), with the request body's JSON schema as
 * schema version "1" and the media type's examples as the schema's `examples` (which
 * `send-example` and the console read). Local `$ref`s (`#/components/…`) are inlined, so the stored
 * schema stands alone; a recursive one cannot be, and is refused with the path of the reference.
 */

export interface EventTypeFromOpenApi {
  name: string;
  description: string;
  schemas: Record<string, unknown> | null;
  deprecated: boolean;
}

type Json = Record<string, unknown>;

const NAME = /^[a-zA-Z0-9\-_.]{1,256}$/;
/** Operations looked at, in order; webhooks are POSTs in practice, but a path item may use another. */
const METHODS = ["post", "put", "patch", "get", "delete"];
/** Deeper than any hand-written schema; bounds the work of a hostile document of shared references. */
const MAX_INLINE_DEPTH = 64;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function eventTypesFromOpenApi(spec: unknown, loc: (string | number)[]): EventTypeFromOpenApi[] {
  if (!isObject(spec)) throw new FieldError(loc, "must be an OpenAPI document (an object)", "value_error");
  const key = isObject(spec.webhooks) ? "webhooks" : isObject(spec["x-webhooks"]) ? "x-webhooks" : null;
  if (!key) throw new FieldError(loc, "has no `webhooks` (or `x-webhooks`) section", "value_error");
  const resolver = new RefResolver(spec);
  return Object.entries(spec[key] as Json).map(([name, pathItem]) => {
    const here = [...loc, key, name];
    if (!NAME.test(name))
      throw new FieldError(here, "is not a valid event type name (letters, digits, `-`, `_`, `.`)", "value_error");
    const item = resolver.resolve(pathItem, here);
    const method = isObject(item) ? METHODS.find((m) => isObject(item[m])) : undefined;
    if (!method) throw new FieldError(here, "has no operation (post, put, …)", "value_error");
    const operation = (item as Json)[method] as Json;
    const body = resolver.resolve(operation.requestBody, [...here, method, "requestBody"]);
    const media = isObject(body) && isObject(body.content) ? mediaType(body.content) : undefined;
    const schema = media ? jsonSchemaWithExamples(media, resolver, [...here, method, "requestBody"]) : null;
    return {
      name,
      description:
        text(operation.description) ??
        text(operation.summary) ??
        (isObject(body) ? text(body.description) : undefined) ??
        "",
      schemas: schema ? { "1": schema } : null,
      deprecated: operation.deprecated === true,
    };
  });
}

const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);

/** `application/json`, else the first JSON-ish media type (`application/cloudevents+json`), else the first. */
function mediaType(content: Json): Json | undefined {
  const types = Object.keys(content);
  const chosen = types.find((t) => t === "application/json") ?? types.find((t) => /[/+]json\b/.test(t)) ?? types[0];
  const media = chosen === undefined ? undefined : content[chosen];
  return isObject(media) ? media : undefined;
}

function jsonSchemaWithExamples(media: Json, resolver: RefResolver, loc: (string | number)[]): Json | null {
  const schema = media.schema === undefined ? {} : resolver.inline(media.schema, [...loc, "schema"]);
  if (!isObject(schema)) return null;
  const examples: unknown[] = [];
  if (media.example !== undefined) examples.push(resolver.inline(media.example, [...loc, "example"]));
  if (isObject(media.examples)) {
    for (const [name, example] of Object.entries(media.examples)) {
      const resolved = resolver.resolve(example, [...loc, "examples", name]);
      if (isObject(resolved) && resolved.value !== undefined) examples.push(resolved.value);
    }
  }
  if (examples.length === 0 && schema.example !== undefined) examples.push(schema.example);
  if (examples.length === 0) return schema;
  return { ...schema, examples: [...examples, ...(Array.isArray(schema.examples) ? schema.examples : [])] };
}

/** Local references (`#/a/b`, JSON Pointer) within one document. */
class RefResolver {
  constructor(private readonly document: Json) {}

  /** Follows `$ref`s at the top of `value` only. */
  resolve(value: unknown, at: (string | number)[], seen = new Set<string>()): unknown {
    if (!isObject(value) || typeof value.$ref !== "string") return value;
    const ref = value.$ref;
    if (seen.has(ref)) throw new FieldError(at, `refers to itself through ${ref}`, "value_error");
    seen.add(ref);
    return this.resolve(this.target(ref, at), at, seen);
  }

  /** A copy of `value` with every `$ref` inside it replaced by what it points to. */
  inline(value: unknown, at: (string | number)[], chain: string[] = []): unknown {
    if (Array.isArray(value)) return value.map((v, i) => this.inline(v, [...at, i], chain));
    if (!isObject(value)) return value;
    if (chain.length > MAX_INLINE_DEPTH) throw new FieldError(at, "nests references too deeply", "value_error");
    if (typeof value.$ref === "string") {
      const ref = value.$ref;
      if (chain.includes(ref))
        throw new FieldError(
          at,
          `is recursive through ${ref}, which cannot be inlined into an event type's schema`,
          "value_error",
        );
      const { $ref: _ref, ...siblings } = value;
      const target = this.inline(this.target(ref, at), at, [...chain, ref]);
      return isObject(target) && Object.keys(siblings).length > 0 ? { ...target, ...siblings } : target;
    }
    const copy: Json = {};
    for (const [k, v] of Object.entries(value)) copy[k] = this.inline(v, [...at, k], chain);
    return copy;
  }

  private target(ref: string, at: (string | number)[]): unknown {
    if (!ref.startsWith("#/"))
      throw new FieldError(
        at,
        `refers to ${ref}: only references within the document (#/…) are followed`,
        "value_error",
      );
    let node: unknown = this.document;
    for (const raw of ref.slice(2).split("/")) {
      const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      if (!isObject(node) || !(part in node))
        throw new FieldError(at, `refers to ${ref}, which is not in the document`, "value_error");
      node = node[part];
    }
    return node;
  }
}
