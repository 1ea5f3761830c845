/**
 * e2e_rps (embedded SQLite) and postgres_e2e_rps: load generator → Hookline API → webhook at the
 * receiver, measured as bench/lib/measure.ts describes. One app, one endpoint, default settings
 * (SQLite synchronous=FULL; PostgreSQL with its durable defaults: fsync, full-page writes).
 *
 * With --profile the SQLite run is repeated under `node --cpu-prof` (not counted: the profiler
 * slows the server down) and the hot spots of the measured window are reported.
 */
import path from "node:path";
import { ClosedLoop } from "../lib/closed-loop.ts";
import { log, using, recordPeak, type Bench, type ScenarioResult } from "../lib/context.ts";
import { newestProfile, summarizeProfile } from "../lib/cpu-profile.ts";
import { ADMIN_TOKEN, Hookline, type HooklineOptions } from "../lib/hookline.ts";
import { measurePipeline, type ThroughputReport } from "../lib/measure.ts";
import { withBenchDatabase } from "../lib/postgres.ts";

async function hooklineThroughput(
  b: Bench,
  label: string,
  options: HooklineOptions,
  extraPids: Record<string, number | undefined> = {},
): Promise<{ report: ThroughputReport; peakRssMb: number }> {
  const hookline = await Hookline.start(options);
  let peakRssMb = 0;
  const report = await using(
    hookline,
    async (h) => {
      peakRssMb = await h.stop();
      recordPeak(b, label, peakRssMb);
    },
    async (h) => {
      const appId = await h.createApp(`bench ${label}`);
      await h.createEndpoint(appId, b.receiver.url);
      return using(
        ClosedLoop.spawn(),
        (g) => g.close(),
        (gen) =>
          measurePipeline(b, gen, label, { url: h.url, token: ADMIN_TOKEN, appId }, { hookline: h.pid, ...extraPids }),
      );
    },
  );
  return { report, peakRssMb };
}

function notesOf(r: ThroughputReport): string[] {
  const notes: string[] = [];
  if (r.undelivered > 0) notes.push(`${r.undelivered} accepted messages were not delivered: no rate reported`);
  if (Object.keys(r.errors).length > 0) notes.push(`request errors: ${JSON.stringify(r.errors)}`);
  return notes;
}

export async function e2eSqlite(b: Bench): Promise<ScenarioResult> {
  const { report, peakRssMb } = await hooklineThroughput(b, "e2e", {});
  if (report.rate !== null) b.e2eRates.push(report.rate);
  return {
    metrics: { e2e_rps: report.rate, e2e_msgs_per_core_s: report.messagesPerPipelineCoreSecond },
    details: { ...report, peakRssMb },
    notes: notesOf(report),
  };
}

export function e2ePostgres(b: Bench): Promise<ScenarioResult> {
  return withBenchDatabase("postgres", async (databaseUrl, c) => {
    const { report, peakRssMb } = await hooklineThroughput(b, "postgres", { databaseUrl });
    return {
      metrics: {
        postgres_e2e_rps: report.rate,
        postgres_msgs_per_core_s: report.messagesPerPipelineCoreSecond,
      },
      details: { ...report, peakRssMb, postgres: { version: c.version, settings: c.settings } },
      notes: notesOf(report),
    };
  });
}

export async function e2eProfile(b: Bench): Promise<ScenarioResult> {
  const dir = path.join(b.profileDir, `e2e-${Date.now()}`);
  const { report } = await hooklineThroughput(b, "e2e_profiled", { cpuProfileDir: dir });
  const file = newestProfile(dir);
  if (!file) return { metrics: {}, details: { report }, notes: [`no CPU profile was written to ${dir}`] };
  const profile = summarizeProfile(file, report.window);
  log(`profile: ${file}`);
  for (const f of profile.functions.slice(0, 10)) log(`  ${String(f.selfPercent).padStart(5)} %  ${f.name}`);
  return {
    metrics: {},
    details: { rateUnderProfiler: report.rate, acceptedPerSecond: report.acceptedPerSecond, cpu: report.cpu, profile },
    notes: ["profiled run: its rate is not a result (the profiler slows the server)"],
  };
}
