import { exampleOf } from "./openapi-examples.ts";
import { OPERATIONS } from "./operation-docs.ts";

interface Media {
  schema?: object;
  example?: unknown;
  examples?: unknown;
}
interface Operation {
  tags?: string[];
  operationId?: string;
  summary?: string;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
export interface OpenApiObject {
  paths?: Record<string, Record<string, Operation>>;
}

/**
 * What the route schemas do not say for themselves, added once for the whole document: each
 * operation's operationId and summary (src/api/operation-docs.ts) and an example of its request
 * body and of each successful response, derived from the schemas (src/api/openapi-examples.ts).
 * A summary or example a route sets itself wins.
 */
export function completeOpenApiDocument<T extends OpenApiObject>(document: T): T {
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(methods)) {
      const known = OPERATIONS[`${method.toUpperCase()} ${path}`];
      if (known) {
        operation.operationId ??= known.operationId;
        operation.summary ??= known.summary;
      }
      // Ingest logs share their source's tag, but carry their own ids.
      const resource = /\/log(\/|$)/.test(path) ? "Ingest Log" : (operation.tags?.[0] ?? "");
      for (const media of Object.values(operation.requestBody?.content ?? {})) addExample(media, resource);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!status.startsWith("2")) continue;
        for (const media of Object.values(response.content ?? {})) addExample(media, resource);
      }
    }
  }
  return document;
}

function addExample(media: Media, resource: string): void {
  if (media.example !== undefined || media.examples !== undefined || !media.schema) return;
  media.example = exampleOf(media.schema, undefined, resource);
}
