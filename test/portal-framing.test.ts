import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { PORTAL_FRAME_ANCESTORS_KEY } from "../src/api/portal-framing.ts";
import { loadConfig } from "../src/config.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";

const CHROMIUM = "/usr/bin/chromium";
// Without a browser the framing test skips, except in CI, which installs one (.ci/run).
const browserMissing = !existsSync(CHROMIUM) && !process.env.CI;

/** An operator's page on its own loopback origin that embeds `src` in an iframe. */
async function hostPage(): Promise<{ server: Server; origin: string; setFrame(src: string): void }> {
  let frame = "";
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><title>Operator</title><iframe id="portal" src="${frame}"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, setFrame: (src) => (frame = src) };
}

const frameAncestors = (res: Response) =>
  /frame-ancestors ([^;]*)/.exec(res.headers.get("content-security-policy") ?? "")?.[1];

/**
 * Who may frame the consumer portal (portal-framing.ts): 'self' by default, the origins of
 * HOOKLINE_PORTAL_FRAME_ANCESTORS, or an application's own list in its metadata; plus the other
 * headers every portal page carries, whichever route serves it.
 */
describe("consumer-portal framing policy", () => {
  let h: TestHookline;
  let allowedHost: Awaited<ReturnType<typeof hostPage>>;
  let otherHost: Awaited<ReturnType<typeof hostPage>>;
  let appId: string;
  let ownListAppId: string;

  before(async () => {
    allowedHost = await hostPage();
    otherHost = await hostPage();
    h = await startTestHookline({ HOOKLINE_PORTAL_FRAME_ANCESTORS: `${allowedHost.origin} https://*.example.org` });
    appId = (await h.api("POST", "/api/v1/app", { name: "Global policy" })).body.id;
    const own = await h.api("POST", "/api/v1/app", {
      name: "Own policy",
      // The second entry tries to smuggle a directive in; it is not an origin and is dropped.
      metadata: { [PORTAL_FRAME_ANCESTORS_KEY]: "https://customer.example.com https://x.test;script-src" },
    });
    assert.equal(own.status, 201, own.text);
    ownListAppId = own.body.id;
  });
  after(async () => {
    await h?.close();
    for (const host of [allowedHost, otherHost]) await new Promise((r) => host?.server.close(r));
  });

  it("sends 'self' only when nothing is configured, with the usual security headers", async () => {
    const plain = await startTestHookline();
    try {
      for (const path of ["/portal/", "/portal/app/app_unknown/", "/portal/assets/missing.js"]) {
        const res = await fetch(plain.url + path);
        assert.equal(frameAncestors(res), "'self'", path);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
        assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
        assert.match(res.headers.get("content-security-policy")!, /script-src 'self'(;|$)/);
      }
      // API responses are not portal pages: no framing policy is added to them.
      const api = await fetch(`${plain.url}/api/v1/health`);
      assert.equal(api.headers.get("content-security-policy"), null);
    } finally {
      await plain.close();
    }
  });

  it("serves a page without inline script", async () => {
    const res = await fetch(`${h.url}/portal/app/${appId}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.doesNotMatch(await res.text(), /<script(?![^>]*\ssrc=)/i);
  });

  it("sends the global list, and an application's own list in place of it", async () => {
    assert.equal(frameAncestors(await fetch(`${h.url}/portal/`)), `${allowedHost.origin} https://*.example.org`);
    assert.equal(
      frameAncestors(await fetch(`${h.url}/portal/app/${appId}/`)),
      `${allowedHost.origin} https://*.example.org`,
    );
    const own = await fetch(`${h.url}/portal/app/${ownListAppId}/`);
    assert.equal(frameAncestors(own), "https://customer.example.com");
    assert.doesNotMatch(own.headers.get("content-security-policy")!, /script-src(?! 'self')/);
  });

  it("refuses a global list that is not origins at startup", () => {
    assert.throws(
      () => loadConfig({ HOOKLINE_PORTAL_FRAME_ANCESTORS: "https://ok.example.com javascript:alert(1)" }),
      /HOOKLINE_PORTAL_FRAME_ANCESTORS/,
    );
  });

  it(
    "loads in an iframe on an allowed origin and is refused on any other, in Chromium",
    { skip: browserMissing ? `${CHROMIUM} is absent (apt-get install chromium)` : false },
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      try {
        const portalText = async (host: Awaited<ReturnType<typeof hostPage>>, portalUrl: string) => {
          host.setFrame(portalUrl);
          const page = await browser.newPage();
          await page.goto(host.origin, { waitUntil: "load" });
          const frame = page.frames().find((f) => f !== page.mainFrame());
          assert.ok(frame, "no iframe");
          // The portal page's own title, in its HTML (no script needed); a refused frame has none.
          const text = await frame.evaluate(() => document.title).catch(() => "");
          await page.close();
          return text;
        };
        const url = `${h.url}/portal/app/${appId}/`;
        assert.match(await portalText(allowedHost, url), /^Webhooks$/);
        assert.doesNotMatch(await portalText(otherHost, url), /^Webhooks$/);
        // The application's own list replaces the global one: the globally allowed host is refused.
        assert.doesNotMatch(await portalText(allowedHost, `${h.url}/portal/app/${ownListAppId}/`), /^Webhooks$/);
      } finally {
        await browser.close();
      }
    },
  );
});
