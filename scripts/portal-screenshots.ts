import { mkdirSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { launchChromium } from "../test/support/browser.ts";
import { startTestHookline } from "../test/support/hookline.ts";
import { Receiver } from "../test/support/receiver.ts";

/**
 * `npm run screenshots` (after the console's): pictures of the consumer portal's pages for
 * docs/portal.md, from a throwaway Hookline delivering to real receivers on loopback. Each page is
 * opened with a fresh session URL and `next`, as an operator's deep link would; one picture shows
 * the portal in an iframe on an operator's page of another origin.
 */
const OUT = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
mkdirSync(OUT, { recursive: true });

/** A small logo as a data: URL (the portal accepts https: and data: images). */
const LOGO =
  "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="28"><rect width="28" height="28" rx="6" fill="#0f766e"/>` +
      `<text x="36" y="20" font-family="sans-serif" font-size="16" font-weight="700" fill="#0f766e">Acme</text></svg>`,
  );
const THEME = `&primaryColor=0f766e&icon=${encodeURIComponent(LOGO)}`;

const ok = await Receiver.start();
const flaky = await Receiver.start();
flaky.respond((_req, i) => (i % 3 === 2 ? { status: 503, body: '{"error":"maintenance"}' } : { status: 200 }));
let framed = "";
const operator = http.createServer((_req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(
    `<!doctype html><html lang="en"><title>Acme dashboard</title>` +
      `<body style="margin:0;font-family:sans-serif;background:#e2e8f0">` +
      `<div style="padding:14px 24px;background:#0f766e;color:#fff;font-weight:700">Acme dashboard · Settings › Webhooks</div>` +
      `<div style="padding:16px 24px"><iframe title="Webhooks" src="${framed}" style="width:100%;height:720px;border:1px solid #cbd5e1;border-radius:8px;background:#fff"></iframe></div></body></html>`,
  );
});
await new Promise<void>((resolve) => operator.listen(0, "127.0.0.1", resolve));
const operatorOrigin = `http://localhost:${(operator.address() as AddressInfo).port}`;
const hookline = await startTestHookline({ HOOKLINE_PORTAL_FRAME_ANCESTORS: operatorOrigin });
const browser = await launchChromium();
try {
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await hookline.api(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  };
  await api("POST", "/api/v1/event-type", {
    name: "invoice.paid",
    description: "An invoice was paid in full",
    schemas: {
      "1": {
        type: "object",
        required: ["invoice", "amount"],
        properties: { invoice: { type: "string" }, amount: { type: "integer" }, currency: { type: "string" } },
        examples: [{ invoice: "in_4200", amount: 1250, currency: "eur" }],
      },
    },
  });
  await api("POST", "/api/v1/event-type", {
    name: "invoice.failed",
    description: "A payment attempt failed",
    retrySchedule: [],
  });
  const acme = await api("POST", "/api/v1/app", {
    name: "Acme Inc",
    uid: "acme",
    metadata: { "hookline.portal.returnUrl": `${operatorOrigin}/settings/webhooks` },
  });
  const endpoint = await api("POST", `/api/v1/app/${acme.id}/endpoint`, {
    url: `${ok.url}/webhooks`,
    description: "Billing service",
    filterTypes: ["invoice.paid"],
  });
  const flakyEndpoint = await api("POST", `/api/v1/app/${acme.id}/endpoint`, {
    url: `${flaky.url}/hooks`,
    description: "Analytics",
  });
  let failed = "";
  for (let i = 0; i < 24; i++) {
    const type = i % 4 === 3 ? "invoice.failed" : "invoice.paid";
    const msg = await api("POST", `/api/v1/app/${acme.id}/msg`, {
      eventType: type,
      eventId: `evt_${1000 + i}`,
      payload: { invoice: `in_${4200 + i}`, amount: 1250 + i * 10, currency: "eur" },
    });
    if (type === "invoice.failed") failed = msg.id;
  }
  await ok.waitFor(18, 60_000);
  await flaky.waitFor(24, 60_000);
  const inspector = await api("POST", `/api/v1/app/${acme.id}/inspector`, {});
  await fetch(inspector.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "invoice.paid", data: { invoice: "in_9001", amount: 990 } }),
  });
  const sessionUrl = async (extra = "") =>
    (await api("POST", `/api/v1/auth/app-portal-access/${acme.id}`, {})).url + THEME + extra;

  for (const colorScheme of ["light", "dark"] as const) {
    const context = await browser.newContext({ viewport: { width: 1180, height: 820 }, colorScheme });
    const page = await context.newPage();
    const shot = async (name: string, next: string, ready: string, then?: () => Promise<void>) => {
      await page.goto(await sessionUrl(`&next=${encodeURIComponent(next)}`));
      await page.getByText(ready).first().waitFor({ timeout: 30_000 });
      if (then) await then();
      await page.waitForTimeout(300);
      const file = `${OUT}portal-${name}${colorScheme === "dark" ? "-dark" : ""}.png`;
      await page.screenshot({ path: file });
      console.log(file);
    };
    await shot("endpoints", "/", "Successful per hour");
    if (colorScheme === "dark") {
      await context.close();
      continue;
    }
    await shot("new-endpoint", "/endpoints/new", "An invoice was paid in full", async () => {
      await page.getByText("Schema and example").first().click();
    });
    await shot("endpoint", `/endpoints/${flakyEndpoint.id}`, "Attempts over the last");
    await shot("attempts", `/endpoints/${flakyEndpoint.id}?tab=attempts`, "Recover failed deliveries");
    await shot("message", `/messages/${failed}`, "Payload", async () => {
      await page.getByTestId("attempt-code").last().click();
    });
    await shot("testing", `/endpoints/${endpoint.id}?tab=testing`, "Send a test event", async () => {
      await page.getByLabel("Event type").selectOption("invoice.paid");
    });
    await shot("event-catalog", "/event-types", "A payment attempt failed");
    await shot("inspector", "/inspector", "1 request received", async () => {
      await page.getByText(/POST · \d+ bytes/).click();
    });
    const revoked = await api("POST", `/api/v1/auth/app-portal-access/${acme.id}`, { sessionId: "screenshot" });
    await api("POST", `/api/v1/auth/app/${acme.id}/expire-all`, { sessionIds: ["screenshot"] });
    await page.goto(revoked.url + THEME);
    await page.getByText("Get a new link").waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${OUT}portal-ended.png` });
    console.log(`${OUT}portal-ended.png`);
    framed = (await sessionUrl()).replace(/"/g, "&quot;");
    await page.goto(`${operatorOrigin}/`);
    await page.frameLocator("iframe").getByText("Successful per hour").waitFor({ timeout: 30_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}portal-embedded.png` });
    console.log(`${OUT}portal-embedded.png`);
    await context.close();
  }
} finally {
  await browser.close();
  await hookline.close();
  await ok.close();
  await flaky.close();
  await new Promise((resolve) => operator.close(resolve));
}
