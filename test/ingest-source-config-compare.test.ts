import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * `POST /ingest/api/v1/source/{source}/config/compare` (what `hookline plan` asks about a source's
 * secrets) answers which config fields differ and never a value; and a replacement (PUT) that
 * changes a source's type stores the new type.
 */

let h: TestHookline;
const SECRET = "whsec_" + Buffer.alloc(24, 3).toString("base64");
const FALLBACK = "whsec_" + Buffer.alloc(24, 4).toString("base64");

before(async () => {
  h = await startTestHookline();
  const created = await h.api("POST", "/ingest/api/v1/source", {
    name: "Stripe",
    uid: "stripe",
    type: "stripe",
    config: { secret: SECRET, fallbackSecret: FALLBACK },
  });
  assert.equal(created.status, 201, created.text);
});

after(() => h?.close());

const compare = (config: unknown, source = "stripe", headers?: Record<string, string>) =>
  h.api("POST", `/ingest/api/v1/source/${source}/config/compare`, { config }, headers);

describe("comparing a source's config", () => {
  test("names the fields that differ or that only one side has, never their values", async () => {
    const same = await compare({ fallbackSecret: FALLBACK, secret: SECRET });
    assert.equal(same.status, 200, same.text);
    assert.deepEqual(same.body, { matches: true, differingFields: [] });

    const changed = await compare({ secret: SECRET + "x", toleranceSeconds: 60 });
    assert.deepEqual(changed.body, {
      matches: false,
      differingFields: ["fallbackSecret", "secret", "toleranceSeconds"],
    });
    assert.ok(!changed.text.includes(SECRET) && !changed.text.includes(FALLBACK));
    const audit = await h.api("GET", "/api/v1/audit-log?limit=250");
    assert.ok(
      audit.body.data.some(
        (e: { action: string; path: string }) =>
          e.action === "POST /ingest/api/v1/source/:source_id/config/compare" &&
          e.path === "/ingest/api/v1/source/stripe/config/compare",
      ),
      audit.text,
    );
  });

  test("bad input is a 4xx: no config, an unknown source, an application token", async () => {
    assert.equal((await h.api("POST", "/ingest/api/v1/source/stripe/config/compare", {})).status, 422);
    assert.equal((await compare({ secret: SECRET }, "nope")).status, 404);
    const app = await h.api("POST", "/api/v1/app", { name: "Tenant" });
    const token = await h.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
    assert.equal(token.status, 200, token.text);
    const refused = await compare({ secret: SECRET }, "stripe", { authorization: `Bearer ${token.body.token}` });
    assert.equal(refused.status, 403, refused.text);
  });

  test("a replacement that changes the type stores it", async () => {
    const put = await h.api("PUT", "/ingest/api/v1/source/retyped", { name: "Retyped", type: "github" });
    assert.equal(put.status, 201, put.text);
    const replaced = await h.api("PUT", "/ingest/api/v1/source/retyped", {
      name: "Retyped",
      type: "svix",
      config: { secret: SECRET },
    });
    assert.equal(replaced.status, 200, replaced.text);
    const read = await h.api("GET", "/ingest/api/v1/source/retyped");
    assert.equal(read.body.type, "svix");
    assert.equal(read.body.config.hasSecret, true);
  });
});
