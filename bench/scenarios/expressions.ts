/**
 * expressions_{none,filter,transformation,both,javascript}_deliveries_per_s: what payload filters and
 * transformations (JSONata, and the same transformation in JavaScript) cost delivery throughput
 * now that they run in the expression sandbox
 * (src/sandbox/). One Hookline, one app per variant with 10 endpoints each (every endpoint with
 * the same ordinary expressions, all of which let every message through); per variant, a fixed
 * number of messages is sent by a small closed loop and the rate is deliveries ÷ time from the
 * first request to the last delivery's arrival, counted only when every delivery arrived.
 */
import { ClosedLoop } from "../lib/closed-loop.ts";
import { CpuWindow, log, using, recordPeak, type Bench, type ScenarioResult } from "../lib/context.ts";
import { round } from "../../test/support/stats.ts";
import { sleep } from "../../test/support/wait.ts";
import { ADMIN_TOKEN, Hookline } from "../lib/hookline.ts";
import { apiLoad } from "../lib/measure.ts";

const ENDPOINTS = 10;
const CONCURRENCY = 8;
const FILTER = 'eventType = "invoice.paid" and payload.data.amount_paid >= 1000 and payload.data.currency = "eur"';
const TRANSFORMATION =
  '{"event": eventType, "id": msgId, "invoice": payload.data.id, "customer": payload.data.customer, "cents": payload.data.amount_paid, "region": payload.data.metadata.region}';

/** The same six fields, as a Svix-style JavaScript transformation (run in QuickJS in the sandbox). */
const JAVASCRIPT = `function handler(webhook) {
  const d = webhook.payload.data;
  webhook.payload = { event: webhook.eventType, id: webhook.msgId, invoice: d.id, customer: d.customer,
    cents: d.amount_paid, region: d.metadata.region };
  return webhook;
}`;

const VARIANTS: Record<string, { filter: string | null; transformation: string | null }> = {
  none: { filter: null, transformation: null },
  filter: { filter: FILTER, transformation: null },
  transformation: { filter: null, transformation: TRANSFORMATION },
  both: { filter: FILTER, transformation: TRANSFORMATION },
  javascript: { filter: null, transformation: JAVASCRIPT },
};

/** Waits until `expected` requests have arrived, or none arrived for `stallMs`. */
async function waitForTotal(b: Bench, expected: number, stallMs = 15_000): Promise<void> {
  let seen = b.receiver.total;
  let progress = Date.now();
  while (b.receiver.total < expected && Date.now() - progress < stallMs) {
    await sleep(10);
    if (b.receiver.total > seen) {
      seen = b.receiver.total;
      progress = Date.now();
    }
  }
}

export async function expressions(b: Bench): Promise<ScenarioResult> {
  const hookline = await Hookline.start();
  return using(
    hookline,
    async (h) => recordPeak(b, "expressions", await h.stop()),
    async (h) => {
      const apps: Record<string, string> = {};
      for (const [variant, { filter, transformation }] of Object.entries(VARIANTS)) {
        const appId = await h.createApp(`bench expressions ${variant}`);
        for (let i = 0; i < ENDPOINTS; i++) {
          const endpointId = await h.createEndpoint(
            appId,
            `${b.receiver.url}?${variant}=${i}`,
            filter ? { filter } : {},
          );
          if (transformation)
            await h.call(
              "PATCH",
              `/api/v1/app/${appId}/endpoint/${endpointId}/transformation`,
              { code: transformation, enabled: true },
              204,
            );
        }
        apps[variant] = appId;
      }
      const metrics: Record<string, number | null> = {};
      const details: Record<string, unknown> = {};
      const notes: string[] = [];
      await using(
        ClosedLoop.spawn(),
        (g) => g.close(),
        async (gen) => {
          for (const [variant, appId] of Object.entries(apps)) {
            const target = { url: h.url, token: ADMIN_TOKEN, appId };
            b.receiver.reset();
            const warm = await gen.run(apiLoad(b, target, { seconds: 60, maxRequests: 30, concurrency: CONCURRENCY }));
            await waitForTotal(b, warm.ok * ENDPOINTS);

            b.receiver.reset();
            const messages = b.o.expressionMessages;
            log(`expressions: ${variant}: ${messages} messages × ${ENDPOINTS} endpoints`);
            const cpu = new CpuWindow({ hookline: h.pid, loadGenerator: gen.pid, benchDriver: process.pid });
            const result = await gen.run(
              apiLoad(b, target, { seconds: 300, maxRequests: messages, concurrency: CONCURRENCY }),
            );
            const expected = result.ok * ENDPOINTS;
            await waitForTotal(b, expected);
            const cpuUse = cpu.stop();
            const delivered = b.receiver.total;
            const seconds = (b.receiver.lastArrivalAt - result.startUs) / 1e6;
            const complete = delivered >= expected && result.ok === messages;
            const rate = complete && seconds > 0 ? Math.round(expected / seconds) : null;
            log(`expressions: ${variant}: ${rate ?? "n/a"} deliveries/s (${delivered}/${expected})`);
            if (!complete) notes.push(`${variant}: ${delivered} of ${expected} deliveries arrived`);
            metrics[`expressions_${variant}_deliveries_per_s`] = rate;
            details[variant] = { messages: result.ok, delivered, seconds: round(seconds, 2), cpu: cpuUse };
          }
        },
      );
      return { metrics, details, notes };
    },
  );
}
