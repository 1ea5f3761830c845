import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { browserSkip, launchChromium, recordPageProblems, type PageProblems } from "./support/browser.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * A portal a team built on svix-react's hooks (test/fixtures/svix-react-page), pointed at
 * Hookline: built here with Vite into a temporary directory, served from another origin than
 * Hookline's (allowed by HOOKLINE_API_CORS_ORIGINS), run in Chromium with a portal session's
 * token. It creates an endpoint with `useNewEndpoint` (which sends `filterTypes: []`, meaning every
 * event type), reads its secret, lists the endpoints and the endpoint's attempts.
 */

const WAIT = { timeout: 30_000 };
const skip = browserSkip;
const FIXTURE = fileURLToPath(new URL("./fixtures/svix-react-page/", import.meta.url));

let hookline: TestHookline;
let receiver: Receiver;
let site: http.Server;
let siteOrigin = "";
let builtDir = "";
let browser: Browser;
let page: Page;
let appId = "";
let problems: PageProblems = { errors: [], policyViolations: [] };

before(async () => {
  if (skip) return;
  builtDir = mkdtempSync(path.join(tmpdir(), "hookline-svix-react-"));
  const vite = await import("vite");
  await vite.build({
    root: FIXTURE,
    configFile: false,
    logLevel: "warn",
    build: { outDir: builtDir, emptyOutDir: true, modulePreload: { polyfill: false } },
  });
  site = http.createServer((req, res) => {
    const file = path.join(builtDir, (req.url ?? "/").split("?")[0] === "/" ? "index.html" : req.url!.split("?")[0]!);
    if (!file.startsWith(builtDir)) return res.writeHead(404).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  receiver = await Receiver.start();
  hookline = await startTestHookline({ HOOKLINE_API_CORS_ORIGINS: siteOrigin });
  appId = (await hookline.api("POST", "/api/v1/app", { name: "svix-react customer" })).body.id;
  await hookline.api("POST", "/api/v1/event-type", { name: "order.created", description: "An order was placed" });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  problems = await recordPageProblems(page);
});

after(async () => {
  await browser?.close();
  await hookline?.close();
  await receiver?.close();
  await new Promise((resolve) => site?.close(resolve));
  if (builtDir) rmSync(builtDir, { recursive: true, force: true });
});

describe("a portal built on svix-react, against Hookline", { skip }, () => {
  test("creates an endpoint for every event type, reads its secret, lists endpoints and attempts", async () => {
    const access = await hookline.api("POST", `/api/v1/auth/app-portal-access/${appId}`, {});
    const fragment = new URLSearchParams({ token: access.body.token, appId, serverUrl: hookline.url });
    await page.goto(`${siteOrigin}/#${fragment}`);
    await page.getByRole("heading", { name: "Webhooks" }).waitFor(WAIT);

    await page.getByLabel("Endpoint URL").fill(`${receiver.url}/svix-react`);
    await page.getByRole("button", { name: "Create" }).click();
    const endpointId = (await page.getByTestId("created").textContent({ timeout: 30_000 }))!;
    assert.match(endpointId, /^ep_/);
    // useNewEndpoint sent filterTypes: [], which Hookline takes as every event type.
    const stored = await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(stored.body.filterTypes, null);
    assert.equal(stored.body.eventTypes ?? null, null);

    await page
      .getByTestId("secret")
      .getByText(/^whsec_/)
      .waitFor(WAIT);
    await page.getByRole("button", { name: "Reload endpoints" }).click();
    await page.getByTestId("endpoints").getByText(`${receiver.url}/svix-react`).waitFor(WAIT);

    const sent = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "order.created",
      payload: { orderId: "ord_1" },
    });
    await receiver.waitFor(1, 30_000);
    // The attempt is recorded just after the receiver answers: read until it is listed.
    const listed = page.getByTestId("attempts").getByText(`${sent.body.id} status 0 code 200`);
    const deadline = Date.now() + 30_000;
    while (!(await listed.isVisible())) {
      assert.ok(Date.now() < deadline, "the attempt was not listed within 30 seconds");
      await page.getByRole("button", { name: "Reload attempts" }).click();
      await listed.waitFor({ timeout: 1000 }).catch(() => undefined);
    }
    assert.equal(await page.getByTestId("create-error").count(), 0);
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.policyViolations, []);
  });

  test("CORS: the allowed origin gets its preflight; another origin and the console's header do not", async () => {
    const preflight = (origin: string, headers: string) =>
      fetch(`${hookline.url}/api/v1/app/${appId}/endpoint`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": headers },
      });
    const ok = await preflight(siteOrigin, "authorization,content-type,idempotency-key,svix-req-id");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), siteOrigin);
    assert.equal(ok.headers.get("access-control-allow-credentials"), null);
    const other = await preflight("http://elsewhere.example", "authorization");
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const consoleHeader = await preflight(siteOrigin, "x-hookline-console,content-type");
    assert.equal(consoleHeader.headers.get("access-control-allow-origin"), null);
  });
});
