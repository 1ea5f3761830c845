import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../src/core/clock.ts";
import { SESSION_TTL_MS } from "../src/api/console-session.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";

/**
 * The web console's session (docs/console.md): an admin token exchanged for an HttpOnly,
 * SameSite=Strict cookie that the API accepts for the console's calls, CSRF-safe, with expiry and
 * logout; an application's token cannot sign in; Bearer tokens work as before.
 */

const clock = new ManualClock(Date.parse("2026-03-01T10:00:00Z"));
let hookline: TestHookline;
before(async () => {
  hookline = await startTestHookline({}, { clock });
});
after(async () => hookline?.close());

const CONSOLE = { "x-hookline-console": "1" };

async function signIn(token = TEST_TOKEN, headers: Record<string, string> = CONSOLE) {
  return fetch(`${hookline.url}/api/v1/console/session`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ token }),
  });
}

/** The cookie pair a browser would send back, from a sign-in answer. */
function cookieOf(res: Response): string {
  const setCookie = res.headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0]!;
}

function call(method: string, path: string, cookie: string, headers: Record<string, string> = CONSOLE, body?: unknown) {
  return fetch(hookline.url + path, {
    method,
    headers: { cookie, ...headers, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("signing in to the console", () => {
  test("an admin token gets an HttpOnly, SameSite=Strict session cookie on / that expires", async () => {
    const res = await signIn();
    assert.equal(res.status, 201);
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /^hookline_console=hk_admin_[\w-]{40,};/);
    assert.match(setCookie, /; HttpOnly/);
    assert.match(setCookie, /; SameSite=Strict/);
    assert.match(setCookie, /; Path=\/(;|$)/);
    assert.match(setCookie, new RegExp(`; Max-Age=${SESSION_TTL_MS / 1000}(;|$)`));
    assert.doesNotMatch(setCookie, new RegExp(TEST_TOKEN), "the admin token itself never goes into the cookie");
    const body = (await res.json()) as { expiresAt: string };
    assert.equal(body.expiresAt, new Date(clock.now() + SESSION_TTL_MS).toISOString());
    // The audit log says who opened it.
    const audit = await hookline.api("GET", "/api/v1/audit-log");
    assert.ok(
      audit.body.data.some(
        (e: { actor: string; action: string }) => e.actor === "admin" && e.action === "POST /api/v1/console/session",
      ),
      audit.text,
    );
  });

  test("the cookie authenticates the API's calls, reads and writes alike", async () => {
    const cookie = cookieOf(await signIn());
    const session = await call("GET", "/api/v1/console/session", cookie);
    assert.equal(session.status, 200);
    const created = await call("POST", "/api/v1/app", cookie, CONSOLE, { name: "From the console" });
    assert.equal(created.status, 201, await created.clone().text());
    const list = await call("GET", "/api/v1/app", cookie);
    assert.equal(list.status, 200);
    assert.ok(((await list.json()) as { data: { name: string }[] }).data.some((a) => a.name === "From the console"));
  });

  test("Bearer tokens keep working, and win over a cookie", async () => {
    const res = await hookline.api("GET", "/api/v1/app");
    assert.equal(res.status, 200);
    const withBoth = await fetch(`${hookline.url}/api/v1/app`, {
      headers: { authorization: "Bearer not-a-real-token-0123456789", cookie: cookieOf(await signIn()) },
    });
    assert.equal(withBoth.status, 401, "the Authorization header is what counts when it is sent");
  });

  test("a wrong token is refused with the API's words", async () => {
    const res = await signIn("not-a-real-token-0123456789");
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { code: "authentication_failed", detail: "the token is not known" });
    assert.equal(res.headers.get("set-cookie"), null);
  });

  test("an application's token (the consumer portal's) cannot open the console", async () => {
    const app = await hookline.api("POST", "/api/v1/app", { name: "Portal" });
    const access = await hookline.api("POST", `/api/v1/auth/app-portal-access/${app.body.id}`, {});
    assert.equal(access.status, 200, access.text);
    const res = await signIn(access.body.token);
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { detail: string }).detail, /confined to one application/);
    assert.equal(res.headers.get("set-cookie"), null);
    // Nor does its token, put in the cookie by hand, reach the console's session route.
    const sneaked = await call("GET", "/api/v1/console/session", `hookline_console=${access.body.token}`);
    assert.equal(sneaked.status, 403);
  });

  test("an issued admin token signs in; a revoked one does not", async () => {
    const issued = await hookline.api("POST", "/api/v1/auth/token", { name: "ops" });
    assert.equal(issued.status, 201, issued.text);
    assert.equal((await signIn(issued.body.token)).status, 201);
    await hookline.api("DELETE", `/api/v1/auth/token/${issued.body.id}`);
    const res = await signIn(issued.body.token);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { detail: string }).detail, "the token has been revoked");
  });
});

describe("CSRF", () => {
  test("a state-changing request on the cookie needs the console's header", async () => {
    const cookie = cookieOf(await signIn());
    const res = await call("POST", "/api/v1/app", cookie, {}, { name: "forged" });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { detail: string }).detail, /x-hookline-console/);
    // Reads need no header: SameSite=Strict keeps other sites' links from carrying the cookie.
    assert.equal((await call("GET", "/api/v1/app", cookie, {})).status, 200);
  });

  test("a request from another Origin is refused even with the header", async () => {
    const cookie = cookieOf(await signIn());
    const res = await call(
      "POST",
      "/api/v1/app",
      cookie,
      { ...CONSOLE, origin: "https://evil.example" },
      { name: "x" },
    );
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { detail: string }).detail, /evil\.example/);
    const same = await call("POST", "/api/v1/app", cookie, { ...CONSOLE, origin: hookline.url }, { name: "same" });
    assert.equal(same.status, 201);
  });

  test("signing in and out need the header too (no login or logout CSRF)", async () => {
    assert.equal((await signIn(TEST_TOKEN, {})).status, 403);
    const cookie = cookieOf(await signIn());
    const out = await call("DELETE", "/api/v1/console/session", cookie, {});
    assert.equal(out.status, 403);
    assert.equal((await call("GET", "/api/v1/console/session", cookie)).status, 200, "still signed in");
  });
});

describe("the session's end", () => {
  test("logging out revokes the session and clears the cookie", async () => {
    const cookie = cookieOf(await signIn());
    const out = await call("DELETE", "/api/v1/console/session", cookie);
    assert.equal(out.status, 204);
    assert.match(
      out.headers.get("set-cookie") ?? "",
      /^hookline_console=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/,
    );
    const after = await call("GET", "/api/v1/console/session", cookie);
    assert.equal(after.status, 401);
    assert.equal(((await after.json()) as { detail: string }).detail, "the token has been revoked");
  });

  test("a session expires after its time", async () => {
    const cookie = cookieOf(await signIn());
    clock.advance(SESSION_TTL_MS - 60_000);
    assert.equal((await call("GET", "/api/v1/console/session", cookie)).status, 200);
    clock.advance(120_000);
    // No sleep: a token kept in auth.ts's cache is still checked against the server's clock.
    const res = await call("GET", "/api/v1/console/session", cookie);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { detail: string }).detail, "the token has expired");
  });
});
