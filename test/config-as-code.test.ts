import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { cli, explain, json, removeTempDirs, tempDir } from "./support/cli-client.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/**
 * Configuration as code through the real binary against a real server on the store of the run:
 * `hookline plan` / `apply` over a YAML file (creates, a second plan that is empty, an edit shown
 * as an update, deletions only with --prune, refusals naming the bad field and its line), and
 * `hookline environment export` / `import` and `event-type import-openapi`. No output ever holds
 * an endpoint's secret.
 */

const servers: TestHookline[] = [];

async function server(): Promise<TestHookline> {
  const h = await startTestHookline();
  servers.push(h);
  return h;
}

after(async () => {
  await Promise.all(servers.map((h) => h.close()));
  removeTempDirs();
});

const SECRET = "whsec_" + Buffer.alloc(24, 5).toString("base64");
const NEW_SECRET = "whsec_" + Buffer.alloc(24, 6).toString("base64");

const envFor = (h: TestHookline, extra: Record<string, string> = {}) => ({
  HOOKLINE_URL: h.url,
  HOOKLINE_TOKEN: TEST_TOKEN,
  XDG_CONFIG_HOME: tempDir(),
  ACME_SECRET: SECRET,
  ...extra,
});

function file(name: string, text: string): string {
  const p = path.join(tempDir(), name);
  writeFileSync(p, text);
  return p;
}

const CONFIG = (url: string, appName: string) => `# hookline.yaml
eventTypes:
  - name: invoice.paid
    description: An invoice was paid
    schemas:
      "1":
        type: object
        properties: {id: {type: string}}
        examples: [{id: in_1}]
applications:
  - uid: acme
    name: ${appName}
    metadata: {tier: gold}
    endpoints:
      - uid: primary
        url: ${url}
        eventTypes: [invoice.paid]
        secret: \${ENV:ACME_SECRET}
settings:
  displayName: Acme Hooks
`;

function assertNoSecret(text: string) {
  assert.ok(!text.includes(SECRET) && !text.includes(NEW_SECRET), `a secret was printed:\n${text}`);
}

describe("configuration as code", { concurrency: true }, () => {
  test("plan, apply, an empty second plan, an edit, and deletions only with --prune", async () => {
    const h = await server();
    const env = envFor(h);
    const config = file("hookline.yaml", CONFIG("https://example.com/hooks", "Acme"));

    const plan = await cli(["plan", "-f", config], env);
    assert.equal(plan.code, 0, explain(plan));
    for (const line of ["+ event-type invoice.paid", "+ application acme", "+ endpoint acme/primary", "~ settings"])
      assert.ok(plan.stdout.includes(line), `${line}\n${explain(plan)}`);
    assert.match(plan.stdout, /Plan: 3 to create, 1 to update, 0 to delete/);
    assert.match(plan.stdout, /secret: set from \$ACME_SECRET \(not shown\)/);
    assertNoSecret(plan.stdout + plan.stderr);

    // No terminal to confirm on and no --yes: a usage error, and nothing changes.
    const unconfirmed = await cli(["apply", "-f", config], env);
    assert.equal(unconfirmed.code, 2, explain(unconfirmed));
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 404);

    const applied = await cli(["apply", "-f", config, "--yes"], env);
    assert.equal(applied.code, 0, explain(applied));
    assert.match(applied.stdout, /Applied: 3 created, 1 updated, 0 deleted/);
    assertNoSecret(applied.stdout + applied.stderr);
    const app = await h.api("GET", "/api/v1/app/acme");
    assert.equal(app.body.name, "Acme");
    assert.deepEqual(app.body.metadata, { tier: "gold" });
    const endpoint = await h.api("GET", "/api/v1/app/acme/endpoint/primary");
    assert.equal(endpoint.body.url, "https://example.com/hooks");
    assert.deepEqual(endpoint.body.eventTypes, ["invoice.paid"]);
    assert.equal((await h.api("GET", "/api/v1/app/acme/endpoint/primary/secret")).body.key, SECRET);
    assert.deepEqual((await h.api("GET", "/api/v1/event-type/invoice.paid")).body.schemas["1"].examples, [
      { id: "in_1" },
    ]);
    assert.equal((await h.api("GET", "/api/v1/environment/settings")).body.displayName, "Acme Hooks");

    const second = json(await cli(["plan", "-f", config, "--json"], env));
    assert.deepEqual(second, { summary: { create: 0, update: 0, delete: 0 }, changes: [], kept: [] });

    // An edit, a rotated secret and an application the file does not name.
    const legacy = await h.api("POST", "/api/v1/app", { name: "Legacy", uid: "legacy" });
    assert.equal(legacy.status, 201, legacy.text);
    const edited = file("edited.yaml", CONFIG("https://example.com/v2/hooks", "Acme Corp"));
    const rotated = { ...env, ACME_SECRET: NEW_SECRET };
    const editPlan = await cli(["plan", "-f", edited], rotated);
    assert.equal(editPlan.code, 0, explain(editPlan));
    assert.ok(editPlan.stdout.includes("~ application acme"), explain(editPlan));
    assert.ok(editPlan.stdout.includes('name: "Acme" → "Acme Corp"'), explain(editPlan));
    assert.ok(editPlan.stdout.includes('url: "https://example.com/hooks" → "https://example.com/v2/hooks"'));
    assert.ok(editPlan.stdout.includes("secret: rotated to the value from $ACME_SECRET (not shown)"));
    assert.match(editPlan.stdout, /kept \(--prune would delete them\): application legacy/);
    assertNoSecret(editPlan.stdout + editPlan.stderr);

    const editApply = await cli(["apply", "-f", edited, "--yes", "--json"], rotated);
    const editResult = json(editApply);
    assert.deepEqual(editResult.summary, { create: 0, update: 2, delete: 0 });
    assertNoSecret(editApply.stdout);
    assert.equal((await h.api("GET", "/api/v1/app/acme/endpoint/primary")).body.url, "https://example.com/v2/hooks");
    assert.equal((await h.api("GET", "/api/v1/app/acme/endpoint/primary/secret")).body.key, NEW_SECRET);
    assert.equal((await h.api("GET", "/api/v1/app/legacy")).status, 200, "without --prune nothing is deleted");

    const prunePlan = json(await cli(["plan", "-f", edited, "--prune", "--json"], rotated));
    assert.deepEqual(prunePlan.changes, [{ action: "delete", kind: "application", name: "legacy", fields: [] }]);
    const pruned = await cli(["apply", "-f", edited, "--prune", "--yes"], rotated);
    assert.equal(pruned.code, 0, explain(pruned));
    assert.equal((await h.api("GET", "/api/v1/app/legacy")).status, 404);
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 200);

    const settled = await cli(["plan", "-f", edited, "--prune"], rotated);
    assert.equal(settled.code, 0, explain(settled));
    assert.match(settled.stdout, /No changes/);
  });

  test("an invalid file is refused with the path and line of each bad field, exit 5", async () => {
    const h = await server();
    const bad = file(
      "bad.yaml",
      `applications:
  - uid: acme
    name: Acme
    endpoints:
      - uid: primary
        urll: https://example.com/hooks
      - uid: second
        url: https://example.com/2
        secret: ${SECRET}
`,
    );
    const refused = await cli(["plan", "-f", bad], envFor(h));
    assert.equal(refused.code, 5, explain(refused));
    assert.ok(
      refused.stderr.includes('bad.yaml:6: applications[0].endpoints[0].urll: unknown field (did you mean "url"?)'),
      explain(refused),
    );
    assert.ok(refused.stderr.includes("bad.yaml:5: applications[0].endpoints[0].url: is required"), explain(refused));
    assert.ok(refused.stderr.includes("bad.yaml:9: applications[0].endpoints[1].secret: must be ${ENV:NAME}"));
    assertNoSecret(refused.stdout + refused.stderr);

    const unset = file(
      "unset.yaml",
      "applications:\n  - uid: acme\n    name: Acme\n    endpoints:\n      - uid: p\n        url: https://example.com/h\n        secret: ${ENV:HOOKLINE_TEST_UNSET_SECRET}\n",
    );
    const missing = await cli(["apply", "-f", unset, "--yes"], envFor(h));
    assert.equal(missing.code, 5, explain(missing));
    assert.match(
      missing.stderr,
      /unset\.yaml:7: applications\[0\]\.endpoints\[0\]\.secret: the environment variable HOOKLINE_TEST_UNSET_SECRET is not set/,
    );
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 404, "nothing was applied");
  });

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
