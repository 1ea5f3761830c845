import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../test/support/browser.ts";
import { startTestHookline, TEST_TOKEN } from "../test/support/hookline.ts";
import { Receiver } from "../test/support/receiver.ts";

/**
 * `npm run screenshots`: pictures of the console's main pages for docs/console.md and the README,
 * taken from a real Hookline (a throwaway one, in a temporary data directory) that delivers real
 * messages to a real receiver on loopback, in light and dark mode.
 */
const OUT = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
mkdirSync(OUT, { recursive: true });

const ok = await Receiver.start();
const flaky = await Receiver.start();
// One customer's endpoint fails a third of the time, so the charts and logs show both outcomes.
flaky.respond((_req, i) => (i % 3 === 2 ? { status: 503, body: '{"error":"maintenance"}' } : { status: 200 }));
const hookline = await startTestHookline();
const browser = await launchChromium();
try {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await hookline.api(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  await api("POST", "/api/v1/event-type", {
    name: "invoice.paid",
    description: "An invoice was paid",
    schemas: {
      "1": {
        type: "object",
        required: ["invoice", "amount"],
        properties: { invoice: { type: "string" }, amount: { type: "integer" }, currency: { type: "string" } },
      },
    },
  });
  await api("POST", "/api/v1/event-type", { name: "invoice.failed", description: "Payment failed", retrySchedule: [] });
  const acme = await api("POST", "/api/v1/app", { name: "Acme Inc", uid: "acme" });
  await api("POST", "/api/v1/app", { name: "Globex", uid: "globex" });
  await api("POST", "/api/v1/app", { name: "Initech", uid: "initech" });
  const endpoint = await api("POST", `/api/v1/app/${acme.id}/endpoint`, {
    url: `${ok.url}/webhooks`,
    description: "Acme's billing service",
    filterTypes: ["invoice.paid"],
  });
  await api("POST", `/api/v1/app/${acme.id}/endpoint`, { url: `${flaky.url}/hooks` });
  let last = "";
  for (let i = 0; i < 24; i++) {
    const type = i % 4 === 3 ? "invoice.failed" : "invoice.paid";
    const msg = await api("POST", `/api/v1/app/${acme.id}/msg`, {
      eventType: type,
      eventId: `evt_${1000 + i}`,
      payload: { invoice: `in_${4200 + i}`, amount: 1250 + i * 10, currency: "eur", customer: "cus_8812" },
    });
    if (type === "invoice.paid") last = msg.id;
  }
  await ok.waitFor(18, 60_000);
  await flaky.waitFor(24, 60_000);
  const attempts = await api("GET", `/api/v1/app/${acme.id}/attempt/msg/${last}`);
  // An inbound GitHub source with a destination, one refused (wrongly signed) and one accepted request.
  const github = await api("POST", "/ingest/api/v1/source", {
    name: "GitHub organisation",
    type: "github",
    config: { secret: "screenshot-secret" },
  });
  await api("POST", `/ingest/api/v1/source/${github.id}/endpoint`, { url: `${ok.url}/github` });
  const ping = JSON.stringify({ zen: "Design for failure.", hook_id: 1 });
  for (const [delivery, signature] of [
    ["d-1", `sha256=${"0".repeat(64)}`],
    ["d-2", `sha256=${createHmac("sha256", "screenshot-secret").update(ping).digest("hex")}`],
  ]) {
    await fetch(github.ingestUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": delivery!,
        "x-hub-signature-256": signature!,
      },
      body: ping,
    });
  }
  // A transformation to show in its editor, and a failed attempt followed by a successful resend to compare.
  await api("PATCH", `/api/v1/app/${acme.id}/endpoint/${endpoint.id}/transformation`, {
    code: '{\n  "invoice": payload.invoice,\n  "total": payload.amount,\n  "customer_id": payload.customer\n}',
    language: "jsonata",
    enabled: false,
  });
  const flakyEndpoint = (await api("GET", `/api/v1/app/${acme.id}/endpoint`)).data.find(
    (e: { url: string }) => e.url === `${flaky.url}/hooks`,
  );
  const failed = (await api("GET", `/api/v1/app/${acme.id}/attempt/endpoint/${flakyEndpoint.id}?status=2`)).data[0];
  flaky.respond(() => ({ status: 200, body: '{"received":true}' }));
  const resent = flaky.requests.length;
  await api("POST", `/api/v1/app/${acme.id}/msg/${failed.msgId}/endpoint/${flakyEndpoint.id}/resend`, {});
  await flaky.waitFor(resent + 1, 60_000);
  let succeeded: { id: string } | undefined;
  for (const deadline = Date.now() + 60_000; !succeeded && Date.now() < deadline;) {
    const all = await api("GET", `/api/v1/app/${acme.id}/attempt/msg/${failed.msgId}?endpoint_id=${flakyEndpoint.id}`);
    succeeded = all.data.find(
      (a: { status: number; endpointId: string }) => a.status === 0 && a.endpointId === flakyEndpoint.id,
    );
    if (!succeeded) await new Promise((r) => setTimeout(r, 200));
  }
  const diffPath = `/apps/${acme.id}/messages/${failed.msgId}/compare?a=${failed.id}&b=${succeeded!.id}`;
  const transformationPath = `/apps/${acme.id}/endpoints/${endpoint.id}?tab=transformation`;

  for (const colorScheme of ["light", "dark"] as const) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme });
    const page = await context.newPage();
    const shot = async (name: string, path: string, ready: string) => {
      await page.goto(hookline.url + path);
      await page.getByText(ready).first().waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      const file = `${OUT}${name}${colorScheme === "dark" ? "-dark" : ""}.png`;
      await page.screenshot({ path: file });
      console.log(file);
    };
    await shot("sign-in", "/sign-in", "Admin token");
    await page.getByLabel("Admin token").fill(TEST_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${hookline.url}/`);
    await shot("overview", "/?range=1h", "Success rate");
    await shot("inbound-source", `/inbound/${github.id}`, "signature does not match");
    await shot("endpoint-transformation", transformationPath, '"customer_id": "cus_8812"');
    await shot("attempt-diff", diffPath, "Response body");
    if (colorScheme === "dark") {
      await context.close();
      continue;
    }
    await shot("applications", "/apps", "Globex");
    await shot("application", `/apps/${acme.id}`, "Recent messages");
    await shot("endpoint", `/apps/${acme.id}/endpoints/${endpoint.id}`, "An invoice was paid");
    await shot("endpoint-secret", `/apps/${acme.id}/endpoints/${endpoint.id}?tab=secret`, "Grace period");
    await page.getByText("Copy as curl or SDK call").click();
    await page.getByRole("button", { name: "Copy curl" }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${OUT}copy-as.png` });
    await shot("messages", `/messages?app=${acme.id}`, "evt_1023");
    await shot("message", `/apps/${acme.id}/messages/${last}`, "Payload");
    await shot("attempt", `/apps/${acme.id}/messages/${last}/attempts/${attempts.data[0].id}`, "Request headers");
    await shot("recovery", `/recovery?app=${acme.id}`, "Failed since");
    await shot("administration", "/admin", "console session");
    await shot("event-types", "/event-types?type=invoice.paid", "Edit invoice.paid");
    await shot("inbound", "/inbound", "GitHub organisation");
    await page.goto(`${hookline.url}/admin`);
    await page.getByText("HOOKLINE_ADMIN_TOKEN").waitFor({ timeout: 30_000 });
    await page
      .getByRole("heading", { name: "Effective configuration" })
      .evaluate((heading) => heading.scrollIntoView({ block: "start" }));
    await page.screenshot({ path: `${OUT}configuration.png` });
    await page.keyboard.press("Control+k");
    await page.keyboard.type("ac");
    await page.getByRole("option", { name: /\/hooks/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${OUT}command-palette.png` });
    await page.keyboard.press("Escape");
    // The narrowest window the console supports.
    await page.setViewportSize({ width: 1024, height: 860 });
    await shot("application-1024", `/apps/${acme.id}`, "Recent messages");
    await context.close();
  }
} finally {
  await browser.close();
  await hookline.close();
  await ok.close();
  await flaky.close();
}
