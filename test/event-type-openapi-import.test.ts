import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * `POST /api/v1/event-type/import/openapi` on the store of the run: event types with their
 * schemas (references inlined) and examples from a document's webhooks; a second import of the
 * same document modifies nothing; a changed one updates; dry run and replaceAll; refusals.
 */

let h: TestHookline;

before(async () => {
  h = await startTestHookline();
});

after(async () => {
  await h?.close();
});

const SPEC_YAML = (petDescription: string) => `
openapi: 3.1.0
info: {title: Pets, version: "1.0.0"}
webhooks:
  pet.new:
    post:
      description: ${petDescription}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Pet"}
            examples:
              rex: {value: {id: 1, name: Rex}}
      responses: {"200": {description: ok}}
  pet.gone:
    post:
      summary: A pet left
      deprecated: true
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {id: {type: integer}}}
            example: {id: 2}
      responses: {"200": {description: ok}}
components:
  schemas:
    Pet:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, format: int64}
        name: {type: string}
        owner: {$ref: "#/components/schemas/Owner"}
    Owner:
      type: object
      properties: {email: {type: string}}
`;

const importSpec = (body: Record<string, unknown>) => h.api("POST", "/api/v1/event-type/import/openapi", body);

describe("event types from an OpenAPI document", () => {
  test("creates types with inlined schemas and examples, then updates only what changed", async () => {
    const dry = await importSpec({ specRaw: SPEC_YAML("A new pet"), dryRun: true });
    assert.equal(dry.status, 200, dry.text);
    assert.deepEqual(dry.body.data.modified, []);
    assert.deepEqual(dry.body.data.to_modify.map((e: { name: string }) => e.name).sort(), ["pet.gone", "pet.new"]);
    assert.equal((await h.api("GET", "/api/v1/event-type/pet.new")).status, 404, "a dry run changes nothing");

    const first = await importSpec({ specRaw: SPEC_YAML("A new pet") });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.data.modified.sort(), ["pet.gone", "pet.new"]);

    const pet = (await h.api("GET", "/api/v1/event-type/pet.new")).body;
    assert.equal(pet.description, "A new pet");
    assert.equal(pet.deprecated, false);
    const schema = pet.schemas["1"];
    assert.deepEqual(schema.required, ["id", "name"]);
    assert.deepEqual(schema.properties.owner, { type: "object", properties: { email: { type: "string" } } });
    assert.ok(!JSON.stringify(schema).includes("$ref"), "references are inlined");
    assert.deepEqual(schema.examples, [{ id: 1, name: "Rex" }]);
    const gone = (await h.api("GET", "/api/v1/event-type/pet.gone")).body;
    assert.equal(gone.description, "A pet left");
    assert.equal(gone.deprecated, true);
    assert.deepEqual(gone.schemas["1"].examples, [{ id: 2 }]);

    // The example is what a message of the type is checked against and sent with.
    const app = await h.api("POST", "/api/v1/app", { name: "Pets" });
    const message = await h.api("POST", `/api/v1/app/${app.body.id}/msg`, {
      eventType: "pet.new",
      payload: schema.examples[0],
    });
    assert.equal(message.status, 202, message.text);

    const again = await importSpec({ specRaw: SPEC_YAML("A new pet") });
    assert.deepEqual(again.body.data.modified, [], "the same document twice modifies nothing");

    const changed = await importSpec({ specRaw: SPEC_YAML("A pet joined the family") });
    assert.deepEqual(changed.body.data.modified, ["pet.new"]);
    assert.equal((await h.api("GET", "/api/v1/event-type/pet.new")).body.description, "A pet joined the family");
  });

  test("replaceAll archives what the document does not name, and a re-import unarchives", async () => {
    const other = await h.api("POST", "/api/v1/event-type", { name: "order.placed", description: "An order" });
    assert.equal(other.status, 201, other.text);
    const spec = {
      openapi: "3.0.3",
      info: { title: "x", version: "1" },
      "x-webhooks": { "order.shipped": { post: { description: "Shipped" } } },
    };
    const dry = await importSpec({ spec, replaceAll: true, dryRun: true });
    assert.equal(dry.status, 200, dry.text);
    assert.ok(dry.body.data.archived.includes("order.placed"));
    assert.equal((await h.api("GET", "/api/v1/event-type/order.placed")).body.archived, false);

    const real = await importSpec({ spec, replaceAll: true });
    assert.ok(real.body.data.modified.includes("order.shipped"));
    assert.ok(real.body.data.modified.includes("order.placed"));
    assert.equal((await h.api("GET", "/api/v1/event-type/order.placed")).body.archived, true);
    assert.equal((await h.api("GET", "/api/v1/event-type/order.shipped")).body.schemas, null);

    const back = await importSpec({
      spec: { ...spec, "x-webhooks": { "order.placed": { post: { description: "An order" } } } },
    });
    assert.deepEqual(back.body.data.modified, ["order.placed"]);
    assert.equal((await h.api("GET", "/api/v1/event-type/order.placed")).body.archived, false);
  });

  test("refuses what it cannot import, with the place of the problem, and writes nothing", async () => {
    const neither = await importSpec({});
    assert.equal(neither.status, 400, neither.text);
    const both = await importSpec({ spec: { webhooks: {} }, specRaw: "webhooks: {}" });
    assert.equal(both.status, 400, both.text);
    const notYaml = await importSpec({ specRaw: "webhooks: [" });
    assert.equal(notYaml.status, 422, notYaml.text);
    assert.deepEqual(notYaml.body.detail[0].loc, ["body", "specRaw"]);
    const noWebhooks = await importSpec({ spec: { openapi: "3.1.0", paths: {} } });
    assert.equal(noWebhooks.status, 422, noWebhooks.text);
    const recursive = await importSpec({
      spec: {
        webhooks: {
          "tree.new": {
            post: {
              requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Node" } } } },
            },
          },
        },
        components: {
          schemas: { Node: { type: "object", properties: { child: { $ref: "#/components/schemas/Node" } } } },
        },
      },
    });
    assert.equal(recursive.status, 422, recursive.text);
    assert.match(recursive.body.detail[0].msg, /recursive/);
    const badName = await importSpec({ spec: { webhooks: { "bad name!": { post: {} } } } });
    assert.equal(badName.status, 422, badName.text);
    assert.equal((await h.api("GET", "/api/v1/event-type/tree.new")).status, 404);
  });

  test("an application token may not import", async () => {
    const app = await h.api("POST", "/api/v1/app", { name: "Tenant" });
    const token = await h.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
    const res = await h.api(
      "POST",
      "/api/v1/event-type/import/openapi",
      { specRaw: SPEC_YAML("x") },
      { authorization: `Bearer ${token.body.token}` },
    );
    assert.equal(res.status, 403, res.text);
  });
});
