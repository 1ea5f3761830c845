import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { cli, explain, json } from "./support/cli-client.ts";
import { assertNoSecret, closeServers, envFor, file, NEW_SECRET, SECRET, server } from "./support/config-as-code.ts";
import type { TestHookline } from "./support/hookline.ts";

/**
 * Configuration as code through the real binary against a real server on the store of the run:
 * `hookline plan` / `apply` over a YAML file (creates, a second plan that is empty, an edit shown
 * as an update, deletions only with --prune, refusals naming the bad field and its line), and
 * `hookline environment export` / `import` and `event-type import-openapi`. No output ever holds
 * an endpoint's secret.
 */

after(closeServers);

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

async function assertApplied(h: TestHookline, url: string, secret: string) {
  const app = await h.api("GET", "/api/v1/app/acme");
  assert.equal(app.status, 200, app.text);
  assert.deepEqual(app.body.metadata, { tier: "gold" });
  const endpoint = await h.api("GET", "/api/v1/app/acme/endpoint/primary");
  assert.equal(endpoint.body.url, url);
  assert.deepEqual(endpoint.body.eventTypes, ["invoice.paid"]);
  assert.equal((await h.api("GET", "/api/v1/app/acme/endpoint/primary/secret")).body.key, secret);
  assert.deepEqual((await h.api("GET", "/api/v1/event-type/invoice.paid")).body.schemas["1"].examples, [
    { id: "in_1" },
  ]);
  assert.equal((await h.api("GET", "/api/v1/environment/settings")).body.displayName, "Acme Hooks");
}

describe("configuration as code", { concurrency: true }, () => {
  test("plan on an empty instance lists creates; apply needs --yes, creates, and a second plan is empty", async () => {
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
    await assertApplied(h, "https://example.com/hooks", SECRET);

    const second = json(await cli(["plan", "-f", config, "--json"], env));
    assert.deepEqual(second, { summary: { create: 0, update: 0, delete: 0 }, changes: [], kept: [] });
  });

  test("an edit shows as an update, and what the file does not name is deleted only with --prune", async () => {
    const h = await server();
    const env = envFor(h);
    const initial = await cli(
      ["apply", "-f", file("hookline.yaml", CONFIG("https://example.com/hooks", "Acme")), "--yes"],
      env,
    );
    assert.equal(initial.code, 0, explain(initial));
    const legacy = await h.api("POST", "/api/v1/app", { name: "Legacy", uid: "legacy" });
    assert.equal(legacy.status, 201, legacy.text);

    // An edited URL and name, and a rotated secret; apply prints the plan before applying it.
    const edited = file("edited.yaml", CONFIG("https://example.com/v2/hooks", "Acme Corp"));
    const rotated = { ...env, ACME_SECRET: NEW_SECRET };
    const editApply = await cli(["apply", "-f", edited, "--yes"], rotated);
    assert.equal(editApply.code, 0, explain(editApply));
    const out = editApply.stdout;
    assert.match(out, /Plan: 0 to create, 2 to update, 0 to delete/);
    assert.ok(out.includes("~ application acme"), explain(editApply));
    assert.ok(out.includes('name: "Acme" → "Acme Corp"'), explain(editApply));
    assert.ok(out.includes('url: "https://example.com/hooks" → "https://example.com/v2/hooks"'), explain(editApply));
    assert.ok(out.includes("secret: rotated to the value from $ACME_SECRET (not shown)"), explain(editApply));
    assert.match(out, /kept \(--prune would delete them\): application legacy/);
    assertNoSecret(out + editApply.stderr);
    await assertApplied(h, "https://example.com/v2/hooks", NEW_SECRET);
    assert.equal((await h.api("GET", "/api/v1/app/legacy")).status, 200, "without --prune nothing is deleted");

    const pruned = json(await cli(["apply", "-f", edited, "--prune", "--yes", "--json"], rotated));
    assert.deepEqual(pruned.changes, [{ action: "delete", kind: "application", name: "legacy", fields: [] }]);
    assert.equal(pruned.applied, 1);
    assert.equal((await h.api("GET", "/api/v1/app/legacy")).status, 404);
    assert.equal((await h.api("GET", "/api/v1/app/acme")).status, 200);

    const settled = await cli(["plan", "-f", edited, "--prune"], rotated);
    assert.equal(settled.code, 0, explain(settled));
    assert.match(settled.stdout, /No changes/);
  });
});
