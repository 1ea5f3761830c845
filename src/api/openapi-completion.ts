import { fieldDescription, PARAMETER_DESCRIPTIONS } from "./openapi-descriptions.ts";
import { exampleOf } from "./openapi-examples.ts";
import { OPERATIONS } from "./operation-docs.ts";
import { closedBodySchema } from "./unknown-fields.ts";

interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: unknown;
}
interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: boolean | Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Operation {
  tags?: string[];
  parameters?: { name: string; description?: string }[];
  operationId?: string;
  summary?: string;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
}
export interface OpenApiObject {
  paths?: Record<string, Record<string, Operation>>;
}

/** What @fastify/swagger writes for a response the route does not describe. */
const GENERATED_RESPONSE_DESCRIPTION = "Default Response";

/** What each status means across the API (the error statuses: docs/troubleshooting.md). */
const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  "200": "OK",
  "201": "Created",
  "202": "Accepted: stored durably; the work it starts happens in the background",
  "204": "Done; no body",
  "400": "The request is malformed, e.g. a body that is not valid JSON",
  "401": "The token is missing, malformed, unknown, expired or revoked",
  "404": "No such resource, or not visible to this token",
  "409": "Conflicts with an existing resource (a uid or name already taken)",
  "413": "The body is larger than the limit",
  "422": "A value is refused; `detail` names each one",
  "503": "The database is unreachable or read-only; retry after Retry-After seconds",
};

/**
 * What the route schemas do not say for themselves, added once for the whole document: each
 * operation's operationId and summary (src/api/operation-docs.ts) and an example of its request
 * body and of each successful response, derived from the schemas (src/api/openapi-examples.ts).
 * and a description of every field and parameter (src/api/openapi-descriptions.ts). A summary,
 * example or description a route sets itself wins.
 */
export function completeOpenApiDocument<T extends OpenApiObject>(generated: T): T {
  // A copy without shared objects: the generated document shares schema objects with the live
  // routes and between fields (one DateTime for createdAt and since), and a description given one
  // field must not appear on another or change what the server validates.
  const document = JSON.parse(JSON.stringify(generated)) as T;
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      const known = OPERATIONS[`${method.toUpperCase()} ${path}`];
      if (known) {
        operation.operationId ??= known.operationId;
        operation.summary ??= known.summary;
      }
      const tag = operation.tags?.[0] ?? "";
      // Ingest logs share their source's tag, but carry their own ids.
      const resource = /\/log(\/|$)/.test(path) ? "Ingest Log" : tag;
      for (const parameter of operation.parameters ?? [])
        parameter.description ??= PARAMETER_DESCRIPTIONS[parameter.name];
      for (const media of Object.values(operation.requestBody?.content ?? {})) {
        // As the server validates it: a field the schema does not list is refused (unknown-fields.ts).
        media.schema = closedBodySchema(media.schema);
        addExample(media, resource);
        describeFields(media.schema, tag);
      }
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === GENERATED_RESPONSE_DESCRIPTION && RESPONSE_DESCRIPTIONS[status])
          response.description = RESPONSE_DESCRIPTIONS[status];
        for (const media of Object.values(response.content ?? {})) {
          if (status.startsWith("2")) addExample(media, resource);
          describeFields(media.schema, tag);
        }
      }
    }
  }
  return document;
}

function addExample(media: Media, resource: string): void {
  if (media.example !== undefined || media.examples !== undefined || !media.schema) return;
  media.example = exampleOf(media.schema, undefined, resource);
}

function describeFields(schema: Schema | undefined, resource: string): void {
  if (!schema || typeof schema !== "object") return;
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    if (!hasDescription(field)) {
      const description = fieldDescription(name, resource);
      if (description) field.description = description;
    }
    describeFields(field, resource);
  }
  describeFields(schema.items, resource);
  if (typeof schema.additionalProperties === "object") describeFields(schema.additionalProperties, resource);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
    describeFields(branch, resource);
}

/** A nullable field (`anyOf: [X, null]`) often carries its description on the non-null branch. */
function hasDescription(field: Schema): boolean {
  return Boolean(field.description) || (field.anyOf ?? field.oneOf ?? []).some((branch) => Boolean(branch.description));
}
