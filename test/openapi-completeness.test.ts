import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { generateOpenApiDocument } from "../src/api/openapi-document.ts";
import { OPERATIONS } from "../src/api/operation-docs.ts";

/**
 * What a reader of the API reference (/docs) and an SDK generator need from every operation: a
 * stable operationId, a summary, and an example of the request body (when there is one) and of the
 * successful response (when it has a body); and `servers`, so a client knows where to send it.
 */

interface Media {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Schema {
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
}
interface Operation {
  parameters?: { name: string; in: string; description?: string }[];
  operationId?: string;
  summary?: string;
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
}
interface Document {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

let document: Document;
let operations: { name: string; operation: Operation }[];
before(async () => {
  document = JSON.parse(await generateOpenApiDocument()) as Document;
  operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, operation })),
  );
});

const hasExample = (media: Media) => media.example !== undefined || Object.keys(media.examples ?? {}).length > 0;

describe("the OpenAPI document", () => {
  it("names its servers", () => {
    assert.ok((document.servers ?? []).length > 0, "servers is missing");
    for (const server of document.servers!) assert.ok(server.url, "a server without a url");
  });

  it("gives every operation a unique operationId", () => {
    const missing = operations.filter((o) => !o.operation.operationId).map((o) => o.name);
    assert.deepEqual(missing, [], "operations without an operationId");
    const ids = operations.map((o) => o.operation.operationId);
    assert.deepEqual(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      "operationIds used twice",
    );
  });

  it("names only operations that exist in its table of operationIds and summaries", () => {
    const existing = new Set(operations.map((o) => o.name));
    assert.deepEqual(
      Object.keys(OPERATIONS).filter((key) => !existing.has(key)),
      [],
      "entries in src/api/operation-docs.ts for routes that do not exist",
    );
  });

  it("gives every operation a summary", () => {
    const missing = operations.filter((o) => !o.operation.summary?.trim()).map((o) => o.name);
    assert.deepEqual(missing, [], "operations without a summary");
  });

  it("shows an example of every request body", () => {
    const missing = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.requestBody?.content ?? {})
        .filter(([, media]) => !hasExample(media))
        .map(([type]) => `${name} (${type})`),
    );
    assert.deepEqual(missing, [], "request bodies without an example");
  });

  it("shows an example of every successful response that has a body", () => {
    const missing = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses ?? {})
        .filter(([status]) => status.startsWith("2"))
        .flatMap(([status, response]) =>
          Object.entries(response.content ?? {})
            .filter(([, media]) => !hasExample(media))
            .map(([type]) => `${name} -> ${status} (${type})`),
        ),
    );
    assert.deepEqual(missing, [], "responses without an example");
  });

  it("shows examples that the operation's own schemas accept", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const invalid: string[] = [];
    const check = (where: string, media: Media) => {
      if (media.example === undefined || !media.schema) return;
      const validate = ajv.compile(media.schema);
      if (!validate(media.example)) invalid.push(`${where}: ${ajv.errorsText(validate.errors)}`);
    };
    for (const { name, operation } of operations) {
      for (const media of Object.values(operation.requestBody?.content ?? {})) check(`${name} request`, media);
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (status.startsWith("2"))
          for (const media of Object.values(response.content ?? {})) check(`${name} -> ${status}`, media);
    }
    assert.deepEqual(invalid, [], "examples their schema refuses");
  });

  it("describes every parameter and every field of every body", () => {
    const undescribed = new Set<string>();
    const walk = (where: string, schema: Schema | undefined) => {
      if (!schema) return;
      for (const [name, field] of Object.entries(schema.properties ?? {})) {
        const described = field.description || (field.anyOf ?? []).some((branch) => branch.description);
        if (!described) undescribed.add(`${where}: ${name}`);
        walk(where, field);
      }
      walk(where, schema.items);
      for (const branch of schema.anyOf ?? []) walk(where, branch);
    };
    for (const { name, operation } of operations) {
      for (const p of operation.parameters ?? []) if (!p.description) undescribed.add(`${name}: ${p.in} ${p.name}`);
      for (const media of Object.values(operation.requestBody?.content ?? {})) walk(`${name} request`, media.schema);
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        for (const media of Object.values(response.content ?? {})) walk(`${name} -> ${status}`, media.schema);
    }
    assert.deepEqual([...undescribed], [], "fields and parameters without a description");
  });
});
