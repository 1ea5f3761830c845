import type { IngestRepository } from "../store/store.ts";
import { forwardInbound, type InboundPorts } from "./receive.ts";
import type { InboundRequest } from "./verifier.ts";
import { cronSchedule, type CronConfig } from "./verifiers/cron.ts";

/** How often the cluster looks for cron sources due to fire: an event goes out at most this late. */
export const CRON_INTERVAL_MS = 10_000;

/**
 * A run is emitted if it is at most this old when a pass sees it: enough for a pass delayed by a
 * restart or a busy database, while runs missed during a longer outage are skipped, not sent in a
 * burst when Hookline comes back (a cron event says "it is time now", not "it was time then").
 */
const CRON_CATCH_UP_MS = 5 * 60_000;

/** What a pass uses: forwarding as an inbound request does, and the list of cron sources. */
export interface CronPorts extends InboundPorts {
  ingest: Pick<IngestRepository, "accept" | "appendLog" | "listSourcesOfType">;
}

/** The event type of every event a cron source emits. */
const CRON_EVENT_TYPE = "cron";

/**
 * Emits, for each cron source, its latest run that is due (at or before `now`, within the
 * catch-up window and not before the source was created) and not emitted yet. Runs as a cluster
 * job (once per interval across all processes); the run's time is the de-duplication key, kept
 * twice as long as a run stays eligible, so a pass that repeats another's work stores nothing.
 * Returns how many events were emitted.
 */
export async function emitDueCronEvents(ports: CronPorts, now: number): Promise<number> {
  let emitted = 0;
  for (const source of await ports.ingest.listSourcesOfType("cron")) {
    const config = source.config as unknown as CronConfig;
    const run = latestRun(config.schedule, Math.max(source.createdAt, now - CRON_CATCH_UP_MS), now);
    if (run === null) continue;
    const request: InboundRequest = {
      method: "POST",
      url: `cron:${source.id}`,
      headers: { "content-type": config.contentType ?? "application/json" },
      rawBody: Buffer.from(config.payload, "utf8"),
      now,
    };
    const key = `cron:${new Date(run).toISOString()}`;
    const { duplicate } = await forwardInbound(ports, source, request, CRON_EVENT_TYPE, [key], 2 * CRON_CATCH_UP_MS);
    if (duplicate) continue;
    emitted++;
    ports.metrics.messageCreated("cron", source.appId);
  }
  return emitted;
}

/** The last run of `schedule` in [from, now], or null. */
export function latestRun(schedule: string, from: number, now: number): number | null {
  const cron = cronSchedule(schedule);
  let latest: number | null = null;
  for (let next = cron.nextRun(new Date(from - 1)); next && next.getTime() <= now; next = cron.nextRun(next)) {
    latest = next.getTime();
  }
  return latest;
}
