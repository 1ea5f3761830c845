import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  axeAudit,
  browserSkip,
  launchChromium,
  recordPageProblems,
  seriousViolations,
  type PageProblems,
} from "./support/browser.ts";
import { startTestHookline, TEST_TOKEN, type TestHookline } from "./support/hookline.ts";
import { Receiver } from "./support/receiver.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * The console's operations pages in a real Chromium against a real Hookline delivering to a real
 * receiver: the overview's backlog and its panel of failing endpoints, opening the consumer
 * portal as an application, filtering the message log by endpoint and delivery status, an inbound
 * GitHub source (a wrongly signed request refused with its reason in the log, a genuine one
 * accepted, forwarded and replayed), the effective configuration with its secrets hidden, and the
 * command palette, by keyboard alone. Every page passes an axe-core audit, light and dark.
 */

const WAIT = { timeout: 30_000 };
const skip = browserSkip;
const GITHUB_SECRET = "It's a Secret to Everybody";

let hookline: TestHookline;
let receiver: Receiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems = { errors: [], policyViolations: [] };
const accessibility: string[] = [];
let appId = "";
let goodEndpoint = "";
let badEndpoint = "";
const sent: string[] = [];

async function audit(name: string) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const line of seriousViolations(await axeAudit(page))) accessibility.push(`${name} (${colorScheme}): ${line}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });

before(async () => {
  if (skip) return;
  receiver = await Receiver.start();
  receiver.respond((req) => (req.path === "/down" ? { status: 500, body: "down" } : { status: 200, body: "ok" }));
  // Failed attempts wait an hour for their retry: they stay in the backlog while the test runs.
  hookline = await startTestHookline({ HOOKLINE_RETRY_SCHEDULE: "3600" });
  const app = await hookline.api("POST", "/api/v1/app", { name: "Globex Corporation", uid: "globex" });
  appId = app.body.id;
  const good = await hookline.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/ok` });
  const bad = await hookline.api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/down` });
  goodEndpoint = good.body.id;
  badEndpoint = bad.body.id;
  for (const n of [1, 2]) {
    const msg = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "order.shipped",
      payload: { order: n },
    });
    assert.equal(msg.status, 202, msg.text);
    sent.push(msg.body.id);
  }
  await waitUntil(
    async () => {
      const backlog = await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${badEndpoint}/stats/backlog`);
      const ok = await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${goodEndpoint}/msg?status=0`);
      return backlog.body.scheduled === 2 && ok.body.data.length === 2;
    },
    30_000,
    "both endpoints' attempts",
    100,
  );
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  page = await context.newPage();
  problems = await recordPageProblems(page);
});

after(async () => {
  await browser?.close();
  await hookline?.close();
  await receiver?.close();
});

describe("the console's operations pages in Chromium", { skip }, () => {
  test("signs in", async () => {
    await page.goto(`${hookline.url}/`);
    await page.getByLabel("Admin token").fill(TEST_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor(WAIT);
  });

  test("the overview shows the backlog and the failing endpoint, for everything, the application and an endpoint", async () => {
    await page.getByTestId("backlog-scheduled").getByText("2", { exact: true }).waitFor(WAIT);
    await page.getByTestId("backlog-due").getByText("0", { exact: true }).waitFor(WAIT);
    const failing = page.getByTestId("failing-endpoints");
    const row = failing.getByRole("row").filter({ hasText: `${receiver.url}/down` });
    await row.getByText("failing").waitFor(WAIT);
    await row.getByRole("cell", { name: "100% of 2" }).waitFor(WAIT);
    await row.getByRole("link", { name: "Globex Corporation" }).waitFor(WAIT);
    assert.equal(
      await failing
        .getByRole("row")
        .filter({ hasText: `${receiver.url}/ok` })
        .count(),
      0,
    );
    await audit("overview with backlog");

    await page.getByRole("combobox", { name: /^Application/ }).selectOption(appId);
    await page.waitForURL(new RegExp(`app=${appId}`), WAIT);
    await row.getByRole("cell", { name: "100% of 2" }).waitFor(WAIT);
    await page.getByRole("combobox", { name: /^Endpoint/ }).selectOption(goodEndpoint);
    await page.waitForURL(new RegExp(`endpoint=${goodEndpoint}`), WAIT);
    await page.getByText("None: every endpoint delivered in this range.").waitFor(WAIT);
    await page.getByTestId("backlog-scheduled").getByText("0", { exact: true }).waitFor(WAIT);
    await page.getByRole("combobox", { name: /^Endpoint/ }).selectOption(badEndpoint);
    await page.waitForURL(new RegExp(`endpoint=${badEndpoint}`), WAIT);
    await page.getByTestId("backlog-scheduled").getByText("2", { exact: true }).waitFor(WAIT);
    await row.click({ trial: true });
  });

  test("opens the consumer portal as the application in a new tab", async () => {
    await page.goto(`${hookline.url}/apps/${appId}`);
    const [portal] = await Promise.all([
      context.waitForEvent("page", WAIT),
      page.getByRole("button", { name: "Open the consumer portal as this application" }).click(),
    ]);
    // The portal moves its token from the fragment into memory at once, so the session shows in what
    // it lists (its endpoints), not in the address, which must no longer hold the token.
    await portal.getByRole("heading", { name: "Endpoints", level: 1 }).waitFor(WAIT);
    assert.ok(portal.url().startsWith(`${hookline.url}/portal/app/${appId}`), portal.url());
    assert.doesNotMatch(portal.url(), /token=/, "the token left the address bar");
    await portal.close();
    await page.getByRole("link", { name: "open again" }).waitFor(WAIT);
  });

  test("filters the message log by endpoint and delivery status, in the URL", async () => {
    await page.goto(`${hookline.url}/messages?app=${appId}`);
    await page.getByRole("link", { name: sent[0]! }).waitFor(WAIT);
    assert.ok(await page.getByLabel("Delivery status").isDisabled(), "a status is an endpoint's");
    await page.getByRole("combobox", { name: /^Endpoint/ }).selectOption(badEndpoint);
    await page.waitForURL(new RegExp(`endpoint=${badEndpoint}`), WAIT);
    await page.getByLabel("Delivery status").selectOption("0");
    await page.waitForURL(/status=0/, WAIT);
    await page.getByText("No message matches.").waitFor(WAIT);
    await page.getByLabel("Delivery status").selectOption("3");
    await page.waitForURL(/status=3/, WAIT);
    for (const id of sent) await page.getByRole("link", { name: id }).waitFor(WAIT);
    assert.equal(await page.locator(".badge", { hasText: "sending" }).count(), 2);
    await audit("messages by status");
    // The URL alone gives the same view.
    await page.goto(`${hookline.url}/messages?app=${appId}&endpoint=${goodEndpoint}&status=0`);
    for (const id of sent) await page.getByRole("link", { name: id }).waitFor(WAIT);
    assert.equal(await page.locator(".badge", { hasText: "success" }).count(), 2);
  });

  test("inbound: creates a GitHub source, shows a refused request's reason, accepts a genuine one and replays it", async () => {
    await nav("Inbound").click();
    await page.getByRole("heading", { name: "Inbound", level: 1 }).waitFor(WAIT);
    await page.getByText("No sources yet").waitFor(WAIT);
    await audit("inbound");
    await page.getByLabel("Name", { exact: true }).fill("GitHub organisation");
    // Each provider's form asks for that provider's settings: Stripe's signing secret, a custom HMAC's header.
    await page.getByLabel("Provider").selectOption("stripe");
    await page.getByRole("textbox", { name: "Signing secret", exact: true }).waitFor(WAIT);
    assert.equal(
      await page.getByRole("textbox", { name: "Signing secret", exact: true }).getAttribute("placeholder"),
      "whsec_…",
    );
    await page.getByLabel("Provider").selectOption("hmac");
    await page.getByLabel("Signature header").waitFor(WAIT);
    await page.getByLabel("Provider").selectOption("github");
    // GitHub's form asks for its webhook secret, and nothing of another provider's.
    assert.equal(await page.getByLabel("Signature header").count(), 0);
    await page.getByLabel("Webhook secret", { exact: true }).fill(GITHUB_SECRET);
    await page.getByRole("button", { name: "Create source" }).click();
    await page.waitForURL(/\/inbound\/src_/, WAIT);
    const sourceId = /\/inbound\/([^/?]+)/.exec(page.url())![1]!;
    const source = await hookline.api("GET", `/ingest/api/v1/source/${sourceId}`);
    assert.equal(source.body.type, "github");
    assert.equal(source.body.config.hasSecret, true);
    const ingestUrl = source.body.ingestUrl as string;
    assert.equal(await page.getByTestId("ingest-url").textContent(), ingestUrl);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hookline.url });
    await page.getByRole("button", { name: "Copy ingest URL" }).click();
    await page.getByRole("status").getByText("Copied.").waitFor(WAIT);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), ingestUrl);

    // Renaming keeps the stored secret: the config is sent only when a setting changed.
    await page.getByLabel("Name", { exact: true }).fill("GitHub organisation (prod)");
    await page.getByRole("button", { name: "Save source" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor(WAIT);
    const renamed = await hookline.api("GET", `/ingest/api/v1/source/${sourceId}`);
    assert.equal(renamed.body.name, "GitHub organisation (prod)");
    assert.equal(renamed.body.config.hasSecret, true);

    await page.getByLabel("Destination URL").fill(`${receiver.url}/github`);
    await page.getByRole("button", { name: "Add destination" }).click();
    await page.getByRole("link", { name: `${receiver.url}/github` }).waitFor(WAIT);

    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const post = (signature: string, delivery: string) =>
      fetch(ingestUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "ping",
          "x-github-delivery": delivery,
          "x-hub-signature-256": signature,
        },
        body,
      });
    const forged = await post(`sha256=${"0".repeat(64)}`, "delivery-forged");
    assert.equal(forged.status, 401);
    const refused = page.getByRole("row").filter({ has: page.locator(".badge", { hasText: "refused" }) });
    await refused.getByText("signature does not match (tried 1 secret)").waitFor(WAIT);
    await audit("inbound source");

    const genuine = await post(
      `sha256=${createHmac("sha256", GITHUB_SECRET).update(body).digest("hex")}`,
      "delivery-genuine",
    );
    assert.equal(genuine.status, 200, await genuine.text());
    const accepted = page.getByRole("row").filter({ has: page.locator(".badge", { hasText: "accepted" }) });
    await accepted.getByRole("link", { name: /^msg_/ }).waitFor(WAIT);
    const forwarded = () => receiver.requests.filter((r) => r.path === "/github");
    await waitUntil(() => forwarded().length === 1, 30_000, "the forward", 100);
    assert.equal(forwarded()[0]!.body, body);

    await accepted.getByRole("button", { name: /^Replay msg_/ }).click();
    await page
      .getByRole("status")
      .getByText(/^Replayed msg_\w+ to 1 destination\.$/)
      .waitFor(WAIT);
    await waitUntil(() => forwarded().length === 2, 30_000, "the replay", 100);
    assert.equal(forwarded()[1]!.headers["webhook-id"], forwarded()[0]!.headers["webhook-id"]);
  });

  test("administration shows the effective configuration, secrets hidden", async () => {
    await nav("Administration").click();
    const settings = page.getByRole("region", { name: "Effective configuration" });
    const adminToken = settings
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "HOOKLINE_ADMIN_TOKEN" }) });
    await adminToken.getByText("hidden", { exact: true }).waitFor(WAIT);
    await adminToken.getByText("environment", { exact: true }).waitFor(WAIT);
    const retries = settings
      .getByRole("row")
      .filter({ has: page.getByRole("rowheader", { name: "HOOKLINE_RETRY_SCHEDULE" }) });
    await retries.getByRole("cell", { name: "3600", exact: true }).waitFor(WAIT);
    assert.ok(!(await page.content()).includes(TEST_TOKEN), "the admin token is nowhere on the page");
    await audit("administration with configuration");
  });

  test("the command palette jumps to an application and to a message, by keyboard alone", async () => {
    await page.keyboard.press("Control+k");
    const dialog = page.getByRole("dialog", { name: "Jump to" });
    await dialog.waitFor(WAIT);
    const input = dialog.getByRole("combobox");
    assert.ok(await input.evaluate((el) => el === document.activeElement), "the search has the focus");
    await page.keyboard.type("globex");
    await dialog.getByRole("option", { name: /Globex Corporation/, selected: true }).waitFor(WAIT);
    await dialog.getByRole("option", { name: new RegExp(`${receiver.url}/down`) }).waitFor(WAIT);
    await audit("command palette");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${hookline.url}/apps/${appId}`, WAIT);
    await page.getByRole("heading", { name: "Globex Corporation" }).waitFor(WAIT);

    await page.keyboard.press("Control+k");
    await page.keyboard.type(sent[1]!);
    await dialog.getByRole("option", { name: new RegExp(`Open message ${sent[1]}`), selected: true }).waitFor(WAIT);
    await page.keyboard.press("Enter");
    await page.waitForURL(`${hookline.url}/apps/${appId}/messages/${sent[1]}`, WAIT);

    // An unknown id says so; Escape closes and gives the focus back.
    const opener = page.getByRole("button", { name: /Jump to/ });
    await opener.focus();
    await page.keyboard.press("Enter");
    await dialog.waitFor(WAIT);
    await page.keyboard.type("msg_2ZnoSuchMessage");
    await page.keyboard.press("Enter");
    await dialog.getByRole("alert").getByText("No message msg_2ZnoSuchMessage.").waitFor(WAIT);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ ...WAIT, state: "hidden" });
    assert.ok(await opener.evaluate((el) => el === document.activeElement), "the focus is back on the opener");
  });

  test("no script error, no Content-Security-Policy violation, no serious accessibility problem", () => {
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.policyViolations, []);
    assert.deepEqual(accessibility, []);
  });
});
