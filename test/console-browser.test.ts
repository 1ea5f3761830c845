import assert from "node:assert/strict";
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

/**
 * The web console in a real Chromium against a real Hookline delivering to a real receiver: an
 * operator signs in, sets up an application and an endpoint, reveals and rotates its secret,
 * sends a message, follows the attempt, resends, finds a failed delivery and recovers it, reads the
 * overview, loses the session and comes back to the same page. Every page passes an axe-core audit
 * (no serious or critical violation) in light and dark mode, at the narrowest supported width.
 */

const WAIT = { timeout: 30_000 };
const skip = browserSkip;

let hookline: TestHookline;
let receiver: Receiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems = { errors: [], policyViolations: [] };
const accessibility: string[] = [];
let appId = "";
let endpointId = "";

/** Audits the page as it is now, in light and dark mode, and records what is serious. */
async function audit(name: string) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const line of seriousViolations(await axeAudit(page))) accessibility.push(`${name} (${colorScheme}): ${line}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

/** A link of the main navigation (pages have links of the same name, such as breadcrumbs). */
const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name });

async function signIn(token = TEST_TOKEN) {
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

before(async () => {
  if (skip) return;
  receiver = await Receiver.start();
  hookline = await startTestHookline();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  page = await context.newPage();
  problems = await recordPageProblems(page);
  page.on("request", (request) => {
    if (!request.url().startsWith(hookline.url) && !/^(data|blob):/.test(request.url()))
      problems.errors.push(`request to another host: ${request.url()}`);
  });
});

after(async () => {
  await browser?.close();
  await hookline?.close();
  await receiver?.close();
});

describe("the console in Chromium", { skip }, () => {
  test("a page opened without a session leads to sign-in, which refuses a wrong token in the API's words", async () => {
    await page.goto(`${hookline.url}/apps`);
    await page.waitForURL(/\/sign-in\?next=%2Fapps$/, WAIT);
    await audit("sign-in");
    await signIn("not-the-admin-token-0123456789");
    await page.getByRole("alert").getByText("the token is not known").waitFor(WAIT);
    await signIn();
    await page.waitForURL(`${hookline.url}/apps`, WAIT);
    await page.getByRole("heading", { name: "Applications", level: 1 }).waitFor(WAIT);
  });

  test("creates an application and an endpoint", async () => {
    await page.getByLabel("Name").fill("Acme Inc");
    await page.getByLabel("uid (optional)").fill("acme");
    await page.getByRole("button", { name: "Create application" }).click();
    await page.getByRole("heading", { name: "Acme Inc" }).waitFor(WAIT);
    appId = /\/apps\/([^/?]+)/.exec(page.url())![1]!;
    assert.match(appId, /^app_/);
    await audit("application");

    await page.getByLabel("URL").fill(`${receiver.url}/hook`);
    // The form's request, as curl and as an SDK call, follows what is typed.
    const addForm = page.getByRole("form", { name: "Add an endpoint" });
    await addForm.locator("details.copy-as summary").click();
    const createCurl = (await addForm.getByLabel("Shell command").textContent())!;
    assert.match(createCurl, new RegExp(`^curl -X POST '.*/api/v1/app/${appId}/endpoint'`));
    assert.ok(createCurl.includes(JSON.stringify({ url: `${receiver.url}/hook` })), createCurl);
    const createSdk = (await addForm.getByLabel("SDK call").textContent())!;
    assert.ok(createSdk.includes(`await svix.endpoint.create("${appId}", {`), createSdk);
    assert.ok(createSdk.includes(`url: "${receiver.url}/hook"`), createSdk);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await page.waitForURL(/\/endpoints\/ep_/, WAIT);
    endpointId = /\/endpoints\/([^/?]+)/.exec(page.url())![1]!;
    await page.getByRole("heading", { name: `${receiver.url}/hook` }).waitFor(WAIT);
    const listed = await hookline.api("GET", `/api/v1/app/${appId}/endpoint`);
    assert.deepEqual(
      listed.body.data.map((e: { url: string }) => e.url),
      [`${receiver.url}/hook`],
    );
    await audit("endpoint settings");
  });

  test("edits the endpoint's settings; a refused change shows the API's words", async () => {
    await page.getByLabel("Description").fill("Acme's production hooks");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor(WAIT);
    const ep = await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(ep.body.description, "Acme's production hooks");

    await page.getByLabel("URL").fill("ftp://example.com/hook");
    await page.getByRole("button", { name: "Save settings" }).click();
    const refusal = page.getByRole("alert").filter({ hasText: /url/ });
    await refusal.waitFor(WAIT);
    console.log(`the API's refusal as shown: ${await refusal.textContent()}`);
    await page.getByLabel("URL").fill(`${receiver.url}/hook`);
  });

  test("reveals the secret on a click, and rotates it", async () => {
    await page.getByRole("tab", { name: "Secret" }).click();
    assert.equal(await page.getByTestId("secret").count(), 0, "hidden until asked for");
    await page.getByRole("button", { name: "Reveal secret" }).click();
    const before = (await page.getByTestId("secret").textContent())!;
    assert.match(before, /^whsec_/);
    assert.equal(before, (await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).body.key);
    await audit("endpoint secret");

    await page.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("button", { name: "Rotate now" }).click();
    await page
      .getByRole("status")
      .getByText(/Rotated/)
      .waitFor(WAIT);
    const now = (await hookline.api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).body.key;
    assert.notEqual(now, before);
    await page.getByTestId("secret").getByText(now).waitFor(WAIT);
  });

  test("sends a message and watches its attempt arrive", async () => {
    await page.getByRole("link", { name: appId }).click();
    await page.getByLabel("Event type", { exact: true }).fill("invoice.paid");
    await page.getByLabel("Payload (JSON)").fill('{"invoice": "in_42", "amount": 1250}');
    const sendSection = page.getByRole("region", { name: "Send a message" });
    await sendSection.locator("details.copy-as summary").click();
    const sendCurl = (await sendSection.getByLabel("Shell command").textContent())!;
    assert.match(sendCurl, new RegExp(`^curl -X POST '.*/api/v1/app/${appId}/msg'`));
    assert.ok(
      sendCurl.includes(JSON.stringify({ eventType: "invoice.paid", payload: { invoice: "in_42", amount: 1250 } })),
      sendCurl,
    );
    const sendSdk = (await sendSection.getByLabel("SDK call").textContent())!;
    assert.ok(sendSdk.includes(`await svix.message.create("${appId}", {`), sendSdk);
    await page.getByRole("button", { name: "Send message" }).click();
    await page.waitForURL(/\/messages\/msg_/, WAIT);
    await receiver.waitFor(1, 30_000);
    assert.deepEqual(JSON.parse(receiver.requests[0]!.body), { invoice: "in_42", amount: 1250 });
    const destination = page.getByRole("region", { name: `To ${receiver.url}/hook` });
    await destination.locator(".badge", { hasText: "success" }).first().waitFor(WAIT);
    await destination
      .getByRole("link", { name: /^atmpt_/ })
      .first()
      .waitFor(WAIT);
    await page.getByText('"invoice": "in_42"').waitFor(WAIT);
    await audit("message");

    await destination
      .getByRole("link", { name: /^atmpt_/ })
      .first()
      .click();
    await page.getByRole("heading", { name: /^atmpt_/ }).waitFor(WAIT);
    await page.getByRole("cell", { name: "webhook-signature" }).waitFor(WAIT);
    await page.getByText("scheduled", { exact: true }).waitFor(WAIT);
    await audit("attempt");
    await page.goBack();
  });

  test("resends the message", async () => {
    const destination = page.getByRole("region", { name: `To ${receiver.url}/hook` });
    await destination.getByRole("button", { name: "Resend" }).click();
    await receiver.waitFor(2, 30_000);
    await destination.getByRole("cell", { name: "manual" }).waitFor(WAIT);
    assert.equal(receiver.requests[1]!.headers["webhook-id"], receiver.requests[0]!.headers["webhook-id"]);
  });

  test("finds a failed delivery in the log, and recovers it once the endpoint is fixed", async () => {
    // No retries for this type, so the delivery fails for good at its first refusal.
    await hookline.api("POST", "/api/v1/event-type", { name: "invoice.failed", description: "x", retrySchedule: [] });
    receiver.respond(() => ({ status: 500, body: '{"error": "database down"}' }));
    const sent = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.failed",
      eventId: "evt_failed_1",
      payload: { invoice: "in_43" },
    });
    assert.equal(sent.status, 202, sent.text);
    await receiver.waitFor(3, 30_000);

    await page.goto(`${hookline.url}/messages?app=${appId}&type=invoice.failed`);
    const row = page.getByRole("link", { name: sent.body.id });
    await row.waitFor(WAIT);
    assert.equal(await page.getByRole("link", { name: /^msg_/ }).count(), 1, "the filter from the URL applies");
    await audit("messages");
    await row.click();
    const destination = page.getByRole("region", { name: `To ${receiver.url}/hook` });
    await destination.locator(".badge", { hasText: "fail" }).first().waitFor(WAIT);
    await destination
      .getByRole("link", { name: /^atmpt_/ })
      .first()
      .click();
    await page.getByText("database down").waitFor(WAIT);

    receiver.respond(() => ({ status: 200, body: "ok" }));
    await nav("Recovery").click();
    await page.getByLabel("Application", { exact: true }).selectOption(appId);
    await page.getByLabel("Endpoint", { exact: true }).selectOption(endpointId);
    await page.getByRole("button", { name: "Count failed messages" }).click();
    await page
      .getByTestId("failed-count")
      .getByText(/^1 failed message since/)
      .waitFor(WAIT);
    await audit("recovery");
    await page.getByRole("button", { name: "Resend it" }).click();
    await page.getByText("Recovery finished: 1 delivery queued again.").waitFor(WAIT);
    await receiver.waitFor(4, 30_000);
    assert.equal(JSON.parse(receiver.requests[3]!.body).invoice, "in_43");
  });

  test("the overview charts the attempts", async () => {
    await nav("Overview").click();
    await page.getByRole("heading", { name: "Overview" }).waitFor(WAIT);
    // These controls follow the URL: the click navigates, and the control shows the new state once the
    // navigation renders, a moment after the click (so click and wait, rather than check()).
    await page.getByLabel("Last hour").click();
    await page.waitForURL(/range=1h/, WAIT);
    // Four attempts so far: two to invoice.paid (one resend), one failure and its recovery.
    await page.getByTestId("total-attempts").getByText("4", { exact: true }).waitFor(WAIT);
    // The charts draw a moment after the totals render: wait for the second canvas, then count.
    await page.locator("figure.chart canvas").nth(1).waitFor(WAIT);
    assert.equal(await page.locator("figure.chart canvas").count(), 2);
    await audit("overview");
    // The application's endpoint list: failure rate and attempts per hour over the last day.
    await page.goto(`${hookline.url}/apps/${appId}`);
    await page.getByRole("cell", { name: "25% of 4" }).waitFor(WAIT);
    await page.getByRole("img", { name: "4 attempts in 24 hours, 1 failed" }).waitFor(WAIT);
    await nav("Applications").click();
    await page.getByRole("heading", { name: "Applications", level: 1 }).waitFor(WAIT);
    await page.getByPlaceholder("Search by name, uid or id").fill("acme");
    await page.getByRole("link", { name: "Acme Inc" }).waitFor(WAIT);
    await page.getByPlaceholder("Search by name, uid or id").fill("nobody");
    await page.getByText("No application matches.").waitFor(WAIT);
    await audit("applications");
  });

  test("the message log's tail mode shows a new message without a reload", async () => {
    await page.goto(`${hookline.url}/messages?app=${appId}`);
    await page.getByRole("link", { name: /^msg_/ }).first().waitFor(WAIT);
    await page.getByLabel("Follow new messages").click();
    await page.waitForURL(/tail=1/, WAIT);
    const later = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.paid",
      payload: { invoice: "in_44" },
    });
    assert.equal(later.status, 202, later.text);
    await page.getByRole("link", { name: later.body.id }).waitFor(WAIT);
  });

  test("the endpoint's testing tab sends an event type's example and shows the attempt", async () => {
    await page.goto(`${hookline.url}/apps/${appId}/endpoints/${endpointId}?tab=testing`);
    await page.getByLabel("Event type").selectOption("invoice.failed");
    await page.getByRole("button", { name: "Send example" }).click();
    await page
      .getByRole("status")
      .getByText(/Sent as message/)
      .waitFor(WAIT);
    await page.getByRole("tabpanel").locator(".badge", { hasText: "success" }).first().waitFor(WAIT);
    // A successful attempt is recorded only once the receiver has answered.
    const examples = receiver.requests.map((r) => JSON.parse(r.body)).filter((b) => b.example === true);
    assert.deepEqual(
      examples.map((b) => b.type),
      ["invoice.failed"],
    );
    await audit("endpoint testing");
  });

  test("resends the failed deliveries of messages selected in the log", async () => {
    receiver.respond(() => ({ status: 500, body: "down" }));
    const failing = await hookline.api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.failed",
      payload: { invoice: "in_45" },
    });
    await page.goto(`${hookline.url}/apps/${appId}/messages/${failing.body.id}`);
    await page
      .getByRole("region", { name: `To ${receiver.url}/hook` })
      .locator(".badge", { hasText: "fail" })
      .first()
      .waitFor(WAIT);
    receiver.respond(() => ({ status: 200, body: "ok" }));
    await page.goto(`${hookline.url}/messages?app=${appId}&type=invoice.failed`);
    await page.getByLabel(`Select ${failing.body.id}`).check();
    const before = receiver.requests.length;
    await page.getByRole("button", { name: "Resend failed deliveries of 1 selected" }).click();
    await page.getByText("Queued again: 1 failed delivery of 1 message.").waitFor(WAIT);
    await receiver.waitFor(before + 1, 30_000);
    assert.equal(JSON.parse(receiver.requests.at(-1)!.body).invoice, "in_45");
  });

  test("event types: creates one with a schema, refuses an invalid schema in the API's words, archives it", async () => {
    await nav("Event types").click();
    await page.getByRole("heading", { name: "Event types", level: 1 }).waitFor(WAIT);
    await page.getByLabel("Name").fill("invoice.refunded");
    await page.getByLabel("Description", { exact: true }).fill("A payment was refunded");
    await page.getByLabel("JSON Schema (optional)").fill('{"type": "object", "required": ["invoice"]}');
    await page.getByRole("button", { name: "Create event type" }).click();
    await page.getByRole("heading", { name: "Edit invoice.refunded" }).waitFor(WAIT);
    const created = await hookline.api("GET", "/api/v1/event-type/invoice.refunded");
    assert.deepEqual(created.body.schemas, { "1": { type: "object", required: ["invoice"] } });
    await audit("event types");

    await page.getByLabel("JSON Schema (version 1)").fill('{"type": "no-such-type"}');
    await page.getByRole("button", { name: "Save event type" }).click();
    const refusal = page.getByRole("alert").filter({ hasText: /schema/i });
    await refusal.waitFor(WAIT);
    console.log(`the API's refusal as shown: ${await refusal.textContent()}`);
    await page.getByRole("button", { name: "Archive" }).click();
    // Archived types leave the list until it is asked to show them.
    await page.getByRole("heading", { name: "Edit invoice.refunded" }).waitFor({ ...WAIT, state: "hidden" });
    await page.getByLabel("Show archived").click();
    await page.waitForURL(/archived=1/, WAIT);
    const row = page.getByRole("row").filter({ has: page.getByRole("button", { name: "invoice.refunded" }) });
    await row.getByRole("cell", { name: "archived", exact: true }).waitFor(WAIT);
    const archived = await hookline.api("GET", "/api/v1/event-type/invoice.refunded");
    assert.equal(archived.body.archived, true);
  });

  test("administration: creates a token shown once, revokes it, and reads the audit log", async () => {
    await nav("Administration").click();
    await page.getByRole("heading", { name: "Administration", level: 1 }).waitFor(WAIT);
    await page.getByRole("cell", { name: "console session" }).first().waitFor(WAIT);
    await page.getByLabel("Name").fill("ci");
    await page.getByRole("button", { name: "Create token" }).click();
    const shown = (await page.getByTestId("new-token").textContent())!;
    assert.match(shown, /^hk_admin_/);
    const res = await fetch(`${hookline.url}/api/v1/app`, { headers: { authorization: `Bearer ${shown}` } });
    assert.equal(res.status, 200, "the token shown works");
    const row = page.getByRole("row").filter({ has: page.getByRole("cell", { name: "ci", exact: true }) });
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke ci" }).click();
    await row.getByRole("cell", { name: "revoked" }).waitFor(WAIT);
    const after = await fetch(`${hookline.url}/api/v1/app`, { headers: { authorization: `Bearer ${shown}` } });
    assert.equal(after.status, 401);
    await page.getByRole("cell", { name: "POST /api/v1/app", exact: true }).first().waitFor(WAIT);
    await audit("administration");
  });

  test("a lost session leads to sign-in and back to the same page", async () => {
    const messages = await hookline.api("GET", `/api/v1/app/${appId}/msg?limit=1`);
    const path = `/apps/${appId}/messages/${messages.body.data[0].id}`;
    await page.goto(hookline.url + path);
    const destination = page.getByRole("region", { name: `To ${receiver.url}/hook` });
    await destination.getByRole("button", { name: "Resend" }).waitFor(WAIT);
    // The session ends (expired, or revoked elsewhere) while the page is open.
    await context.clearCookies();
    await destination.getByRole("button", { name: "Resend" }).click();
    await page.waitForURL(`${hookline.url}/sign-in?next=${encodeURIComponent(path)}`, WAIT);
    await signIn();
    await page.waitForURL(hookline.url + path, WAIT);
    await destination.getByRole("button", { name: "Resend" }).waitFor(WAIT);
  });

  test("logging out ends the session", async () => {
    const [cookie] = await context.cookies();
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Strict");
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${hookline.url}/sign-in`, WAIT);
    const res = await fetch(`${hookline.url}/api/v1/console/session`, {
      headers: { cookie: `${cookie!.name}=${cookie!.value}` },
    });
    assert.equal(res.status, 401);
    await page.goto(`${hookline.url}/`);
    await page.waitForURL(/\/sign-in\?next=%2F$/, WAIT);
  });

  test("no script error, no blocked asset, no request elsewhere, no serious accessibility problem", () => {
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.policyViolations, []);
    assert.deepEqual(accessibility, []);
  });
});
