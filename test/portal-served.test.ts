import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { FIRST_PAGE_JS_BUDGET_BYTES, firstPageScripts } from "../scripts/console-size.ts";
import { CONSOLE_DIST } from "../src/api/routes/console.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * The consumer portal's page is the web build's second entry (web/console/portal.html), served for
 * every path under `/portal/app/<app_id>/` (so a deep link or a reload opens it) with the portal's
 * headers, loading only Hookline's own scripts and no inline one, within the console's budget.
 */

const built = existsSync(path.join(CONSOLE_DIST, "portal.html"));
const notBuilt = "web/console/dist/portal.html is missing: run `npm run build:web` (npm ci runs it)";

let hookline: TestHookline;
before(async () => {
  hookline = await startTestHookline({ HOOKLINE_PORTAL_FRAME_ANCESTORS: "https://app.example.com" });
});
after(async () => hookline?.close());

describe("the portal's page", { skip: built ? false : notBuilt }, () => {
  test("every path under /portal/app/<app_id>/ answers the portal's page with its headers", async () => {
    for (const p of ["/portal/app/app_1", "/portal/app/app_1/", "/portal/app/app_1/endpoints/ep_1?tab=attempts"]) {
      const res = await fetch(hookline.url + p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /script-src 'self'(;|$)/, p);
      assert.match(csp, /frame-ancestors https:\/\/app\.example\.com/, p);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      const html = await res.text();
      assert.match(html, /<title>Webhooks<\/title>/);
      // Its own module only: every script has a src under /assets/, none is inline.
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length >= 1);
      for (const [, attributes, body] of scripts) {
        assert.match(attributes!, /src="\/assets\/portal-[\w-]+\.js"/);
        assert.equal(body!.trim(), "");
      }
    }
  });

  test("its scripts are served from /assets/", async () => {
    for (const script of firstPageScripts(CONSOLE_DIST, "portal.html")) {
      const res = await fetch(hookline.url + script.file);
      assert.equal(res.status, 200, script.file);
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    }
  });

  test(`its first page is under ${FIRST_PAGE_JS_BUDGET_BYTES / 1000} kB of compressed JavaScript`, () => {
    const scripts = firstPageScripts(CONSOLE_DIST, "portal.html");
    const total = scripts.reduce((sum, s) => sum + s.gzipBytes, 0);
    console.log(`portal first page: ${total} bytes of gzipped JavaScript in ${scripts.length} file(s)`);
    assert.ok(total < FIRST_PAGE_JS_BUDGET_BYTES, `${total} bytes is over the budget`);
  });
});
