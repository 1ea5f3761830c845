/**
 * The backlog: N messages (full run 200,000, quick 20,000) accepted while the receiver is down, then
 * drained once it is back; Hookline's resident memory is sampled every 100 ms throughout.
 *
 *   down     the endpoint's port refuses connections (the receiver closed its listening socket).
 *            HOOKLINE_RETRY_SCHEDULE=1: every delivery is tried at once, again 1 s later, and then
 *            marked failed, as deliveries are after the retries of a real outage run out (the
 *            default schedule spans 27 hours, longer than a benchmark).
 *   accept   the closed-loop generator sends the N messages as fast as the API takes them.
 *   settle   until the endpoint's stats show every delivery failed (nothing pending or in flight).
 *   drain    the receiver listens again and the operator's recover call (POST …/endpoint/{id}/recover)
 *            makes every failed delivery due at once; the worker claims them from the store in
 *            batches. Drain rate = N ÷ (last arrival − recover call).
 *
 * The server is warmed up first (closed loop with the receiver up, as in the other scenarios), so
 * the V8 heap has grown to its working size before the backlog starts.
 *
 * "Flat": the peak resident memory in the last quarter of the accept phase (backlog ¾N…N) against
 * the second quarter (¼N…½N); if memory grew with the backlog, the difference would grow with N.
 * (The first quarter is left out: the heap still settles there.) The dispatcher holds at most
 * 4 × worker concurrency deliveries in memory however long the backlog.
 */
import { ClosedLoop } from "../lib/closed-loop.ts";
import { CpuWindow, log, using, recordPeak, type Bench, type ScenarioResult } from "../lib/context.ts";
import { round } from "../../test/support/stats.ts";
import { sleep } from "../../test/support/wait.ts";
import { ADMIN_TOKEN, Hookline } from "../lib/hookline.ts";
import { apiLoad, waitForArrivals } from "../lib/measure.ts";
import type { RssSample } from "../lib/proc.ts";
import { monoUs, summarize } from "../../test/support/stats.ts";

interface Stats {
  success: number;
  pending: number;
  sending: number;
  fail: number;
  canceled: number;
}

/** Bounds the scenario's own API calls; their durations are reported. */
const API_CALL_TIMEOUT_MS = 120_000;

const peak = (s: RssSample[]) => (s.length > 0 ? Math.max(...s.map((x) => x.rssMb)) : null);

export async function backlog(b: Bench): Promise<ScenarioResult> {
  const n = b.o.backlogMessages;
  const hookline = await Hookline.start({ env: { HOOKLINE_RETRY_SCHEDULE: "1" } });
  return using(
    hookline,
    async (h) => {
      recordPeak(b, "backlog", await h.stop());
      await b.receiver.up();
    },
    async (h) => {
      const appId = await h.createApp("bench backlog");
      const endpointId = await h.createEndpoint(appId, b.receiver.url);
      const statsPath = `/api/v1/app/${appId}/endpoint/${endpointId}/stats`;
      const target = { url: h.url, token: ADMIN_TOKEN, appId };
      const rss = h.rss;
      if (b.o.warmupSeconds > 0) {
        log(`backlog: warm-up ${b.o.warmupSeconds} s with the receiver up`);
        await using(
          ClosedLoop.spawn(),
          (g) => g.close(),
          async (gen) => {
            const warm = await gen.run(apiLoad(b, target, { seconds: b.o.warmupSeconds }));
            await waitForArrivals(b.receiver, warm.ids, { maxMs: 120_000 });
          },
        );
      }
      b.receiver.reset();
      await b.receiver.down();
      const sinceWall = Date.now() - 60_000;
      const t0 = rss.now();
      const beforeMb = rss.samples.at(-1)?.rssMb ?? null;

      return using(
        ClosedLoop.spawn(),
        (g) => g.close(),
        async (gen) => {
          log(`backlog: receiver down; accepting ${n.toLocaleString("en")} messages`);
          const acceptCpu = new CpuWindow({ hookline: h.pid, loadGenerator: gen.pid });
          const result = await gen.run(apiLoad(b, target, { seconds: Math.max(300, n / 100), maxRequests: n }));
          const acceptCpuUse = acceptCpu.stop();
          const tAccepted = rss.now();
          const acceptSeconds = (result.endUs - result.startUs) / 1e6;
          log(`backlog: ${result.ok} accepted in ${round(acceptSeconds)} s; waiting for every delivery to fail`);

          let stats: Stats = { success: 0, pending: 0, sending: 0, fail: 0, canceled: 0 };
          const settleDeadline = Date.now() + 300_000;
          // The API must keep answering while 200,000 deliveries fail: the slowest answer is a result,
          // not a reason to abandon the scenario (a 10 s bound once did, twice in a row).
          let slowestStatsMs = 0;
          for (;;) {
            const asked = monoUs();
            stats = (await h.call("GET", statsPath, undefined, 200, API_CALL_TIMEOUT_MS)) as Stats;
            slowestStatsMs = Math.max(slowestStatsMs, (monoUs() - asked) / 1000);
            if (stats.pending + stats.sending === 0 || Date.now() > settleDeadline) break;
            await sleep(1000);
          }
          const tSettled = rss.now();
          const dataBytes = h.dataDirBytes();

          await b.receiver.up();
          log(`backlog: ${stats.fail} deliveries failed; receiver up, recovering`);
          const drainCpu = new CpuWindow({ hookline: h.pid, benchDriver: process.pid });
          const recoverUs = monoUs();
          const tRecover = rss.now();
          // Answers with the background task that recovers (docs/api.md, "Background tasks").
          const recoverTask = (await h.call(
            "POST",
            `/api/v1/app/${appId}/endpoint/${endpointId}/recover`,
            { since: new Date(sinceWall).toISOString() },
            202,
            API_CALL_TIMEOUT_MS,
          )) as { id: string };
          const recoverCallMs = (monoUs() - recoverUs) / 1000;
          const wait = await waitForArrivals(b.receiver, result.ids, {
            stallMs: 30_000,
            maxMs: Math.max(300_000, n * 5),
          });
          const drainCpuUse = drainCpu.stop();
          const tDrained = rss.now();
          const drainSeconds = (wait.lastUs - recoverUs) / 1e6;
          const delivered = result.ids.length - wait.missing;
          const drainRate = wait.missing === 0 && drainSeconds > 0 ? Math.round(delivered / drainSeconds) : null;
          log(
            `backlog: drained ${delivered}/${result.ids.length} in ${round(drainSeconds)} s (${drainRate ?? "n/a"}/s)`,
          );

          // Memory: the accept phase in quarters, and the peaks per phase.
          const accept = rss.between(t0, tAccepted);
          const quarter = (tAccepted - t0) / 4;
          const quarterPeaks = [0, 1, 2, 3].map((q) => peak(rss.between(t0 + q * quarter, t0 + (q + 1) * quarter)));
          const secondQuarterMb = quarterPeaks[1]!;
          const lastQuarterMb = quarterPeaks[3]!;
          const perSecond = rss
            .between(t0, tDrained)
            .filter((s, i, all) => i === 0 || Math.floor(s.tMs / 1000) !== Math.floor(all[i - 1]!.tMs / 1000))
            .map((s) => ({
              second: round((s.tMs - t0) / 1000, 1),
              rssMb: s.rssMb,
              phase: s.tMs <= tAccepted ? "accept" : s.tMs <= tRecover ? "settle" : "drain",
            }));
          const arrivalsPerSecond: number[] = [];
          for (const id of result.ids) {
            const at = b.receiver.arrivals.get(id);
            if (at === undefined) continue;
            const sec = Math.max(0, Math.floor((at - recoverUs) / 1e6));
            arrivalsPerSecond[sec] = (arrivalsPerSecond[sec] ?? 0) + 1;
          }
          const growthMb =
            secondQuarterMb !== null && lastQuarterMb !== null ? round(lastQuarterMb - secondQuarterMb) : null;
          const notes: string[] = [];
          if (result.ok < n)
            notes.push(`only ${result.ok} of ${n} messages were accepted: ${JSON.stringify(result.errors)}`);
          if (stats.fail !== result.ok)
            notes.push(`after settling: ${JSON.stringify(stats)} (expected ${result.ok} failed)`);
          if (wait.missing > 0) notes.push(`${wait.missing} messages were not delivered after the recover`);
          return {
            metrics: {
              backlog_drain_rps: drainRate,
              backlog_accept_rps: round(result.ok / acceptSeconds, 0),
              backlog_peak_rss_mb: peak(rss.between(t0, tDrained)),
              backlog_rss_growth_mb: growthMb,
            },
            details: {
              messages: n,
              accepted: result.ok,
              errors: result.errors,
              retrySchedule: "1",
              acceptSeconds: round(acceptSeconds, 2),
              acceptedPerSecond: round(result.ok / acceptSeconds, 0),
              requestLatency: summarize(Array.from(result.durationsUs)),
              settleSeconds: round((tSettled - tAccepted) / 1000, 1),
              statsAfterSettle: stats,
              dataDirMb: round(dataBytes / 2 ** 20),
              recoverTask: recoverTask.id,
              recoverCallMs: round(recoverCallMs, 1),
              slowestStatsCallMs: round(slowestStatsMs, 1),
              delivered,
              undelivered: wait.missing,
              duplicates: b.receiver.duplicates,
              drainSeconds: round(drainSeconds, 2),
              drainPerSecond: drainRate,
              arrivalsPerSecond,
              rss: {
                beforeBacklogMb: beforeMb,
                acceptPeakMb: peak(accept),
                acceptQuarterPeaksMb: quarterPeaks,
                /** Peak of the 4th quarter − peak of the 2nd. */
                acceptGrowthMb: growthMb,
                settlePeakMb: peak(rss.between(tAccepted, tRecover)),
                drainPeakMb: peak(rss.between(tRecover, tDrained)),
                perSecond,
              },
              cpu: { accept: acceptCpuUse, drain: drainCpuUse },
            },
            notes,
          };
        },
      );
    },
  );
}
