import { Gauge } from "prom-client";
import type { Clock } from "../core/clock.ts";
import type { Dispatcher } from "../delivery/dispatcher.ts";
import type { QueueStats, Store } from "../store/store.ts";
import type { HooklineMetrics } from "./metrics.ts";

/**
 * Scrapes within this long of the last one reuse its backlog reading: several Prometheus servers
 * (or a dashboard refreshing) cost the database one query per interval, not one each.
 */
export const QUEUE_STATS_CACHE_MS = 5_000;

/**
 * The backlog gauges, read from the database when Prometheus scrapes (at most once per
 * QUEUE_STATS_CACHE_MS), and the worker's own gauges, read from memory.
 *
 * The backlog is the whole cluster's: with PostgreSQL every process reads the same numbers, so
 * they carry `scope="cluster"` and must be aggregated with max (never sum) across processes; the
 * shipped rules and dashboard do (docs/operations.md, "Monitoring"). Should the database not
 * answer, the series are dropped for that scrape instead of repeating a stale reading.
 */
export function registerQueueMetrics(
  metrics: HooklineMetrics,
  store: Store,
  clock: Clock,
  dispatcher: Dispatcher | null,
  onError: (error: unknown) => void,
): void {
  const registers = [metrics.registry];
  /** The last reading and when (the clock's ms) it was taken. */
  type Reading = { at: number; stats: QueueStats };
  let cached: Reading | null = null;
  let reading: Promise<Reading | null> | null = null;

  const read = (): Promise<Reading | null> => {
    const now = clock.now();
    if (cached && Math.abs(now - cached.at) < QUEUE_STATS_CACHE_MS) return Promise.resolve(cached);
    reading ??= store.deliveries
      .queueStats(now)
      .then(
        (stats) => {
          cached = { at: now, stats };
          return cached;
        },
        (error: unknown) => {
          onError(error);
          cached = null;
          return null;
        },
      )
      .finally(() => (reading = null));
    return reading;
  };

  new Gauge({
    name: "hookline_queue_deliveries",
    help: "Unsettled deliveries in the whole cluster, by state (due: due now or being attempted; scheduled: a retry later); aggregate with max, not sum",
    labelNames: ["scope", "state"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      if (!last) return;
      this.set({ scope: "cluster", state: "due" }, last.stats.due);
      this.set({ scope: "cluster", state: "scheduled" }, last.stats.scheduled);
    },
  });
  new Gauge({
    name: "hookline_queue_oldest_due_age_seconds",
    help: "How long the longest-waiting due delivery in the cluster has been due (0: none is); aggregate with max, not sum",
    labelNames: ["scope"],
    registers,
    async collect() {
      this.reset();
      const last = await read();
      if (!last) return;
      const oldest = last.stats.oldestDueAt;
      const age = oldest === null ? 0 : Math.max(0, last.at - oldest) / 1000;
      this.set({ scope: "cluster" }, age);
    },
  });

  if (!dispatcher) return;
  new Gauge({
    name: "hookline_worker_held_deliveries",
    help: "Deliveries this process's worker holds (leased: queued or in flight)",
    registers,
    collect() {
      this.set(dispatcher.heldCount);
    },
  });
  new Gauge({
    name: "hookline_worker_requests_in_flight",
    help: "Delivery requests this process's worker has in flight",
    registers,
    collect() {
      this.set(dispatcher.inflightCount);
    },
  });
}
