/**
 * fanout_deliveries_per_s: one app with 50 endpoints (all on the receiver, each its own URL), so
 * each message becomes 50 deliveries. A fixed number of messages is sent as fast as a small closed
 * loop allows; rate = deliveries ÷ time from the first request to the last delivery's arrival, and
 * only when every one of the 50 × messages deliveries arrived.
 */
import { ClosedLoop } from "../lib/closed-loop.ts";
import { CpuWindow, log, using, recordPeak, type Bench, type ScenarioResult } from "../lib/context.ts";
import { round } from "../../test/support/stats.ts";
import { sleep } from "../../test/support/wait.ts";
import { ADMIN_TOKEN, Hookline } from "../lib/hookline.ts";
import { apiLoad } from "../lib/measure.ts";
import { summarize } from "../../test/support/stats.ts";

/** Waits until `expected` requests have arrived, or none arrived for `stallMs`. */
async function waitForTotal(b: Bench, expected: number, stallMs = 15_000, maxMs = 600_000): Promise<void> {
  const started = Date.now();
  let seen = b.receiver.total;
  let progress = Date.now();
  while (b.receiver.total < expected && Date.now() - progress < stallMs && Date.now() - started < maxMs) {
    await sleep(10);
    if (b.receiver.total > seen) {
      seen = b.receiver.total;
      progress = Date.now();
    }
  }
}

export async function fanout(b: Bench): Promise<ScenarioResult> {
  const n = b.o.fanoutEndpoints;
  const hookline = await Hookline.start();
  return using(
    hookline,
    async (h) => recordPeak(b, "fanout", await h.stop()),
    async (h) => {
      const appId = await h.createApp("bench fanout");
      for (let i = 0; i < n; i++) await h.createEndpoint(appId, `${b.receiver.url}?endpoint=${i}`);
      const target = { url: h.url, token: ADMIN_TOKEN, appId };
      const concurrency = b.o.fanoutConcurrency;
      return using(
        ClosedLoop.spawn(),
        (g) => g.close(),
        async (gen) => {
          // Warm-up: a tenth of the messages, delivered and discarded.
          b.receiver.reset();
          const warmMessages = Math.max(10, Math.round(b.o.fanoutMessages / 10));
          log(`fanout: warm-up ${warmMessages} messages × ${n} endpoints`);
          const warm = await gen.run(apiLoad(b, target, { seconds: 60, maxRequests: warmMessages, concurrency }));
          await waitForTotal(b, warm.ok * n);

          b.receiver.reset();
          log(`fanout: ${b.o.fanoutMessages} messages × ${n} endpoints, ${concurrency} requests in flight`);
          const cpu = new CpuWindow({ hookline: h.pid, loadGenerator: gen.pid, benchDriver: process.pid });
          const result = await gen.run(
            apiLoad(b, target, { seconds: 300, maxRequests: b.o.fanoutMessages, concurrency }),
          );
          const expected = result.ok * n;
          await waitForTotal(b, expected);
          const cpuUse = cpu.stop();
          const delivered = b.receiver.total;
          const seconds = (b.receiver.lastArrivalAt - result.startUs) / 1e6;
          // Per message: how long until the last of its 50 deliveries? Only the first arrival per id
          // is kept, so this is the first delivery's latency.
          const firstDelivery: number[] = [];
          for (let i = 0; i < result.ids.length; i++) {
            const at = b.receiver.arrivals.get(result.ids[i]!);
            if (at !== undefined) firstDelivery.push(at - result.ackUs[i]!);
          }
          const complete = delivered >= expected && result.ok === b.o.fanoutMessages;
          const rate = complete && seconds > 0 ? Math.round(expected / seconds) : null;
          log(`fanout: ${rate ?? "n/a"} deliveries/s (${delivered}/${expected} in ${round(seconds, 2)} s)`);
          const notes: string[] = [];
          if (delivered < expected) notes.push(`${expected - delivered} of ${expected} deliveries did not arrive`);
          if (delivered > expected) notes.push(`${delivered - expected} deliveries arrived more than once`);
          if (result.ok < b.o.fanoutMessages)
            notes.push(`only ${result.ok} of ${b.o.fanoutMessages} messages were accepted`);
          return {
            metrics: { fanout_deliveries_per_s: rate },
            details: {
              endpoints: n,
              messages: result.ok,
              expectedDeliveries: expected,
              delivered,
              seconds: round(seconds, 2),
              acceptSeconds: round((result.endUs - result.startUs) / 1e6, 2),
              messagesAcceptedPerSecond: round(result.ok / ((result.endUs - result.startUs) / 1e6), 0),
              requestLatency: summarize(Array.from(result.durationsUs)),
              firstDeliveryLatency: summarize(firstDelivery),
              errors: result.errors,
              cpu: cpuUse,
            },
            notes,
          };
        },
      );
    },
  );
}
