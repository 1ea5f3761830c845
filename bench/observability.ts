/**
 * `node --import tsx bench/observability.ts`: the CPU cost, per delivery attempt, of what the
 * observability layer adds to the delivery path, measured in isolation so that it can be read on a
 * machine too busy for the end-to-end scenarios to compare two builds:
 * - the delivery metrics (counters and histograms of one recorded attempt);
 * - the attempt log line (pino at info, written synchronously to /dev/null as to stdout);
 * - the store wrapper (one timed call of a store method that resolves at once);
 * - the HTTP hook (one API request counted and timed).
 * Each is run --iterations times after a warm-up, three times; the best run is reported in µs per call.
 */
import { parseArgs } from "node:util";
import pino from "pino";
import { DeliveryStatus, TriggerType, type Attempt, type Endpoint, type Message } from "../src/core/entities.ts";
import type { DeliveryJob } from "../src/delivery/dispatcher.ts";
import { AttemptLog } from "../src/observability/attempt-log.ts";
import type { AttemptObservation } from "../src/observability/delivery-observer.ts";
import { DeliveryMetrics } from "../src/observability/delivery-metrics.ts";
import { HooklineMetrics } from "../src/observability/metrics.ts";
import { instrumentStore } from "../src/observability/store-metrics.ts";
import type { Store } from "../src/store/store.ts";

const { values } = parseArgs({ options: { iterations: { type: "string", default: "200000" } } });
const iterations = Number(values.iterations);

const metrics = new HooklineMetrics({ metricsTenantLabels: false, metricsTenantLimit: 100 }, {});
const now = Date.now();
const job: DeliveryJob = {
  id: "dlv_1",
  appId: "app_1",
  msgId: "msg_1",
  endpointId: "ep_1",
  attemptCount: 0,
  trigger: TriggerType.Scheduled,
  dueAt: now - 2,
};
const message = { id: "msg_1", appId: "app_1", eventType: "invoice.paid", eventId: "evt_1", createdAt: now - 5 };
const attempt: Attempt = {
  id: "atmpt_1",
  appId: "app_1",
  msgId: "msg_1",
  endpointId: "ep_1",
  url: "https://example.com/hook",
  status: DeliveryStatus.Success,
  responseStatusCode: 200,
  response: "ok",
  responseDurationMs: 3,
  triggerType: TriggerType.Scheduled,
  errorKind: null,
  requestHeaders: {},
  responseHeaders: null,
  createdAt: now,
};
const observation: AttemptObservation = {
  job,
  message: message as unknown as Message,
  endpoint: { id: "ep_1" } as unknown as Endpoint,
  attempt,
  decision: {
    status: DeliveryStatus.Success,
    nextAttemptAt: null,
    errorKind: null,
    endpointFailingSince: null,
    disableEndpoint: false,
  },
  requestSent: true,
  pickedUpAt: now,
};

async function measure(name: string, call: () => unknown): Promise<void> {
  const runs: number[] = [];
  for (let run = 0; run < 4; run++) {
    const started = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const r = call();
      if (r instanceof Promise) await r;
    }
    const used = process.cpuUsage(started);
    if (run > 0) runs.push((used.user + used.system) / iterations);
  }
  console.log(`| ${name} | ${Math.min(...runs).toFixed(2)} µs |`);
}

console.log(`| per call (best of 3 × ${iterations}) | CPU |`);
console.log("| --- | ---: |");
const deliveryMetrics = new DeliveryMetrics(metrics);
await measure("delivery metrics, one attempt", () => deliveryMetrics.attemptRecorded(observation));
const log = new AttemptLog(
  pino({ level: "info", base: undefined }, pino.destination({ dest: "/dev/null", sync: true })),
);
await measure("attempt log line (info)", () => log.attemptRecorded(observation));
const silent = new AttemptLog(pino({ level: "warn", base: undefined }));
await measure("attempt log line (level warn: off)", () => silent.attemptRecorded(observation));

const fakeRepository = { complete: async () => undefined };
const plain = { deliveries: { ...fakeRepository } } as unknown as Store;
await measure("store call, unwrapped", () => plain.deliveries.complete("w", [], now));
// Every repository but one is empty here: instrumentStore skips methods a store does not have.
const others = ["applications", "eventTypes", "endpoints", "messages", "attempts", "idempotency", "coordination"]
  .concat(["rateLimits", "tokens", "audit", "settings", "ingest"])
  .map((name) => [name, {}]);
const wrapped = Object.fromEntries([...others, ["deliveries", { ...fakeRepository }]]) as Store;
instrumentStore(wrapped, metrics);
await measure("store call, timed", () => wrapped.deliveries.complete("w", [], now));
await measure("HTTP request counted and timed", () => {
  metrics.httpRequests.inc({ method: "POST", route: "/api/v1/app/:app_id/msg", status_class: "2xx" });
  metrics.httpDuration.observe({ method: "POST", route: "/api/v1/app/:app_id/msg" }, 0.0012);
});
