import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * The applications of `POST /api/v1/environment/export` and `/import` (a Hookline addition): an
 * export imports into a fresh instance and reproduces the applications and endpoints; a secret is
 * in it only when asked for; an import that names something without a uid changes nothing.
 */

let source: TestHookline;
let target: TestHookline;

before(async () => {
  [source, target] = await Promise.all([startTestHookline(), startTestHookline()]);
});

after(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

const SECRET = "whsec_" + Buffer.alloc(24, 7).toString("base64");

/** What an import must reproduce of an endpoint: everything but its id and timestamps. */
const settingsOf = (e: Record<string, unknown>) => {
  const { id: _i, createdAt: _c, updatedAt: _u, version: _v, ...rest } = e;
  return rest;
};

describe("environment export and import of applications", () => {
  test("an export with applications reproduces them and their endpoints in a fresh instance", async () => {
    for (const name of ["invoice.paid", "invoice.voided"]) {
      const res = await source.api("POST", "/api/v1/event-type", { name, description: name });
      assert.equal(res.status, 201, res.text);
    }
    const app = await source.api("POST", "/api/v1/app", {
      name: "Acme",
      uid: "acme",
      rateLimit: 20,
      metadata: { team: "billing" },
    });
    assert.equal(app.status, 201, app.text);
    const primary = await source.api("POST", "/api/v1/app/acme/endpoint", {
      uid: "primary",
      url: "https://example.com/hooks",
      description: "main receiver",
      secret: SECRET,
      filterTypes: ["invoice.paid"],
      channels: ["eu"],
      rateLimit: 5,
      metadata: { owner: "ops" },
    });
    assert.equal(primary.status, 201, primary.text);
    const spare = await source.api("POST", "/api/v1/app/acme/endpoint", {
      uid: "spare",
      url: "https://example.org/spare",
      disabled: true,
      // Not a `filter`: checking one needs the expression sandbox, which a loaded machine may keep busy past 10 s.
      format: "cloudevents-structured",
      ordered: true,
    });
    assert.equal(spare.status, 201, spare.text);

    const anonymous = await source.api("POST", "/api/v1/app/acme/endpoint", { url: "https://example.net/x" });
    assert.equal(anonymous.status, 201, anonymous.text);

    const plain = await source.api("POST", "/api/v1/environment/export");
    assert.equal(plain.status, 200, plain.text);
    assert.ok(!plain.text.includes(SECRET), "no secret without includeSecrets");
    assert.deepEqual(
      plain.body.applications.map((a: { uid: string; endpoints: { uid: string }[] }) => [
        a.uid,
        a.endpoints.map((e) => e.uid),
      ]),
      [["acme", ["primary", "spare"]]],
    );
    assert.ok(plain.body.applications[0].endpoints.every((e: object) => !("secret" in e)));
    assert.deepEqual(plain.body.skipped, [{ application: app.body.id, endpoint: anonymous.body.id }]);

    const withSecrets = await source.api("POST", "/api/v1/environment/export", { includeSecrets: true });
    assert.equal(withSecrets.status, 200, withSecrets.text);
    const exportedPrimary = withSecrets.body.applications[0].endpoints[0];
    assert.equal(exportedPrimary.secret, SECRET);

    const imported = await target.api("POST", "/api/v1/environment/import", withSecrets.body);
    assert.equal(imported.status, 204, imported.text);

    const [sourceApp, targetApp] = await Promise.all([source, target].map((h) => h.api("GET", "/api/v1/app/acme")));
    assert.equal(targetApp!.status, 200, targetApp!.text);
    for (const field of ["uid", "name", "rateLimit", "metadata"])
      assert.deepEqual(targetApp!.body[field], sourceApp!.body[field], field);
    const [sourceEps, targetEps] = await Promise.all(
      [source, target].map((h) => h.api("GET", "/api/v1/app/acme/endpoint?order=ascending")),
    );
    const byUid = (list: Record<string, unknown>[]) =>
      Object.fromEntries(list.filter((e) => e.uid !== null).map((e) => [e.uid as string, settingsOf(e)]));
    assert.deepEqual(byUid(targetEps!.body.data), byUid(sourceEps!.body.data));
    const secret = await target.api("GET", "/api/v1/app/acme/endpoint/primary/secret");
    assert.equal(secret.body.key, SECRET, "the secret came with the export that asked for it");

    // Importing again updates in place: no duplicates, nothing deleted.
    const changed = structuredClone(plain.body);
    changed.applications[0].endpoints[0].description = "changed";
    changed.applications[0].endpoints = [changed.applications[0].endpoints[0]];
    const again = await target.api("POST", "/api/v1/environment/import", changed);
    assert.equal(again.status, 204, again.text);
    const after = await target.api("GET", "/api/v1/app/acme/endpoint?order=ascending");
    assert.deepEqual(
      after.body.data.map((e: { uid: string; description: string }) => `${e.uid}: ${e.description}`),
      ["primary: changed", "spare: "],
    );
    const kept = await target.api("GET", "/api/v1/app/acme/endpoint/primary/secret");
    assert.equal(kept.body.key, SECRET, "an existing endpoint keeps its secret");
  });

  test("an import naming an application or endpoint without a uid is refused and changes nothing", async () => {
    const fresh = await startTestHookline();
    try {
      const noAppUid = await fresh.api("POST", "/api/v1/environment/import", {
        eventTypes: [{ name: "a.ok", description: "fine" }],
        applications: [{ uid: "fine", name: "Fine" }, { name: "Anonymous" }],
      });
      assert.equal(noAppUid.status, 422, noAppUid.text);
      assert.deepEqual(noAppUid.body.detail[0].loc.map(String), ["body", "applications", "1", "uid"]);
      assert.match(noAppUid.body.detail[0].msg, /no uid/);
      const noEndpointUid = await fresh.api("POST", "/api/v1/environment/import", {
        applications: [{ uid: "fine", name: "Fine", endpoints: [{ url: "https://example.com/x" }] }],
      });
      assert.equal(noEndpointUid.status, 422, noEndpointUid.text);
      assert.deepEqual(noEndpointUid.body.detail[0].loc.map(String), [
        "body",
        "applications",
        "0",
        "endpoints",
        "0",
        "uid",
      ]);
      const unknownType = await fresh.api("POST", "/api/v1/environment/import", {
        applications: [
          { uid: "fine", name: "Fine", endpoints: [{ uid: "e", url: "https://example.com/x", eventTypes: ["nope"] }] },
        ],
      });
      assert.equal(unknownType.status, 422, unknownType.text);
      const badSecret = await fresh.api("POST", "/api/v1/environment/import", {
        applications: [
          { uid: "fine", name: "Fine", endpoints: [{ uid: "e", url: "https://example.com/x", secret: "x" }] },
        ],
      });
      assert.equal(badSecret.status, 422, badSecret.text);
      assert.deepEqual((await fresh.api("GET", "/api/v1/app")).body.data, []);
      assert.deepEqual((await fresh.api("GET", "/api/v1/event-type")).body.data, []);
    } finally {
      await fresh.close();
    }
  });
});
