import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import Fastify from "fastify";
import { CONSOLE_PAGES } from "../src/api/console-pages.ts";
import { CONSOLE_DIST, consoleRoutes } from "../src/api/routes/console.ts";
import { FIRST_PAGE_JS_BUDGET_BYTES, firstPageScripts } from "../scripts/console-size.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * The console is served by Hookline itself at `/` from the files `npm ci` built (its "prepare"
 * script), with no CDN, and stays within its download budget. The API keeps its own paths.
 */

const built = existsSync(path.join(CONSOLE_DIST, "index.html"));
const notBuilt = "web/console/dist is missing: run `npm run build:web` (npm ci runs it)";

let hookline: TestHookline;
before(async () => {
  hookline = await startTestHookline();
});
after(async () => hookline?.close());

describe("the console's files", () => {
  test("npm ci built the console", () => assert.ok(built, notBuilt));

  test("/ and every page path answer the console's page, public, with a strict policy", async () => {
    for (const p of ["/", ...CONSOLE_PAGES.map((name) => `/${name}`), "/apps/app_1/endpoints/ep_1?tab=secret"]) {
      const res = await fetch(hookline.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      const html = await res.text();
      assert.match(html, /<title>Hookline console<\/title>/);
      assert.doesNotMatch(html, /https?:\/\//, "nothing from another host");
    }
  });

  test("the hashed assets are served compressed and cached for good", { skip: built ? false : notBuilt }, async () => {
    const html = await (await fetch(`${hookline.url}/`)).text();
    const script = /<script[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const res = await fetch(hookline.url + script, { headers: { "accept-encoding": "gzip" } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.ok((await res.arrayBuffer()).byteLength > 10_000);
    const missing = await fetch(`${hookline.url}/assets/nothing.js`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { code: string }).code, "not_found");
  });

  test("the API keeps its paths: an unknown API path is not the console's page", async () => {
    const res = await hookline.api("GET", "/api/v1/no-such-thing");
    assert.equal(res.status, 404);
    assert.equal(res.body.code, "not_found");
    assert.equal((await fetch(`${hookline.url}/docs`)).status, 200);
  });
});

describe("serving without a build", () => {
  test("says the console is not built, and how to build it", async () => {
    const app = Fastify();
    await app.register(consoleRoutes, { dist: mkdtempSync(path.join(tmpdir(), "console-empty-")) });
    const res = await app.inject({ method: "GET", url: "/" });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /npm run build:web/);
    await app.close();
  });

  test("serves a build's files with gzip when asked", async () => {
    const dist = mkdtempSync(path.join(tmpdir(), "console-dist-"));
    writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>t</title>");
    mkdirSync(path.join(dist, "assets"));
    const code = `console.log(${JSON.stringify("x".repeat(5000))});`;
    writeFileSync(path.join(dist, "assets", "a-1.js"), code);
    const app = Fastify();
    await app.register(consoleRoutes, { dist });
    const res = await app.inject({ method: "GET", url: "/assets/a-1.js", headers: { "accept-encoding": "gzip" } });
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(res.rawPayload).toString(), code);
    const plain = await app.inject({ method: "GET", url: "/assets/a-1.js" });
    assert.equal(plain.headers["content-encoding"], undefined);
    assert.equal(plain.body, code);
    await app.close();
  });
});

describe("the first page's download", () => {
  test(
    `is under ${FIRST_PAGE_JS_BUDGET_BYTES / 1000} kB of compressed JavaScript`,
    { skip: built ? false : notBuilt },
    () => {
      const scripts = firstPageScripts();
      assert.ok(scripts.length >= 1);
      const total = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
      console.log(`console first page: ${total} bytes of gzipped JavaScript in ${scripts.length} file(s)`);
      assert.ok(total < FIRST_PAGE_JS_BUDGET_BYTES, `${total} bytes is over the budget`);
    },
  );
});
