import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { after, describe, test } from "node:test";
import { cli, explain, json } from "./support/cli-client.ts";
import { assertNoSecret, closeServers, envFor, file, server } from "./support/config-as-code.ts";
import type { TestHookline } from "./support/hookline.ts";

/**
 * Inbound sources in the file of `hookline plan` / `apply`, through the real binary against a
 * real server on the store of the run: created, changed and deleted (with --prune) by uid, a
 * secret taken only from `${ENV:NAME}` and never printed, and the applied secret proven by the
 * server accepting a real GitHub signature made with it (and refusing the old one after a change).
 */

after(closeServers);

const GITHUB_SECRET = "gh-secret-" + "a".repeat(24);
const NEW_GITHUB_SECRET = "gh-secret-" + "b".repeat(24);
const FALLBACK_SECRET = "gh-secret-" + "c".repeat(24);
const ALL_SECRETS = [GITHUB_SECRET, NEW_GITHUB_SECRET, FALLBACK_SECRET];

const SOURCES = (name: string, extra = "") => `sources:
  - uid: github
    name: ${name}
    type: github
    config:
      secret: \${ENV:GITHUB_SECRET}
${extra}    metadata: {team: platform}
    forwardHeaders: [X-GitHub-Event]
    response: {status: 202}
`;

/** Posts a GitHub delivery signed with `secret` to the source's ingest URL; the status it gets. */
async function githubDelivery(h: TestHookline, secret: string): Promise<number> {
  const source = await h.api("GET", "/ingest/api/v1/source/github");
  assert.equal(source.status, 200, source.text);
  const body = JSON.stringify({ zen: "Keep it logically awesome." });
  const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
  const response = await fetch(source.body.ingestUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": signature,
      "x-github-delivery": randomUUID(),
      "x-github-event": "ping",
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

describe("configuration as code: inbound sources", { concurrency: true }, () => {
  test("a source is created with its secret from the environment, and a second plan is empty", async () => {
    const h = await server();
    const env = envFor(h, { GITHUB_SECRET });
    const config = file("hookline.yaml", SOURCES("GitHub"));

    const plan = await cli(["plan", "-f", config], env);
    assert.equal(plan.code, 0, explain(plan));
    assert.match(plan.stdout, /Plan: 1 to create, 0 to update, 0 to delete/);
    assert.ok(plan.stdout.includes("+ source github"), explain(plan));
    assert.ok(plan.stdout.includes("config.secret: set from $GITHUB_SECRET (not shown)"), explain(plan));
    assertNoSecret(plan.stdout + plan.stderr, ALL_SECRETS);

    const applied = await cli(["apply", "-f", config, "--yes"], env);
    assert.equal(applied.code, 0, explain(applied));
    assertNoSecret(applied.stdout + applied.stderr, ALL_SECRETS);
    const source = await h.api("GET", "/ingest/api/v1/source/github");
    assert.equal(source.body.name, "GitHub");
    assert.equal(source.body.type, "github");
    assert.deepEqual(source.body.metadata, { team: "platform" });
    assert.deepEqual(source.body.forwardHeaders, ["x-github-event"]);
    assert.equal(source.body.response.status, 202);
    assert.equal(source.body.config.hasSecret, true);
    assert.equal(await githubDelivery(h, GITHUB_SECRET), 202, "the file's secret verifies a real delivery");
    assert.equal(await githubDelivery(h, NEW_GITHUB_SECRET), 401);

    // Header case, the response's defaults and the secret all compare equal to what the server stored.
    const second = json(await cli(["plan", "-f", config, "--json"], env));
    assert.deepEqual(second, { summary: { create: 0, update: 0, delete: 0 }, changes: [], kept: [] });
  });

  test("a changed secret, name and fallback are updates showing only variables; --prune deletes", async () => {
    const h = await server();
    const env = envFor(h, { GITHUB_SECRET });
    const initial = await cli(["apply", "-f", file("hookline.yaml", SOURCES("GitHub")), "--yes"], env);
    assert.equal(initial.code, 0, explain(initial));
    const other = await h.api("POST", "/ingest/api/v1/source", {
      name: "Legacy",
      uid: "legacy",
      type: "generic-webhook",
    });
    assert.equal(other.status, 201, other.text);

    // The variable now holds a new secret, and the old one becomes the fallback while providers switch.
    const rotating = file("rotating.yaml", SOURCES("GitHub (org)", "      fallbackSecret: ${ENV:GITHUB_FALLBACK}\n"));
    const rotated = { ...env, GITHUB_SECRET: NEW_GITHUB_SECRET, GITHUB_FALLBACK: GITHUB_SECRET };
    const plan = json(await cli(["plan", "-f", rotating, "--json"], rotated));
    assert.deepEqual(plan.summary, { create: 0, update: 1, delete: 0 });
    assert.deepEqual(plan.changes[0].fields, [
      { field: "name", from: "GitHub", to: "GitHub (org)" },
      { field: "config.fallbackSecret", fromVariable: "GITHUB_FALLBACK" },
      { field: "config.secret", fromVariable: "GITHUB_SECRET" },
    ]);
    assert.deepEqual(plan.kept, [{ kind: "source", name: "legacy" }]);
    const applied = await cli(["apply", "-f", rotating, "--yes"], rotated);
    assert.equal(applied.code, 0, explain(applied));
    assert.ok(applied.stdout.includes("config.secret: rotated to the value from $GITHUB_SECRET (not shown)"));
    assertNoSecret(applied.stdout + applied.stderr, ALL_SECRETS);
    assert.equal(await githubDelivery(h, NEW_GITHUB_SECRET), 202);
    assert.equal(await githubDelivery(h, GITHUB_SECRET), 202, "the fallback still verifies");

    // The rotation is over: the fallback leaves the file, so it leaves the source; --prune deletes legacy.
    const done = file("done.yaml", SOURCES("GitHub (org)"));
    const finished = await cli(["apply", "-f", done, "--yes", "--prune"], rotated);
    assert.equal(finished.code, 0, explain(finished));
    assert.ok(finished.stdout.includes('config.fallbackSecret: "(secret, not shown)" → null'), explain(finished));
    assert.ok(finished.stdout.includes("- source legacy"), explain(finished));
    assertNoSecret(finished.stdout + finished.stderr, ALL_SECRETS);
    assert.equal(await githubDelivery(h, GITHUB_SECRET), 401, "the old secret no longer verifies");
    assert.equal(await githubDelivery(h, NEW_GITHUB_SECRET), 202);
    assert.equal((await h.api("GET", "/ingest/api/v1/source/legacy")).status, 404);

    const settled = await cli(["plan", "-f", done, "--prune"], rotated);
    assert.equal(settled.code, 0, explain(settled));
    assert.match(settled.stdout, /No changes/);
  });

  test("a type change replaces the source and keeps what the file does not manage", async () => {
    const h = await server();
    const env = envFor(h, { GITHUB_SECRET });
    const initial = await cli(["apply", "-f", file("hookline.yaml", SOURCES("GitHub")), "--yes"], env);
    assert.equal(initial.code, 0, explain(initial));
    await h.api("PATCH", "/ingest/api/v1/source/github", { dedupeWindowSeconds: 60 });
    const generic = file(
      "generic.yaml",
      "sources:\n  - uid: github\n    name: GitHub\n    type: generic-webhook\n    config: {}\n",
    );
    const applied = await cli(["apply", "-f", generic, "--yes"], env);
    assert.equal(applied.code, 0, explain(applied));
    assert.ok(applied.stdout.includes('type: "github" → "generic-webhook"'), explain(applied));
    const source = await h.api("GET", "/ingest/api/v1/source/github");
    assert.equal(source.body.type, "generic-webhook");
    assert.equal(source.body.dedupeWindowSeconds, 60);
    assert.deepEqual(source.body.metadata, { team: "platform" });
    const settled = json(await cli(["plan", "-f", generic, "--json"], env));
    assert.deepEqual(settled.changes, []);
  });
});
