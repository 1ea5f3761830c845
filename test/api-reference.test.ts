import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { browserSkip, launchChromium } from "./support/browser.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

/**
 * The browsable API reference at /docs: a public HTML page, its renderer served by Hookline itself
 * (no CDN), and a real Chromium that renders the OpenAPI document into operations. With
 * HOOKLINE_WRITE_SCREENSHOTS=1 it also refreshes docs/images/api-reference.png, the picture the README
 * links (not on every run: the bytes differ from run to run and would leave the tree changed).
 */

let hookline: TestHookline;
before(async () => {
  hookline = await startTestHookline();
});
after(async () => hookline?.close());

describe("GET /docs", () => {
  test("answers an HTML page without a token, which loads only this server's script", async () => {
    const res = await fetch(`${hookline.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const html = await res.text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0]![2]!.trim(), "", "no inline script");
    const src = /src="([^"]+)"/.exec(scripts[0]![1]!)?.[1];
    assert.ok(src?.startsWith("/docs/"), `the renderer comes from this server, not a CDN: ${src}`);
    assert.doesNotMatch(html, /https?:\/\//);

    const script = await fetch(`${hookline.url}${src}`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.ok((await script.arrayBuffer()).byteLength > 100_000, "the whole renderer bundle");
  });

  test("names the OpenAPI document the server publishes, also without a token", async () => {
    const html = await (await fetch(`${hookline.url}/docs`)).text();
    const specUrl = /spec-url="([^"]+)"/.exec(html)?.[1];
    assert.equal(specUrl, "/api/v1/openapi.json");
    const doc = await fetch(`${hookline.url}${specUrl}`);
    assert.equal(doc.status, 200);
    assert.equal(((await doc.json()) as { openapi: string }).openapi, "3.1.0");
  });
});

describe("the reference in Chromium", () => {
  test(
    "renders the operations of the OpenAPI document",
    {
      skip: browserSkip,
    },
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        // Redoc's sidebar badge points at its CDN; the page's Content-Security-Policy blocks it
        // before it reaches the network. Any other request to another host (answered or not: this
        // machine may be offline) means an asset is not served by Hookline.
        const foreignRequests = new Set<string>();
        const pageErrors: string[] = [];
        page.on("request", (request) => {
          if (!/^(blob|data):/.test(request.url()) && !request.url().startsWith(hookline.url))
            foreignRequests.add(request.url());
        });
        page.on("requestfailed", (request) => {
          if (/^csp$|BLOCKED_BY_CSP/.test(request.failure()?.errorText ?? "")) foreignRequests.delete(request.url());
        });
        // Errors in the console (a failed load of the document, a 401 for some asset), but the
        // blocked badge, which Redoc hides.
        const consoleErrors: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error" && !/Content Security Policy/.test(message.text()))
            consoleErrors.push(message.text());
        });
        page.on("pageerror", (error) => pageErrors.push(error.message));
        const response = await page.goto(`${hookline.url}/docs`);
        assert.equal(response?.status(), 200);
        // An operation's summary from the document, rendered as its heading.
        await page.getByRole("heading", { name: "List Applications" }).first().waitFor({ timeout: 30_000 });
        assert.ok(await page.getByText("Hookline API").first().isVisible());
        assert.deepEqual(pageErrors, []);
        assert.deepEqual(consoleErrors, []);
        assert.deepEqual([...foreignRequests], [], "every asset comes from this server");
        // The picture for the README: an operation with its request and response examples.
        await page
          .getByRole("heading", { name: "Create Application" })
          .first()
          .evaluate((heading) => heading.scrollIntoView({ block: "start" }));
        const screenshot = await page.screenshot(
          process.env.HOOKLINE_WRITE_SCREENSHOTS === "1"
            ? { path: new URL("../docs/images/api-reference.png", import.meta.url).pathname }
            : {},
        );
        assert.ok(screenshot.byteLength > 10_000, "the page painted something");
      } finally {
        await browser.close();
      }
    },
  );
});
