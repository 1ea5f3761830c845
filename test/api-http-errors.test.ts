import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/**
 * Errors the HTTP layer answers before any route runs, in Hookline's `{code, detail}` shape: a
 * wrong method (405 with Allow), a body that is not JSON by its Content-Type (415), and each kind
 * of failed authentication (401). Driven through Fastify's inject(); the SDK tests cover the wire.
 */

let hookline: TestHookline;
const clock = new ManualClock(Date.parse("2026-06-01T00:00:00Z"));
before(async () => {
  hookline = await startTestHookline({}, { clock });
});
after(async () => hookline?.close());

const admin = { authorization: `Bearer ${TEST_TOKEN}` };

async function inject(method: string, url: string, headers: Record<string, string> = admin, payload?: string) {
  const res = await hookline.http.inject({ method: method as "GET", url, headers, payload });
  const body = (res.body ? res.json() : undefined) as { code: string; detail: string };
  return { status: res.statusCode, headers: res.headers, body };
}

describe("a wrong method on an existing path", () => {
  test("answers 405 with Allow and Hookline's error body", async () => {
    const r = await inject("DELETE", "/api/v1/app");
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "GET, HEAD, POST");
    assert.equal(r.body.code, "method_not_allowed");
    assert.match(r.body.detail, /DELETE is not allowed on \/api\/v1\/app; it takes GET, HEAD, POST/);
  });

  test("matches paths with parameters and a trailing slash", async () => {
    const r = await inject("PUT", "/api/v1/app/app_123/msg/");
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "GET, HEAD, POST");
    const health = await inject("POST", "/api/v1/health");
    assert.equal(health.status, 405);
    assert.match(String(health.headers.allow), /GET/);
  });

  test("a path no route has is still 404", async () => {
    const r = await inject("GET", "/api/v1/nothing-here");
    assert.equal(r.status, 404);
    assert.equal(r.body.code, "not_found");
    assert.equal(r.headers.allow, undefined);
    const deeper = await inject("PUT", "/api/v1/app/a/b/c/d/e/f");
    assert.equal(deeper.status, 404);
  });

  test("a caller without a token learns nothing about the routes", async () => {
    const r = await inject("DELETE", "/api/v1/app", {});
    assert.equal(r.status, 401);
  });
});

describe("a body that is not declared as JSON", () => {
  test("an unsupported Content-Type answers 415 saying what is expected", async () => {
    const r = await inject("POST", "/api/v1/app", { ...admin, "content-type": "text/plain" }, '{"name":"x"}');
    assert.equal(r.status, 415);
    assert.equal(r.body.code, "unsupported_media_type");
    assert.match(r.body.detail, /Content-Type "text\/plain" is not accepted: send Content-Type: application\/json/);
  });

  test("a body without a Content-Type answers 415 saying what is expected", async () => {
    const r = await inject("POST", "/api/v1/app", admin, '{"name":"x"}');
    assert.equal(r.status, 415);
    assert.equal(r.body.code, "unsupported_media_type");
    assert.match(r.body.detail, /no Content-Type: send Content-Type: application\/json/);
  });

  test("application/json with a charset is accepted", async () => {
    const r = await inject(
      "POST",
      "/api/v1/app",
      { ...admin, "content-type": "application/json; charset=utf-8" },
      '{"name":"charset"}',
    );
    assert.equal(r.status, 201);
  });
});

describe("401 says why", () => {
  const expectUnauthorized = async (headers: Record<string, string>, detail: RegExp) => {
    const r = await inject("GET", "/api/v1/app", headers);
    assert.equal(r.status, 401);
    assert.equal(r.headers["www-authenticate"], "Bearer");
    assert.equal(r.body.code, "authentication_failed");
    assert.match(r.body.detail, detail);
  };

  test("missing", () => expectUnauthorized({}, /Authorization header is missing/));

  test("malformed", async () => {
    await expectUnauthorized({ authorization: "Basic dXNlcjpwYXNz" }, /malformed: expected `Bearer <token>`/);
    await expectUnauthorized({ authorization: "Bearer" }, /malformed/);
    await expectUnauthorized({ authorization: "Bearer two words" }, /malformed/);
    await expectUnauthorized({ authorization: "Bearer short" }, /malformed/);
  });

  test("unknown: a guessed value learns nothing more", async () => {
    for (const guess of [`hk_admin_${randomBytes(32).toString("base64url")}`, "x".repeat(40)])
      await expectUnauthorized({ authorization: `Bearer ${guess}` }, /^the token is not known$/);
  });

  test("expired and revoked tokens, presented by someone who holds them", async () => {
    const created = await inject(
      "POST",
      "/api/v1/auth/token",
      { ...admin, "content-type": "application/json" },
      JSON.stringify({ name: "short-lived", expiresIn: 60 }),
    );
    assert.equal(created.status, 201);
    const { token: expiring } = created.body as unknown as { token: string };
    assert.equal((await inject("GET", "/api/v1/app", { authorization: `Bearer ${expiring}` })).status, 200);
    clock.advance(61_000);
    await expectUnauthorized({ authorization: `Bearer ${expiring}` }, /^the token has expired$/);

    const other = await inject("POST", "/api/v1/auth/token", { ...admin, "content-type": "application/json" }, "{}");
    const { id, token: revoking } = other.body as unknown as { id: string; token: string };
    assert.equal((await inject("DELETE", `/api/v1/auth/token/${id}`)).status, 204);
    await expectUnauthorized({ authorization: `Bearer ${revoking}` }, /^the token has been revoked$/);
  });
});
