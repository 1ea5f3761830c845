import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Frame, FrameLocator, Page } from "playwright-core";
import {
  axeAudit,
  browserSkip,
  launchChromium,
  recordPageProblems,
  seriousViolations,
  type PageProblems,
} from "./support/browser.ts";
import { startTestHookline, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";

/**
 * The consumer portal in a real Chromium, embedded in an iframe on a page of another origin (the
 * operator's product, `http://localhost:<port>`, allowed by HOOKLINE_PORTAL_FRAME_ANCESTORS),
 * against a real Hookline delivering to a real receiver. The customer adds an endpoint, sends a
 * test event and sees its attempt, finds a failed delivery, reads the receiver's response and
 * replays it, and uses the inspector; a session without ManageEndpoint is offered no create
 * button and the API refuses it; the operator's theme applies; an ended session shows its screen
 * with the way back. Every page passes an axe-core audit (no serious or critical violation).
 */

const WAIT = { timeout: 30_000 };
const skip = browserSkip;

let hookline: TestHookline;
let receiver: Receiver;
let operatorSite: http.Server;
let operatorOrigin = "";
/** What the operator's page frames: set by each test before it opens the page. */
let framedUrl = "";
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems = { errors: [], policyViolations: [] };
const accessibility: string[] = [];
let appId = "";
let endpointId = "";
let failedMsgId = "";

const PURPLE = "#7c3aed";

/** A portal session's URL for the application, as the operator's backend would ask for it. */
async function portalUrl(body: Record<string, unknown> = {}): Promise<{ url: string; token: string }> {
  const res = await hookline.api("POST", `/api/v1/auth/app-portal-access/${appId}`, body);
  assert.equal(res.status, 200, res.text);
  return res.body as { url: string; token: string };
}

/** Opens the operator's page with the portal at `url` in its iframe; returns the frame's locator. */
async function openEmbedded(url: string): Promise<FrameLocator> {
  framedUrl = url;
  await page.goto(`${operatorOrigin}/dashboard`);
  return page.frameLocator("iframe[title='Webhooks']");
}

/** The portal's frame (for its URL, evaluations and audits). */
function portalFrame(): Frame {
  const frame = page.frames().find((f) => f.url().startsWith(`${hookline.url}/portal/`));
  assert.ok(
    frame,
    `no portal frame among ${page
      .frames()
      .map((f) => f.url())
      .join(", ")}`,
  );
  return frame;
}

async function audit(name: string) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const line of seriousViolations(await axeAudit(portalFrame())))
      accessibility.push(`${name} (${colorScheme}): ${line}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

before(async () => {
  if (skip) return;
  receiver = await Receiver.start();
  // The operator's product: another origin (host and port) than Hookline's, framing the portal.
  operatorSite = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      req.url === "/account"
        ? "<!doctype html><title>Account</title><h1>Your account</h1>"
        : `<!doctype html><html lang="en"><title>Operator dashboard</title><h1>Operator dashboard</h1>` +
            `<iframe title="Webhooks" src="${framedUrl.replace(/"/g, "&quot;")}" width="1000" height="900"></iframe></html>`,
    );
  });
  await new Promise<void>((resolve) => operatorSite.listen(0, "127.0.0.1", resolve));
  operatorOrigin = `http://localhost:${(operatorSite.address() as AddressInfo).port}`;
  hookline = await startTestHookline({ HOOKLINE_PORTAL_FRAME_ANCESTORS: operatorOrigin });
  const app = await hookline.api("POST", "/api/v1/app", {
    name: "Acme customer",
    metadata: { "hookline.portal.returnUrl": `${operatorOrigin}/account` },
  });
  appId = app.body.id;
  await hookline.api("POST", "/api/v1/event-type", {
    name: "invoice.paid",
    description: "An invoice was paid in full",
    schemas: {
      "1": {
        type: "object",
        properties: { invoiceId: { type: "string" }, amount: { type: "integer" } },
        required: ["invoiceId"],
        examples: [{ invoiceId: "inv_example", amount: 4200 }],
      },
    },
  });
  // No retries for this type, so a refused delivery fails for good at once.
  await hookline.api("POST", "/api/v1/event-type", {
    name: "invoice.failed",
    description: "A payment attempt failed",
    retrySchedule: [],
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1100, height: 1000 } });
  page = await context.newPage();
  problems = await recordPageProblems(page);
});

after(async () => {
  await browser?.close();
  await hookline?.close();
  await receiver?.close();
  await new Promise((resolve) => operatorSite?.close(resolve));
});

describe("the consumer portal in Chromium, embedded in another origin's page", { skip }, () => {
  test("the session's token leaves the address bar; the operator's colour applies", async () => {
    const { url } = await portalUrl();
    assert.match(url, new RegExp(`^${hookline.url}/portal/app/${appId}/#token=`));
    const portal = await openEmbedded(`${url}&primaryColor=${PURPLE.slice(1)}`);
    await portal.getByRole("heading", { name: "Endpoints", level: 1 }).waitFor(WAIT);
    assert.equal(portalFrame().url(), `${hookline.url}/portal/app/${appId}/`);
    const add = portal.getByRole("link", { name: "Add endpoint" });
    assert.equal(await add.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(124, 58, 237)");
    // White on this purple reads better than black.
    assert.equal(await add.evaluate((el) => getComputedStyle(el).color), "rgb(255, 255, 255)");
    await audit("endpoints (empty)");
  });

  test("the customer adds an endpoint, choosing from the catalog, and receives a test event", async () => {
    const portal = page.frameLocator("iframe[title='Webhooks']");
    await portal.getByRole("link", { name: "Add endpoint" }).click();
    await portalFrame().waitForURL(/\/endpoints\/new$/, WAIT);
    await portal.getByRole("heading", { name: "Add an endpoint" }).waitFor(WAIT);
    await portal.getByText("None chosen: the endpoint receives every event type.").waitFor(WAIT);
    await portal.getByText("An invoice was paid in full").waitFor(WAIT);
    await portal.getByText("Schema and example").first().click();
    await portal.getByLabel("Example of invoice.paid").getByText('"inv_example"').waitFor(WAIT);
    await audit("new endpoint");
    await portal.getByLabel("URL").fill(`${receiver.url}/hooks`);
    await portal.getByLabel("Description").fill("Production receiver");
    await portal.getByRole("button", { name: "Create endpoint" }).click();
    await portalFrame().waitForURL(/\/endpoints\/ep_/, WAIT);
    await portal.getByRole("heading", { name: `${receiver.url}/hooks` }).waitFor(WAIT);
    endpointId = /\/endpoints\/(ep_[^/?]+)/.exec(portalFrame().url())![1]!;
    // None chosen is every event type.
    const stored = await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(stored.body.filterTypes, null);
    await portal.getByText("Every event type.").waitFor(WAIT);
    await audit("endpoint overview");

    await portal.getByRole("tab", { name: "Testing" }).click();
    await portal.getByLabel("Event type").selectOption("invoice.paid");
    await portal.getByLabel("The example that will be sent").getByText('"inv_example"').waitFor(WAIT);
    await portal.getByRole("button", { name: "Send example" }).click();
    await portal.getByTestId("test-result").getByText("success").waitFor(WAIT);
    await receiver.waitFor(1, 30_000);
    assert.equal(JSON.parse(receiver.requests[0]!.body).invoiceId, "inv_example");
    await audit("endpoint testing");

    await portal.getByRole("tab", { name: "Signing secret" }).click();
    await portal.getByRole("button", { name: "Reveal secret" }).click();
    await portal
      .getByTestId("secret")
      .getByText(/^whsec_/)
      .waitFor(WAIT);
    await audit("endpoint secret");
  });

  test("the customer finds a failed delivery, reads the response, counts what failed and replays it", async () => {
    receiver.respond(() => ({ status: 500, body: '{"error": "database down"}' }));
    const sent = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.failed",
      payload: { invoiceId: "inv_77" },
    });
    failedMsgId = sent.body.id;
    await receiver.waitFor(2, 30_000);

    const portal = page.frameLocator("iframe[title='Webhooks']");
    await portal.getByRole("tab", { name: "Attempts" }).click();
    await portal.getByLabel("Status").selectOption("2");
    await portal.getByLabel("Event type").selectOption("invoice.failed");
    const row = portal.getByRole("row").filter({ hasText: failedMsgId });
    await row.getByText("fail", { exact: true }).waitFor(WAIT);
    await portal
      .getByRole("row")
      .filter({ hasText: "invoice.paid" })
      .waitFor({ state: "detached", ...WAIT });
    await audit("endpoint attempts");
    await row.getByRole("link", { name: failedMsgId }).click();
    await portalFrame().waitForURL(new RegExp(`/messages/${failedMsgId}$`), WAIT);
    await portal.getByLabel("Message payload").getByText('"inv_77"').waitFor(WAIT);
    await portal.getByTestId("attempt-code").getByText("500").click();
    await portal
      .getByLabel(/^Response to attempt/)
      .getByText('"database down"')
      .waitFor(WAIT);
    await portal.getByRole("button", { name: "Count failed messages" }).click();
    await portal
      .getByTestId("failed-count")
      .getByText(/^1 failed message since/)
      .waitFor(WAIT);
    await audit("message detail");

    receiver.respond(() => ({ status: 200, body: "ok" }));
    await portal.getByRole("button", { name: "Resend", exact: true }).click();
    await portal.getByText("Resend queued.").waitFor(WAIT);
    await receiver.waitFor(3, 30_000);
    assert.equal(JSON.parse(receiver.requests[2]!.body).invoiceId, "inv_77");
    await portal.getByRole("region", { name: /^To / }).locator(".badge", { hasText: "success" }).first().waitFor(WAIT);
    await portal.getByTestId("attempt-code").getByText("200").waitFor(WAIT);
  });

  test("the endpoints list shows the state and the day's successful deliveries", async () => {
    const portal = page.frameLocator("iframe[title='Webhooks']");
    await portal.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Endpoints" }).click();
    await portalFrame().waitForURL(new RegExp(`/portal/app/${appId}/?$`), WAIT);
    const row = portal.getByRole("row").filter({ hasText: `${receiver.url}/hooks` });
    await row.getByText("enabled").waitFor(WAIT);
    await row.getByRole("img", { name: "2 successful attempts in 24 hours, 1 failed" }).waitFor(WAIT);
    await audit("endpoints");
  });

  test("the event catalog shows each type with its schema and example, and offers no change", async () => {
    const portal = page.frameLocator("iframe[title='Webhooks']");
    await portal.getByRole("link", { name: "Event catalog" }).click();
    await portalFrame().waitForURL(/\/event-types$/, WAIT);
    const paid = portal.getByRole("region", { name: "invoice.paid" });
    await paid.getByText("An invoice was paid in full").waitFor(WAIT);
    await paid.getByLabel("Schema of invoice.paid").getByText('"invoiceId"').first().waitFor(WAIT);
    assert.equal(await portal.getByRole("button").count(), 0);
    await audit("event catalog");
  });

  test("the inspector: a hosted test URL, added as an endpoint, shows deliveries as they arrive", async () => {
    const portal = page.frameLocator("iframe[title='Webhooks']");
    await portal.getByRole("link", { name: "Inspector" }).click();
    await portalFrame().waitForURL(/\/inspector$/, WAIT);
    await portal.getByRole("button", { name: "Create test URL" }).click();
    const url = (await portal.getByTestId("inspector-url").textContent({ timeout: 30_000 }))!;
    assert.match(url, new RegExp(`^${hookline.url}/inspect/insp_`));
    await portal.getByText("Nothing received yet").waitFor(WAIT);
    await portal.getByRole("button", { name: "Add as endpoint" }).click();
    await portal.getByRole("link", { name: /^endpoint ep_/ }).click();
    await portalFrame().waitForURL(/tab=testing$/, WAIT);
    await portal.getByLabel("Event type").selectOption("invoice.paid");
    await portal.getByRole("button", { name: "Send example" }).click();
    await portal.getByTestId("test-result").getByText("success").waitFor(WAIT);
    await portal.getByRole("link", { name: "Inspector" }).click();
    await portalFrame().waitForURL(/\/inspector$/, WAIT);
    await portal.getByTestId("inspector-count").getByText("1 request received.").waitFor(WAIT);
    await portal.getByText(/POST · \d+ bytes/).click();
    await portal
      .getByLabel(/^Body of request/)
      .getByText('"inv_example"')
      .waitFor(WAIT);
    await portal
      .getByLabel(/^Headers of request/)
      .getByText("webhook-signature")
      .waitFor(WAIT);
    await audit("inspector");
  });

  test("a session without ManageEndpoint is offered no way to add or change, and the API refuses it", async () => {
    const { url, token } = await portalUrl({ capabilities: ["ViewBase", "CreateAttempts"] });
    const portal = await openEmbedded(url);
    await portal.getByRole("heading", { name: "Endpoints", level: 1 }).waitFor(WAIT);
    await portal
      .getByRole("row")
      .filter({ hasText: `${receiver.url}/hooks` })
      .waitFor(WAIT);
    assert.equal(await portal.getByRole("link", { name: "Add endpoint" }).count(), 0);
    await portal.getByRole("link", { name: `${receiver.url}/hooks` }).click();
    await portalFrame().waitForURL(/\/endpoints\/ep_/, WAIT);
    await portal.getByRole("tab", { name: "Settings" }).click();
    await portal.getByRole("heading", { name: "State" }).waitFor(WAIT);
    assert.equal(await portal.getByRole("button", { name: "Delete endpoint" }).count(), 0);
    assert.equal(await portal.getByRole("button", { name: "Save settings" }).count(), 0);
    assert.equal(await portal.getByRole("tab", { name: "Signing secret" }).count(), 0);
    assert.equal(await portal.getByRole("button", { name: "Save transformation" }).count(), 0);
    assert.equal(await portal.getByRole("button", { name: "Save headers" }).count(), 0);
    assert.ok(await portal.getByLabel("URL").isDisabled());
    await audit("endpoint settings (view only)");
    const refused = await fetch(`${hookline.url}/api/v1/app/${appId}/endpoint`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ url: `${receiver.url}/other` }),
    });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, "capability_required");
  });

  test("a read-only session sees no write controls", async () => {
    const { url } = await portalUrl({ readOnly: true });
    const portal = await openEmbedded(`${url}&next=${encodeURIComponent(`/messages/${failedMsgId}`)}`);
    await portal.getByLabel("Message payload").waitFor(WAIT);
    assert.equal(await portal.getByRole("button", { name: "Resend", exact: true }).count(), 0);
  });

  test("the operator's font and logo", async () => {
    const { url } = await portalUrl();
    const logo =
      "data:image/svg+xml," + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    const portal = await openEmbedded(
      `${url}&fontFamily=${encodeURIComponent("Georgia, serif")}&icon=${encodeURIComponent(logo)}`,
    );
    await portal.getByRole("heading", { name: "Endpoints", level: 1 }).waitFor(WAIT);
    assert.match(await portalFrame().evaluate(() => getComputedStyle(document.body).fontFamily), /^Georgia, serif/);
    assert.equal(await portal.locator("img.portal-logo").getAttribute("src"), logo);
  });

  test("dark mode, compact layout, hidden navigation and a deep link from the operator", async () => {
    const { url } = await portalUrl();
    const portal = await openEmbedded(`${url}&darkMode=true&compact=true&noNav=true&next=%2Fevent-types`);
    await portal.getByRole("heading", { name: "Event catalog", level: 1 }).waitFor(WAIT);
    await portalFrame().waitForURL(/\/event-types$/, WAIT);
    assert.equal(await portal.getByRole("navigation", { name: "Main" }).count(), 0);
    const frame = portalFrame();
    assert.equal(await frame.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(15, 18, 22)");
    assert.equal(await frame.evaluate(() => getComputedStyle(document.documentElement).fontSize), "13px");
    await audit("event catalog (dark, compact)");
  });

  test("an ended session shows a clear screen with the operator's link for a new one", async () => {
    const { url } = await portalUrl({ sessionId: "customer-42" });
    const ended = await hookline.api("POST", `/api/v1/auth/app/${appId}/expire-all`, { sessionIds: ["customer-42"] });
    assert.equal(ended.status, 204);
    const portal = await openEmbedded(url);
    await portal.getByRole("heading", { name: "Your session has ended" }).waitFor(WAIT);
    await portal.getByTestId("ended-reason").getByText("the token has been revoked").waitFor(WAIT);
    const link = portal.getByRole("link", { name: "Get a new link" });
    assert.equal(await link.getAttribute("href"), `${operatorOrigin}/account`);
    await audit("session ended");
    await link.click();
    await page.waitForURL(`${operatorOrigin}/account`, WAIT);
  });

  test("no script error, no Content-Security-Policy violation, no serious accessibility problem", () => {
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.policyViolations, []);
    assert.deepEqual(accessibility, []);
  });
});
