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

/**
 * The console's endpoint editing in a real Chromium against a real Hookline delivering to a real
 * receiver: every endpoint setting saved and read back through the API, custom headers, a secret
 * rotated with a chosen grace period (seen in the signatures the receiver gets), a transformation
 * edited with its live preview and written by the field mapper, two attempts of one message
 * compared, and "copy as curl" whose command, run with fetch, does what the console would.
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
let sampleId = "";

const SAMPLE = { invoice: "in_1", amount: 1250, currency: "eur", customer: { id: "cus_1", country: "FR" } };

async function audit(name: string) {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    for (const line of seriousViolations(await axeAudit(page))) accessibility.push(`${name} (${colorScheme}): ${line}`);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

async function api(method: string, path: string, body?: unknown) {
  const res = await hookline.api(method, path, body);
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

/** A POSIX single-quoted shell word's text. */
const unquote = (word: string) => word.slice(1, -1).replace(/'\\''/g, "'");
const QUOTED = String.raw`'(?:[^']|'\\'')*'`;

/**
 * What the shell would send for one of the console's curl commands: its method, URL, headers and
 * body, with `$HOOKLINE_TOKEN` expanded (as the user's shell would, from the environment).
 */
function runCurl(command: string, token: string): Promise<Response> {
  const [, method, url] = new RegExp(String.raw`^curl -X (\w+) (${QUOTED})`).exec(command)!;
  const headers: Record<string, string> = {};
  for (const [, double, single] of command.matchAll(new RegExp(String.raw`-H (?:"([^"]*)"|(${QUOTED}))`, "g"))) {
    const header = (double ?? unquote(single!)).replace("$HOOKLINE_TOKEN", token);
    const colon = header.indexOf(":");
    headers[header.slice(0, colon)] = header.slice(colon + 1).trim();
  }
  const data = new RegExp(String.raw`-d (${QUOTED})`).exec(command)?.[1];
  return fetch(unquote(url!), { method, headers, body: data === undefined ? undefined : unquote(data) });
}

/** Runs an SDK snippet as a user would, with the real `svix` package and HOOKLINE_TOKEN in the environment. */
async function runSdk(snippet: string): Promise<void> {
  const { Svix } = await import("svix");
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const code = snippet.replace(/^import .*$/m, "");
  await new AsyncFunction("Svix", "process", code)(Svix, { env: { HOOKLINE_TOKEN: TEST_TOKEN } });
}

/** The curl command shown by the copy-as panel of a region (opened first). */
async function curlOf(region: ReturnType<Page["getByRole"]>) {
  const details = region.locator("details.copy-as");
  if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
  return (await region.getByLabel("Shell command").textContent())!;
}

/** Which of these secrets signed the next delivery (Standard Webhooks: HMAC-SHA256 of id.timestamp.body). */
async function signers(secrets: string[]): Promise<string[]> {
  const before = receiver.requests.length;
  await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "invoice.paid", payload: SAMPLE });
  await receiver.waitFor(before + 1, 30_000);
  const r = receiver.requests.at(-1)!;
  const signed = `${r.headers["webhook-id"]}.${r.headers["webhook-timestamp"]}.${r.body}`;
  const sent = String(r.headers["webhook-signature"]).split(" ");
  return secrets.filter((s) =>
    sent.includes(
      `v1,${createHmac("sha256", Buffer.from(s.slice("whsec_".length), "base64"))
        .update(signed)
        .digest("base64")}`,
    ),
  );
}

before(async () => {
  if (skip) return;
  receiver = await Receiver.start();
  hookline = await startTestHookline();
  await api("POST", "/api/v1/event-type", {
    name: "invoice.paid",
    description: "An invoice was paid",
    schemas: {
      "1": {
        type: "object",
        properties: { invoice: { type: "string" }, amount: { type: "integer" } },
        examples: [{ invoice: "in_example", amount: 999 }],
      },
    },
  });
  await api("POST", "/api/v1/event-type", {
    name: "invoice.failed",
    description: "A payment failed",
    retrySchedule: [],
  });
  appId = (await api("POST", "/api/v1/app", { name: "Acme Inc" })).id;
  endpointId = (await api("POST", `/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/hook` })).id;
  sampleId = (await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "invoice.paid", payload: SAMPLE })).id;
  await receiver.waitFor(1, 30_000);

  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: hookline.url });
  page = await context.newPage();
  problems = await recordPageProblems(page);
  await page.goto(`${hookline.url}/sign-in`);
  await page.getByLabel("Admin token").fill(TEST_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${hookline.url}/`, WAIT);
});

after(async () => {
  await browser?.close();
  await hookline?.close();
  await receiver?.close();
});

describe("editing an endpoint in the console", { skip }, () => {
  test("settings: every field is saved and read back through the API; a bad filter shows the API's words", async () => {
    await page.goto(`${hookline.url}/apps/${appId}/endpoints/${endpointId}?tab=settings`);
    const settings = page.getByRole("region", { name: "Settings" });
    // The catalog's types, with their descriptions.
    await settings.getByText("An invoice was paid").waitFor(WAIT);
    await settings.getByRole("checkbox", { name: /invoice\.paid/ }).check();
    await settings.getByLabel(/Other types or patterns/).fill("order.*");
    await settings.getByLabel(/^Channels/).fill("eu, billing");
    await settings.getByLabel(/^Payload filter/).fill("payload.amount >");
    await settings.getByLabel(/^Rate limit/).fill("50");
    await settings.getByLabel("Format").selectOption("cloudevents-structured");
    await settings.getByLabel(/validation handshake/).check();
    await settings.getByLabel(/Ordered: deliver/).check();
    await settings.getByLabel("Version").fill("3");
    const refusal = settings.getByRole("alert");
    // On a loaded machine the expression sandbox may answer 429 sandbox_busy (shown as such): save again then.
    for (let tries = 0; tries < 5; tries++) {
      await settings.getByRole("button", { name: "Save settings" }).click();
      await refusal.waitFor(WAIT);
      if (!/sandbox_busy/.test((await refusal.textContent())!)) break;
    }
    assert.match((await refusal.textContent())!, /body\.filter: is not a valid JSONata expression/);

    await settings.getByLabel(/^Payload filter/).fill("payload.amount > 100");
    await settings.getByRole("button", { name: "Save settings" }).click();
    await settings.getByRole("status").getByText("Saved.").waitFor(WAIT);
    const ep = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.deepEqual(
      {
        filterTypes: ep.filterTypes,
        channels: ep.channels,
        filter: ep.filter,
        rateLimit: ep.rateLimit,
        format: ep.format,
        cloudEventsHandshake: ep.cloudEventsHandshake,
        ordered: ep.ordered,
        version: ep.version,
      },
      {
        filterTypes: ["invoice.paid", "order.*"],
        channels: ["eu", "billing"],
        filter: "payload.amount > 100",
        rateLimit: 50,
        format: "cloudevents-structured",
        cloudEventsHandshake: true,
        ordered: true,
        version: 3,
      },
    );
    await settings.locator("details.copy-as summary").click();
    await audit("endpoint settings");
  });

  test("copy as curl: the command for an unsaved change, run as the shell would, makes that change", async () => {
    const settings = page.getByRole("region", { name: "Settings" });
    await settings.getByLabel("Description").fill("Changed from a copied curl command");
    const curl = await curlOf(settings);
    assert.match(curl, /^curl -X PATCH '.*\/api\/v1\/app\/app_\w+\/endpoint\/ep_\w+' \\\n/);
    assert.ok(curl.includes('-H "Authorization: Bearer $HOOKLINE_TOKEN"'), curl);
    const [cookie] = await context.cookies();
    assert.ok(!curl.includes(cookie!.value), "the session never appears in a snippet");
    const sdk = (await settings.getByLabel("SDK call").textContent())!;
    assert.match(sdk, /await svix\.endpoint\.patch\("app_\w+", "ep_\w+", \{/);
    assert.match(
      sdk,
      /left out here \(the curl command sends them\): filter, ordered, format, cloudEventsHandshake, version\./,
    );

    // The copy button puts exactly the shown text on the clipboard.
    await settings.getByRole("button", { name: "Copy curl" }).click();
    await settings.getByRole("status").getByText("Copied.").first().waitFor(WAIT);
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), curl);

    const res = await runCurl(curl, TEST_TOKEN);
    assert.equal(res.status, 200, await res.text());
    const ep = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.equal(ep.description, "Changed from a copied curl command");
    assert.equal(ep.version, 3);

    // The SDK form, run with the real svix package, does the same for the fields its model has.
    await settings.getByLabel("Description").fill("Changed from a copied SDK call");
    await settings.getByLabel(/^Rate limit/).fill("75");
    await runSdk((await settings.getByLabel("SDK call").textContent())!);
    const viaSdk = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}`);
    assert.deepEqual(
      [viaSdk.description, viaSdk.throttleRate, viaSdk.eventTypes],
      ["Changed from a copied SDK call", 75, ["invoice.paid", "order.*"]],
    );
  });

  test("custom headers are added and removed through the headers sub-resource", async () => {
    const headers = page.getByRole("region", { name: "Custom headers" });
    await headers.getByRole("button", { name: "Add header" }).click();
    await headers.getByLabel("Header 1 name").fill("X-Tenant");
    await headers.getByLabel("Header 1 value").fill("acme");
    await headers.getByRole("button", { name: "Add header" }).click();
    await headers.getByLabel("Header 2 name").fill("Authorization");
    await headers.getByLabel("Header 2 value").fill("Basic c2VjcmV0");
    await headers.getByRole("button", { name: "Save headers" }).click();
    await headers.getByRole("status").getByText("Headers saved.").waitFor(WAIT);
    const saved = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/headers`);
    assert.deepEqual(saved, { headers: { "X-Tenant": "acme" }, sensitive: ["Authorization"] });

    // The sensitive value is not shown back; leaving it empty keeps it while another header goes.
    await headers.getByPlaceholder("(hidden; type to replace)").waitFor(WAIT);
    await headers.getByRole("button", { name: "Remove X-Tenant" }).click();
    await headers.getByRole("button", { name: "Save headers" }).click();
    await headers.getByRole("status").getByText("Headers saved.").waitFor(WAIT);
    const after = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/headers`);
    assert.deepEqual(after, { headers: {}, sensitive: ["Authorization"] });

    // Back to a plain endpoint for the deliveries of the tests below.
    await api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}`, {
      filterTypes: null,
      channels: null,
      filter: null,
      format: "standard",
      cloudEventsHandshake: false,
      ordered: false,
    });
    await api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}/headers`, {
      headers: {},
      deleteHeaders: ["Authorization"],
    });
  });

  test("rotates the secret with a chosen grace period: deliveries carry both signatures, then one", async () => {
    const first = (await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).key as string;
    await page.goto(`${hookline.url}/apps/${appId}/endpoints/${endpointId}?tab=secret`);
    const secret = page.getByRole("region", { name: "Signing secret" });
    await secret.getByLabel("Grace period").selectOption({ label: "1 hour" });
    const curl = await curlOf(secret);
    assert.ok(curl.includes(`-d '{"gracePeriodSeconds":3600}'`), curl);
    const sdk = (await secret.getByLabel("SDK call").textContent())!;
    assert.match(sdk, /svix\.endpoint\.rotateSecret\("app_\w+", "ep_\w+", \{\n {2}gracePeriodSeconds: 3600,\n\}\)/);
    await audit("endpoint secret");
    await secret.getByRole("button", { name: "Rotate secret" }).click();
    await secret.getByRole("button", { name: "Rotate now" }).click();
    await secret
      .getByRole("status")
      .getByText(/keeps signing alongside it for 1 hour/)
      .waitFor(WAIT);

    const keyNow = async () => (await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/secret`)).key as string;
    const second = await keyNow();
    assert.notEqual(second, first);
    assert.deepEqual(await signers([first, second]), [first, second], "the old secret signs alongside the new one");

    await secret.getByLabel("Grace period").selectOption({ label: "No grace: the old secret stops at once" });
    await secret.getByRole("button", { name: "Rotate secret" }).click();
    await secret.getByRole("button", { name: "Rotate now" }).click();
    await secret
      .getByRole("status")
      .getByText(/the old secret no longer signs/)
      .waitFor(WAIT);
    const third = await keyNow();
    // The first secret's hour of grace goes on; the second, replaced without grace, signs no more.
    assert.deepEqual(await signers([first, second, third]), [first, third]);

    // The SDK form of a rotation with an hour's grace, run with the real svix package.
    await secret.getByLabel("Grace period").selectOption({ label: "1 hour" });
    const sdkWithGrace = (await secret.getByLabel("SDK call").textContent())!;
    assert.match(sdkWithGrace, /gracePeriodSeconds: 3600/);
    await runSdk(sdkWithGrace);
    const fourth = await keyNow();
    assert.notEqual(fourth, third);
    assert.deepEqual(await signers([first, second, third, fourth]), [first, third, fourth]);
  });

  test("transformation: the preview follows the editor, in JSONata and JavaScript, and errors are the API's", async () => {
    await page.goto(`${hookline.url}/apps/${appId}/endpoints/${endpointId}?tab=transformation`);
    await page.getByLabel("Sample", { exact: true }).selectOption(`msg:${sampleId}`);
    const preview = page.getByTestId("preview");
    const editor = page.getByLabel("Code", { exact: true });
    // The code editor (CodeMirror, loaded with this tab, not with the first page) replaces the plain text area.
    await page.locator(".cm-editor").waitFor(WAIT);
    assert.equal(await editor.getAttribute("contenteditable"), "true");
    // Tab indents inside it; Escape then Tab leaves it, so a keyboard user is never trapped.
    const focused = () => editor.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el);
    await editor.focus();
    assert.equal(await focused(), true);
    await page.keyboard.press("Escape");
    await page.keyboard.press("Tab");
    assert.equal(await focused(), false);
    // Untouched, a new transformation passes the payload through.
    await preview.getByText('"customer": {').waitFor(WAIT);

    await editor.fill('{"id": payload.invoice, "cents": payload.amount * 100}');
    await preview.getByText('"cents": 125000').waitFor(WAIT);
    // Text typed over a selection that starts at a marked bracket: Chromium keeps the mark's look
    // as a style attribute on the new text if the mark is a background colour, which the
    // Content-Security-Policy blocks (the last test of this file finds it).
    await editor.press("Control+Home");
    await page.locator(".cm-matchingBracket").first().waitFor(WAIT);
    // Selected and replaced in one task, before the editor redraws, as a paste or an input method can.
    await editor.evaluate((content) => {
      const selection = (content.getRootNode() as Document).getSelection?.() ?? document.getSelection()!;
      const range = document.createRange();
      range.selectNodeContents(content);
      selection.removeAllRanges();
      selection.addRange(range);
      document.execCommand("insertText", false, '{"id": payload.invoice, "cents": payload.amount * 100}');
    });
    await preview.getByText('"cents": 125000').waitFor(WAIT);
    await editor.fill('{"id": payload.invoice,');
    await preview.getByRole("alert").getByText(/code/).waitFor(WAIT);

    await page.getByRole("radio", { name: "JavaScript" }).check();
    await editor.fill(
      "function handler(webhook) {\n  webhook.payload = { who: webhook.payload.customer.id };\n  webhook.method = 'PUT';\n  return webhook;\n}",
    );
    await preview.getByText('"who": "cus_1"').waitFor(WAIT);
    await preview.getByText(/^PUT /).waitFor(WAIT);

    // An event type's example as the sample.
    await page.getByLabel("Sample", { exact: true }).selectOption("example:invoice.paid");
    assert.match(await page.getByLabel(/^Payload \(JSON/).inputValue(), /in_example/);
    await page.getByLabel("Sample", { exact: true }).selectOption(`msg:${sampleId}`);
    await audit("endpoint transformation");
  });

  test("the field mapper writes JSONata: chosen, renamed and dropped fields, then saved and delivered", async () => {
    const mapper = page.getByRole("region", { name: "Field mapper" });
    await mapper.getByLabel("Keep currency").uncheck();
    await mapper.getByLabel("Keep customer.country").uncheck();
    await mapper.getByLabel("Send amount as").fill("total");
    await mapper.getByLabel("Send customer.id as").fill("customer_id");
    await mapper.getByRole("button", { name: "Use this mapping" }).click();
    const code = (await page.getByLabel("Code", { exact: true }).locator(".cm-line").allTextContents()).join("\n");
    assert.equal(
      code,
      '{\n  "invoice": payload.invoice,\n  "total": payload.amount,\n  "customer_id": payload.customer.id\n}',
    );
    assert.equal(await page.getByRole("radio", { name: "JSONata" }).isChecked(), true);
    const preview = page.getByTestId("preview");
    await preview.getByText('"customer_id": "cus_1"').waitFor(WAIT);
    assert.deepEqual(JSON.parse((await preview.getByLabel("Transformed payload").textContent())!), {
      invoice: "in_1",
      total: 1250,
      customer_id: "cus_1",
    });

    await page.getByLabel(/Enabled: transform/).check();
    await page.getByRole("button", { name: "Save transformation" }).click();
    await page.getByRole("status").getByText("Transformation saved and enabled.").waitFor(WAIT);
    const saved = await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`);
    assert.deepEqual([saved.code, saved.language, saved.enabled], [code, "jsonata", true]);

    const before = receiver.requests.length;
    await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "invoice.paid", payload: SAMPLE });
    await receiver.waitFor(before + 1, 30_000);
    assert.deepEqual(JSON.parse(receiver.requests.at(-1)!.body), {
      invoice: "in_1",
      total: 1250,
      customer_id: "cus_1",
    });
    await api("PATCH", `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`, { enabled: false });
  });

  test("compares two attempts of one message: a failure and the resend that succeeded", async () => {
    receiver.respond(() => ({
      status: 500,
      body: '{"error": "database down"}',
      headers: { "X-Failure-Reason": "db-down" },
    }));
    const failing = await api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.failed",
      payload: { invoice: "in_2" },
    });
    await page.goto(`${hookline.url}/apps/${appId}/messages/${failing.id}`);
    const destination = page.getByRole("region", { name: `To ${receiver.url}/hook` });
    await destination.locator(".badge", { hasText: "fail" }).first().waitFor(WAIT);
    receiver.respond(() => ({
      status: 200,
      body: '{"ok": true}',
      headers: { "X-Receipt-Id": "rcpt_9", "Set-Cookie": "session=cookie-secret-1" },
    }));

    // The resend, through the copied curl command: the console's own action, run elsewhere.
    const curl = await curlOf(destination);
    assert.match(curl, /^curl -X POST '.*\/msg\/msg_\w+\/endpoint\/ep_\w+\/resend'/);
    const sdk = (await destination.getByLabel("SDK call").textContent())!;
    assert.match(sdk, new RegExp(`svix\\.messageAttempt\\.resend\\("${appId}", "${failing.id}", "${endpointId}"\\);`));
    const before = receiver.requests.length;
    const res = await runCurl(curl, TEST_TOKEN);
    assert.equal(res.status, 202, await res.text());
    await receiver.waitFor(before + 1, 30_000);
    // The resend happened outside this page: reload until it shows the delivery's new state.
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      await page.reload();
      const shown = destination.locator(".badge", { hasText: "success" }).first();
      if (
        await shown.waitFor({ timeout: 2_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
    }
    await destination.locator(".badge", { hasText: "success" }).first().waitFor(WAIT);

    const compare = page.getByRole("region", { name: "Compare two attempts" });
    await compare.getByRole("button", { name: "Compare" }).waitFor(WAIT);
    await compare.getByRole("button", { name: "Compare" }).click();
    await page.waitForURL(/\/compare\?a=atmpt_\w+&b=atmpt_\w+$/, WAIT);
    await page.getByRole("heading", { name: "Two attempts compared" }).waitFor(WAIT);
    const status = page.getByRole("row", { name: /^Response status/ });
    await status.getByRole("cell", { name: "500" }).waitFor(WAIT);
    await status.getByRole("cell", { name: "200" }).waitFor(WAIT);
    assert.match((await status.getAttribute("class")) ?? "", /diff-changed/);
    assert.match((await page.getByRole("row", { name: /^Trigger/ }).textContent())!, /scheduled.*manual/);
    const body = (await page.getByLabel("Response body diff").textContent())!;
    assert.match(body, /^- {3}"error": "database down"$/m);
    assert.match(body, /^\+ {3}"ok": true$/m);
    assert.match((await page.getByLabel("Request body diff").textContent())!, /"invoice": "in_2"/);
    await page
      .getByLabel("Request headers diff")
      .getByText(/webhook-signature: \(redacted\)/)
      .waitFor(WAIT);
    const responseHeaders = (await page.getByLabel("Response headers diff").textContent())!;
    assert.match(responseHeaders, /^- x-failure-reason: db-down$/m);
    assert.match(responseHeaders, /^\+ x-receipt-id: rcpt_9$/m);
    assert.match(responseHeaders, /^\+ set-cookie: \(redacted\)$/m);
    assert.doesNotMatch(responseHeaders, /cookie-secret-1/);
    await audit("attempt diff");

    // The newer attempt's own page shows what its receiver answered, headers included.
    await page.locator("thead a.mono").nth(1).click();
    await page.waitForURL(/\/attempts\/atmpt_\w+$/, WAIT);
    const table = page.getByRole("table", { name: "Response headers" });
    await table.getByRole("row", { name: /x-receipt-id\s*rcpt_9/ }).waitFor(WAIT);
    await table.getByRole("row", { name: /set-cookie\s*\(redacted\)/ }).waitFor(WAIT);
    await audit("attempt detail");
  });

  test("recovery offers its curl command, which recovers when run", async () => {
    receiver.respond(() => ({ status: 500, body: "down" }));
    const lost = await api("POST", `/api/v1/app/${appId}/msg`, {
      eventType: "invoice.failed",
      payload: { invoice: "in_3" },
    });
    // Its only attempt (no retries for this type) has failed once the delivery's state says so.
    const state = async () =>
      (await api("GET", `/api/v1/app/${appId}/msg/${lost.id}/endpoint`)).data[0]?.statusText as string | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline && (await state()) !== "fail";)
      await new Promise((r) => setTimeout(r, 200));
    assert.equal(await state(), "fail");
    receiver.respond(() => ({ status: 200, body: "ok" }));
    await page.goto(`${hookline.url}/recovery?app=${appId}&endpoint=${endpointId}`);
    const curl = await curlOf(page.getByRole("region", { name: "Recover an endpoint" }));
    assert.match(curl, /^curl -X POST '.*\/endpoint\/ep_\w+\/recover'/);
    assert.match(curl, /-d '\{"since":"[^"]+Z"\}'/);
    const before = receiver.requests.length;
    const res = await runCurl(curl, TEST_TOKEN);
    assert.equal(res.status, 202, await res.text());
    await receiver.waitFor(before + 1, 30_000);
    assert.ok(receiver.requests.slice(before).some((r) => JSON.parse(r.body).invoice === "in_3"));
  });

  test("no script error, no Content-Security-Policy violation, no serious accessibility problem", () => {
    assert.deepEqual(problems.errors, []);
    assert.deepEqual(problems.policyViolations, []);
    assert.deepEqual(accessibility, []);
  });
});
