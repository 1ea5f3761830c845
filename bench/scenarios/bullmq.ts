/**
 * bullmq_e2e_rps: the hand-rolled baseline (bench/lib/bullmq-baseline.ts: Fastify route → BullMQ on
 * Redis → BullMQ worker → undici POST) measured exactly as Hookline's e2e_rps is. Needs the
 * `redis-server` binary and the `bullmq` and `ioredis` packages; installs neither: a missing one
 * skips the scenario and says what is missing.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ClosedLoop } from "../lib/closed-loop.ts";
import { log, meter, Skip, using, type Bench, type ScenarioResult } from "../lib/context.ts";
import { measurePipeline } from "../lib/measure.ts";
import { RssSampler } from "../lib/proc.ts";
import { findRedisServer, startRedis } from "../lib/redis.ts";
import { withTimeout } from "../../test/support/wait.ts";

const SCRIPT = fileURLToPath(new URL("../lib/bullmq-baseline.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BASELINE_WORKER_CONCURRENCY = 64;

async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  for (const name of ["bullmq", "ioredis"]) {
    try {
      await import(name);
    } catch {
      missing.push(name);
    }
  }
  return missing;
}

interface Baseline {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

async function startBaseline(redisUrl: string): Promise<Baseline> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      BENCH_REDIS_URL: redisUrl,
      BENCH_WORKER_CONCURRENCY: String(BASELINE_WORKER_CONCURRENCY),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killNow = () => child.kill("SIGKILL");
  process.once("exit", killNow);
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
        output += chunk;
        const line = output.split("\n").find((l) => l.includes('"msg":"baseline listening"'));
        if (line) resolve((JSON.parse(line) as { url: string }).url);
      });
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
      void exited.then(() => reject(new Error(`the baseline exited before listening:\n${output.slice(-3000)}`)));
    }),
    60_000,
    "the BullMQ baseline to listen",
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      process.removeListener("exit", killNow);
      child.kill("SIGTERM");
      await withTimeout(exited, 15_000, "the baseline to stop").catch(() => child.kill("SIGKILL"));
    },
  };
}

export async function bullmq(b: Bench): Promise<ScenarioResult> {
  const redisBin = findRedisServer();
  const missing = await missingPackages();
  const problems = [
    ...(redisBin === null ? ["the `redis-server` binary (Debian package `redis-server`)"] : []),
    ...(missing.length > 0 ? [`the npm packages ${missing.join(", ")} (devDependencies; run \`npm install\`)`] : []),
  ];
  if (problems.length > 0) throw new Skip(`missing ${problems.join(" and ")}`);

  const redis = await startRedis(redisBin!);
  return using(
    redis,
    (r) => r.stop(),
    async (r) => {
      meter.roots.add(r.pid);
      try {
        log(`bullmq: ${r.version.split(" ").slice(0, 3).join(" ")} on ${r.url}`);
        const baseline = await startBaseline(r.url);
        const rss = new RssSampler(baseline.pid);
        return await using(
          baseline,
          async (s) => {
            rss.stop();
            await s.stop();
          },
          async (s) => {
            const app = await fetch(`${s.url}/api/v1/app`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ name: "bench bullmq" }),
            }).then((res) => res.json() as Promise<{ id: string }>);
            const ep = await fetch(`${s.url}/api/v1/app/${app.id}/endpoint`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ url: b.receiver.url }),
            });
            if (ep.status !== 201) throw new Error(`baseline: creating the endpoint answered ${ep.status}`);
            const report = await using(
              ClosedLoop.spawn(),
              (g) => g.close(),
              (gen) =>
                measurePipeline(
                  b,
                  gen,
                  "bullmq",
                  { url: s.url, token: null, appId: app.id },
                  {
                    baseline: s.pid,
                    redis: r.pid,
                  },
                ),
            );
            const notes: string[] = [];
            if (report.undelivered > 0) notes.push(`${report.undelivered} accepted messages were not delivered`);
            if (Object.keys(report.errors).length > 0) notes.push(`request errors: ${JSON.stringify(report.errors)}`);
            return {
              metrics: {
                bullmq_e2e_rps: report.rate,
                bullmq_msgs_per_core_s: report.messagesPerPipelineCoreSecond,
              },
              details: {
                ...report,
                baselinePeakRssMb: rss.peakMb,
                workerConcurrency: BASELINE_WORKER_CONCURRENCY,
                redis: { version: r.version, settings: r.settings },
                packages: await packageVersions(),
              },
              notes,
            };
          },
        );
      } finally {
        meter.roots.delete(r.pid);
      }
    },
  );
}

/** Versions of the packages as resolved (the nearest package.json of that name above the entry point). */
async function packageVersions(): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of ["bullmq", "ioredis"]) {
    out[name] = null;
    try {
      let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
      for (let i = 0; i < 10 && out[name] === null; i++, dir = path.dirname(dir)) {
        const file = path.join(dir, "package.json");
        if (!existsSync(file)) continue;
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.name === name) out[name] = pkg.version ?? null;
      }
    } catch {
      out[name] = null;
    }
  }
  return out;
}
