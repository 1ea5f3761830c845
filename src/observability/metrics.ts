import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Config } from "../config.ts";
import { LabelCap } from "./label-cap.ts";

/** Where a message came from. */
export type MessageOrigin = "api" | "ingest" | "cron";

/** What became of an inbound request (see docs/operations.md, "Monitoring"). */
export type IngestRequestOutcome =
  | "accepted"
  | "duplicate"
  | "verification_failed"
  | "replied"
  | "misconfigured"
  | "rate_limited"
  | "address_blocked"
  | "not_found"
  | "error";

let processMetrics: Registry | null = null;

/**
 * Node's own metrics (prom-client's defaults: CPU, memory, heap, event-loop lag, handles, GC), once
 * per process however many Hookline instances it runs (tests run several): each collection starts
 * an event-loop monitor and a GC observer that cannot be stopped again.
 */
function processRegistry(): Registry {
  if (processMetrics) return processMetrics;
  processMetrics = new Registry();
  collectDefaultMetrics({ register: processMetrics });
  // Gauges named like counters, which `promtool check metrics` rejects; the same numbers are the
  // sums of nodejs_active_handles, nodejs_active_requests and nodejs_active_resources (by type).
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"])
    processMetrics.removeSingleMetric(name);
  return processMetrics;
}

/** Seconds; from a fast local receiver to the longest request timeout (300 s). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Seconds from acceptance to success or from due to picked up: milliseconds when healthy, up to a day and a half of retries. */
const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 129600,
];
/** Store operations: sub-millisecond on SQLite, a few ms on PostgreSQL, seconds when something is wrong. */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];

/**
 * Every metric Hookline exports, in one registry per process (per instance: tests run several in
 * one process). Label values come from fixed sets; application and endpoint ids are added only
 * when HOOKLINE_METRICS_TENANT_LABELS is on, each bounded by a LabelCap. The list, with meanings,
 * is in docs/operations.md ("Monitoring"); dashboards and alert rules under deploy/ use these names.
 */
export class HooklineMetrics {
  readonly registry = new Registry();
  readonly tenantLabels: boolean;
  readonly apps: LabelCap;
  readonly endpoints: LabelCap;

  readonly messagesCreated: Counter<string>;
  readonly attempts: Counter<string>;
  readonly attemptDuration: Histogram<string>;
  readonly deliveryLatency: Histogram<string>;
  readonly workerLag: Histogram<string>;
  readonly givenUp: Counter<string>;
  readonly endpointsDisabled: Counter<string>;
  readonly ingestRequests: Counter<string>;
  readonly storeDuration: Histogram<string>;
  readonly storeErrors: Counter<string>;
  readonly httpRequests: Counter<string>;
  readonly httpDuration: Histogram<string>;

  constructor(config: Pick<Config, "metricsTenantLabels" | "metricsTenantLimit">, info: Record<string, string>) {
    const registers = [this.registry];
    this.tenantLabels = config.metricsTenantLabels;
    this.apps = new LabelCap(config.metricsTenantLimit);
    this.endpoints = new LabelCap(config.metricsTenantLimit);
    const app = this.tenantLabels ? ["app"] : [];
    const appEndpoint = this.tenantLabels ? ["app", "endpoint"] : [];

    new Gauge({
      name: "hookline_info",
      help: "Always 1; its labels say what this process is (version, role, store)",
      labelNames: Object.keys(info),
      registers,
    }).set(info, 1);
    this.messagesCreated = new Counter({
      name: "hookline_messages_created_total",
      help: "Messages accepted, by origin (api, ingest, cron)",
      labelNames: ["origin", ...app],
      registers,
    });
    this.attempts = new Counter({
      name: "hookline_delivery_attempts_total",
      help: "Delivery attempts recorded, by outcome (success or the error kind), response status class and trigger",
      labelNames: ["outcome", "status_class", "trigger", ...appEndpoint],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: "hookline_delivery_attempt_duration_seconds",
      help: "How long a delivery request took, from sending to the response (or the error), by result",
      labelNames: ["result"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.deliveryLatency = new Histogram({
      name: "hookline_delivery_latency_seconds",
      help: "From a message's acceptance to its delivery's first successful (scheduled) attempt",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.workerLag = new Histogram({
      name: "hookline_worker_lag_seconds",
      help: "From a delivery falling due to a worker taking it up, by trigger",
      labelNames: ["trigger"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.givenUp = new Counter({
      name: "hookline_deliveries_given_up_total",
      help: "Deliveries settled without success, by reason (exhausted, endpoint_disabled, filtered, …)",
      labelNames: ["reason", ...appEndpoint],
      registers,
    });
    this.endpointsDisabled = new Counter({
      name: "hookline_endpoints_disabled_total",
      help: "Endpoints disabled by delivery, by reason (gone: answered 410; failing: no success for too long)",
      labelNames: ["reason", ...appEndpoint],
      registers,
    });
    this.ingestRequests = new Counter({
      name: "hookline_ingest_requests_total",
      help: "Requests to inbound sources' URLs, by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.storeDuration = new Histogram({
      name: "hookline_store_operation_duration_seconds",
      help: "Store (database) operations, by operation (repository.method)",
      labelNames: ["operation"],
      buckets: STORE_BUCKETS,
      registers,
    });
    this.storeErrors = new Counter({
      name: "hookline_store_errors_total",
      help: "Store operations that failed, by operation and kind (unavailable: the database refused or could not be reached)",
      labelNames: ["operation", "kind"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "hookline_http_requests_total",
      help: "API requests answered, by method, route (the route's template) and status class",
      labelNames: ["method", "route", "status_class"],
      registers,
    });
    this.httpDuration = new Histogram({
      name: "hookline_http_request_duration_seconds",
      help: "API request handling time, by method and route",
      labelNames: ["method", "route"],
      buckets: REQUEST_BUCKETS,
      registers,
    });
  }

  messageCreated(origin: MessageOrigin, appId: string): void {
    if (this.tenantLabels) this.messagesCreated.inc({ origin, app: this.apps.valueOf(appId) });
    else this.messagesCreated.inc({ origin });
  }

  ingestRequest(outcome: IngestRequestOutcome): void {
    this.ingestRequests.inc({ outcome });
  }

  /** The exposition text (this instance's metrics, then the process's) and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.metrics();
    return { contentType: this.registry.contentType, body: own + (await processRegistry().metrics()) };
  }
}
