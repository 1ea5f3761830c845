import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { cli, explain, json } from "./support/cli-client.ts";
import { assertNoSecret, closeServers, envFor, file, SECRET, server } from "./support/config-as-code.ts";

/**
 * `hookline environment export` / `import` and `hookline event-type import-openapi` as the real
 * binary against real servers on the store of the run; an export is also a plan file that a
 * freshly imported instance matches. No output holds an endpoint's secret.
 */

after(closeServers);

describe("environment and OpenAPI import from the command line", { concurrency: true }, () => {
  test("an export imports into a fresh instance and is itself a plan file with nothing to change", async () => {
    const [source, target] = await Promise.all([server(), server()]);
    for (const body of [
      { name: "invoice.paid", description: "Paid", schemas: { "1": { type: "object", examples: [{ id: "in_1" }] } } },
      { name: "invoice.voided", description: "Voided", deprecated: true },
    ])
      assert.equal((await source.api("POST", "/api/v1/event-type", body)).status, 201);
    await source.api("POST", "/api/v1/environment/import", { settings: { displayName: "Acme Hooks" } });
    await source.api("POST", "/api/v1/app", { name: "Acme", uid: "acme" });
    await source.api("POST", "/api/v1/app/acme/endpoint", { url: "https://example.com/h", secret: SECRET });

    const exported = await cli(["environment", "export"], envFor(source));
    assert.equal(exported.code, 0, explain(exported));
    assertNoSecret(exported.stdout);
    const envFile = file("env.json", exported.stdout);

    const imported = await cli(["environment", "import", envFile], envFor(target));
    assert.equal(imported.code, 0, explain(imported));
    const names = (await target.api("GET", "/api/v1/event-type?include_archived=true")).body.data.map(
      (e: { name: string; description: string; deprecated: boolean }) => `${e.name} ${e.description} ${e.deprecated}`,
    );
    assert.deepEqual(names, ["invoice.paid Paid false", "invoice.voided Voided true"]);
    assert.deepEqual((await target.api("GET", "/api/v1/event-type/invoice.paid")).body.schemas, {
      "1": { type: "object", examples: [{ id: "in_1" }] },
    });
    assert.equal((await target.api("GET", "/api/v1/environment/settings")).body.displayName, "Acme Hooks");

    const roundTrip = await cli(["plan", "-f", envFile], envFor(target));
    assert.equal(roundTrip.code, 0, explain(roundTrip));
    assert.match(roundTrip.stdout, /No changes/);
  });

  test("event-type import-openapi creates types from webhooks, and a re-import changes nothing", async () => {
    const h = await server();
    const spec = file(
      "openapi.yaml",
      `openapi: 3.1.0
info: {title: Billing, version: "1"}
webhooks:
  invoice.paid:
    post:
      description: An invoice was paid
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Invoice"}
            example: {id: in_1, amount: 4200}
components:
  schemas:
    Invoice: {type: object, required: [id], properties: {id: {type: string}, amount: {type: integer}}}
`,
    );
    const first = json(await cli(["event-type", "import-openapi", spec, "--json"], envFor(h)));
    assert.deepEqual(first.data.modified, ["invoice.paid"]);
    const stored = (await h.api("GET", "/api/v1/event-type/invoice.paid")).body;
    assert.equal(stored.description, "An invoice was paid");
    assert.deepEqual(stored.schemas["1"].required, ["id"]);
    assert.deepEqual(stored.schemas["1"].examples, [{ id: "in_1", amount: 4200 }]);
    const again = await cli(["event-type", "import-openapi", spec, "--table"], envFor(h));
    assert.equal(again.code, 0, explain(again));
    assert.match(again.stdout, /nothing to change/);
  });
});
