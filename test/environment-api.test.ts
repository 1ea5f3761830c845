import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Svix } from "svix";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/**
 * `POST /api/v1/environment/export` and `/import` and `GET /api/v1/environment/settings`, on the
 * store of the run: an export imports into a fresh instance and reproduces its event catalog and
 * settings; a refused import writes nothing; no secret is ever in an export.
 */

let source: TestHookline;
let target: TestHookline;

before(async () => {
  [source, target] = await Promise.all([startTestHookline(), startTestHookline()]);
});

after(async () => {
  await Promise.all([source?.close(), target?.close()]);
});

const INVOICE_SCHEMA = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string" }, amount: { type: "integer" } },
  examples: [{ id: "in_1", amount: 4200 }],
};
const SECRET = "whsec_" + Buffer.alloc(24, 3).toString("base64");

describe("environment export and import", () => {
  test("a fresh instance answers Svix's default settings", async () => {
    const res = await target.api("GET", "/api/v1/environment/settings");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.displayName, null);
    assert.equal(res.body.enableChannels, false);
    assert.equal(res.body.showUseSvixPlay, true);
    assert.deepEqual(res.body.advancedEndpointTypes, []);
  });

  test("an export imports into a fresh instance and reproduces the event types and settings", async () => {
    for (const body of [
      {
        name: "invoice.paid",
        description: "An invoice was paid",
        schemas: { "1": INVOICE_SCHEMA },
        groupName: "billing",
      },
      { name: "invoice.voided", description: "Voided", deprecated: true, retrySchedule: [5, 60] },
      { name: "user.gone", description: "Old", archived: true, featureFlags: ["beta"] },
    ]) {
      const res = await source.api("POST", "/api/v1/event-type", body);
      assert.equal(res.status, 201, res.text);
    }
    const app = await source.api("POST", "/api/v1/app", { name: "Acme", uid: "acme" });
    const ep = await source.api("POST", "/api/v1/app/acme/endpoint", {
      url: "https://example.com/hooks",
      secret: SECRET,
      headers: { authorization: "Bearer very-secret-header" },
    });
    assert.equal(app.status, 201, app.text);
    assert.equal(ep.status, 201, ep.text);
    const settings = await source.api("POST", "/api/v1/environment/import", {
      settings: { displayName: "Acme Hooks", enableChannels: true, colorPaletteLight: { primary: "#112233" } },
    });
    assert.equal(settings.status, 204, settings.text);

    const exported = await source.api("POST", "/api/v1/environment/export");
    assert.equal(exported.status, 200, exported.text);
    assert.equal(exported.body.version, 1);
    assert.deepEqual(exported.body.connectors, []);
    assert.deepEqual(
      exported.body.eventTypes.map((e: { name: string }) => e.name),
      ["invoice.paid", "invoice.voided", "user.gone"],
    );
    assert.equal(exported.body.settings.displayName, "Acme Hooks");
    assert.ok(!exported.text.includes(SECRET), "an export never carries an endpoint secret");
    assert.ok(!exported.text.includes("very-secret-header"));

    // The export as it is (timestamps, featureFlag and all) is an import.
    const imported = await target.api("POST", "/api/v1/environment/import", exported.body);
    assert.equal(imported.status, 204, imported.text);

    const strip = (list: Record<string, unknown>[]) => list.map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest);
    const [sourceTypes, targetTypes] = await Promise.all(
      [source, target].map((h) => h.api("GET", "/api/v1/event-type?include_archived=true")),
    );
    assert.deepEqual(strip(targetTypes!.body.data), strip(sourceTypes!.body.data));
    const targetSettings = await target.api("GET", "/api/v1/environment/settings");
    assert.equal(targetSettings.body.displayName, "Acme Hooks");
    assert.equal(targetSettings.body.enableChannels, true);
    assert.deepEqual(targetSettings.body.colorPaletteLight, { primary: "#112233" });

    // Importing again changes nothing; a later import updates and adds, never deletes.
    const again = await target.api("POST", "/api/v1/environment/import", {
      eventTypes: [
        { name: "invoice.paid", description: "Paid in full" },
        { name: "order.placed", description: "New" },
      ],
      settings: { enableChannels: false },
    });
    assert.equal(again.status, 204, again.text);
    const after = await target.api("GET", "/api/v1/event-type?include_archived=true");
    assert.deepEqual(
      after.body.data.map((e: { name: string; description: string }) => `${e.name}: ${e.description}`),
      ["invoice.paid: Paid in full", "invoice.voided: Voided", "order.placed: New", "user.gone: Old"],
    );
    const merged = await target.api("GET", "/api/v1/environment/settings");
    assert.equal(merged.body.displayName, "Acme Hooks", "settings the import does not name keep their values");
    assert.equal(merged.body.enableChannels, false);
  });

  test("a refused import writes nothing and says which field is wrong", async () => {
    const fresh = await startTestHookline();
    try {
      const badSchema = await fresh.api("POST", "/api/v1/environment/import", {
        eventTypes: [
          { name: "a.ok", description: "fine" },
          { name: "b.bad", description: "bad", schemas: { "1": { type: "no-such-type" } } },
        ],
      });
      assert.equal(badSchema.status, 422, badSchema.text);
      assert.deepEqual(badSchema.body.detail[0].loc.map(String), ["body", "eventTypes", "1", "schemas", "1"]);
      const twice = await fresh.api("POST", "/api/v1/environment/import", {
        eventTypes: [
          { name: "a.ok", description: "fine" },
          { name: "a.ok", description: "again" },
        ],
      });
      assert.equal(twice.status, 422, twice.text);
      assert.deepEqual(twice.body.detail[0].loc.map(String), ["body", "eventTypes", "1", "name"]);
      const connectors = await fresh.api("POST", "/api/v1/environment/import", { connectors: [{ name: "x" }] });
      assert.equal(connectors.status, 422, connectors.text);
      const badSetting = await fresh.api("POST", "/api/v1/environment/import", { settings: { enableChannels: "yes" } });
      assert.equal(badSetting.status, 422, badSetting.text);
      const list = await fresh.api("GET", "/api/v1/event-type?include_archived=true");
      assert.deepEqual(list.body.data, []);
      assert.equal((await fresh.api("GET", "/api/v1/environment/settings")).body.enableChannels, false);
    } finally {
      await fresh.close();
    }
  });

  test("an application token may neither export nor import", async () => {
    const app = await source.api("POST", "/api/v1/app", { name: "Tenant" });
    const token = await source.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
    assert.equal(token.status, 200, token.text);
    for (const [method, path] of [
      ["POST", "/api/v1/environment/export"],
      ["POST", "/api/v1/environment/import"],
      ["GET", "/api/v1/environment/settings"],
    ] as const) {
      const res = await source.api(method, path, method === "POST" ? {} : undefined, {
        authorization: `Bearer ${token.body.token}`,
      });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
    }
  });

  test("the official SDK's environment export, import and OpenAPI import work", async () => {
    const fresh = await startTestHookline();
    try {
      const from = new Svix(TEST_TOKEN, { serverUrl: source.url });
      const to = new Svix(TEST_TOKEN, { serverUrl: fresh.url });
      const exported = await from.environment.export();
      assert.ok(exported.eventTypes.some((e) => e.name === "invoice.paid"));
      await to.environment.import({ eventTypes: exported.eventTypes, settings: exported.settings });
      const paid = await to.eventType.get("invoice.paid");
      assert.deepEqual(paid.schemas, { "1": INVOICE_SCHEMA });
      const dry = await to.eventType.importOpenapi({
        dryRun: true,
        spec: { openapi: "3.1.0", info: { title: "x", version: "1" }, webhooks: { "pet.new": { post: {} } } },
      });
      assert.deepEqual(dry.data.modified, []);
      assert.deepEqual(
        dry.data.toModify?.map((e) => e.name),
        ["pet.new"],
      );
    } finally {
      await fresh.close();
    }
  });
});
