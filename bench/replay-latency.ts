/**
 * Live delivery latency while a background task replays a large backlog (`npm run bench:replay`).
 * Issue: bulk operations are "paced so they do not starve live deliveries (measure it: live p99
 * during a 100,000-message replay)". It reports; it never fails on a target.
 *
 *   node --import tsx bench/replay-latency.ts [--store sqlite|postgres|both] [--messages 100000] [--rate 200]
 *
 * Per store:
 *   setup    the real server (`node bin/hookline.js serve`) creates the schema, application A with
 *            endpoint A (receiver A) and application B with endpoint B (receiver B), both loopback
 *            receivers in this process; then, with the server stopped, N messages of A are seeded
 *            with SQL, each with a finished (succeeded) delivery to endpoint A and its attempt
 *            (bench/lib/db.ts, the retention bench's seeding), created over the last hour or so.
 *   control  the server again; open-loop live traffic to application B at --rate msg/s from a
 *            separate process (bench/lib/open-loop-generator.ts); after --warmup s, --control s of it
 *            are the control window.
 *   replay   with the same live traffic still running, `POST …/endpoint/{A}/bulk-replay` over the
 *            seeded range (every delivery sent again); the replay window lasts until receiver A has
 *            seen all N messages (or --max-replay-seconds).
 * Latency = arrival at receiver B − receipt of the 202 by the load generator (CLOCK_MONOTONIC,
 * shared by both processes), for the live messages sent in each window. Also: the replay's
 * duration and throughput (arrivals at A per second) and when the task itself said finished (it
 * re-arms deliveries; the dispatcher sends them).
 *
 * Flags (defaults): --store both|sqlite|postgres (both when PostgreSQL binaries exist), --messages
 * 100000, --rate 200, --warmup 10, --control 20, --max-replay-seconds 900, --payload-bytes 500,
 * --batch-size (HOOKLINE_TASK_BATCH_SIZE; the server's default when not given).
 * Prints a Markdown table to stdout; writes nothing into the repository.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServerProcess } from "../test/support/server-process.ts";
import { withTimeout } from "../test/support/wait.ts";
import { analyze, type LatencyReport, type PhaseWindow } from "./lib/analysis.ts";
import { PostgresBenchDb, SqliteBenchDb, type BenchDb } from "./lib/db.ts";
import { checkSeedIdFormat } from "./lib/seed-ids.ts";
import { OpenLoop } from "./lib/open-loop.ts";
import type { LoadResult } from "./lib/open-loop.ts";
import { findPostgresBin, startBenchCluster } from "./lib/postgres.ts";
import { ArrivalReceiver } from "../test/support/arrival-receiver.ts";
import { monoUs } from "../test/support/stats.ts";
import { sleep } from "../test/support/wait.ts";
import { cleanupAll, onCleanup } from "./lib/cleanups.ts";

type StoreKind = "sqlite" | "postgres";

interface Options {
  stores: StoreKind[];
  messages: number;
  rate: number;
  warmup: number;
  control: number;
  maxReplaySeconds: number;
  payloadBytes: number;
  batchSize: number | null;
}

const TOKEN = "bench_replay_admin_token_0123456789abcdef";
const RETENTION_DAYS = 30;
const log = (line: string) => console.error(`[replay-bench] ${line}`);

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    flags.set(name, inline ?? argv[++i] ?? "");
  }
  const num = (name: string, fallback: number) => {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
    return n;
  };
  const store = flags.get("store") ?? "both";
  if (!["sqlite", "postgres", "both"].includes(store)) throw new Error("--store must be sqlite, postgres or both");
  const stores: StoreKind[] = store === "both" ? ["sqlite", "postgres"] : [store as StoreKind];
  return {
    stores,
    messages: Math.floor(num("messages", 100_000)),
    rate: num("rate", 200),
    warmup: num("warmup", 10),
    control: num("control", 20),
    maxReplaySeconds: num("max-replay-seconds", 900),
    payloadBytes: Math.floor(num("payload-bytes", 500)),
    batchSize: flags.has("batch-size") ? Math.floor(num("batch-size", 500)) : null,
  };
}

interface StoreResult {
  store: StoreKind;
  control: LatencyReport;
  replay: LatencyReport;
  replayed: number;
  replaySeconds: number;
  completed: boolean;
  taskFinishedAfterSeconds: number | null;
  taskStatus: string;
  duplicatesAtA: number;
  serverWarnings: string[];
}

async function startServer(dataDir: string, databaseUrl: string | null, o: Options): Promise<ServerProcess> {
  const server = await ServerProcess.start({
    dataDir,
    adminToken: TOKEN,
    env: {
      // The receivers are on loopback, which the SSRF guard refuses unless allow-listed.
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
      // One token sends all the live load: the per-token API limit would measure itself.
      HOOKLINE_API_RATE_LIMIT: "0",
      HOOKLINE_RETENTION_DAYS: String(RETENTION_DAYS),
      ...(databaseUrl ? { HOOKLINE_DATABASE_URL: databaseUrl } : {}),
      ...(o.batchSize ? { HOOKLINE_TASK_BATCH_SIZE: String(o.batchSize) } : {}),
    },
    readyTimeoutMs: 90_000,
  });
  onCleanup(() => void server.stop().catch(() => undefined));
  return server;
}

async function stopServer(server: ServerProcess): Promise<void> {
  server.kill("SIGTERM");
  await withTimeout(server.exited, 30_000, "server to stop").catch(() => server.stop());
}

/**
 * Calls the API, waiting up to two minutes: under the live load on a busy two-core machine an API
 * answer took over 10 s (the test helper's bound), and retrying the task's POST could start it twice.
 */
async function call(server: ServerProcess, method: string, p: string, body: unknown, expect: number): Promise<any> {
  const res = await fetch(server.url + p, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (res.status !== expect) throw new Error(`${method} ${p} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** Waits (bounded) until every accepted live message has reached receiver B. */
async function drainLive(result: LoadResult, receiver: ArrivalReceiver, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ids = result.ids.filter((id, i) => id && result.status[i] === 202);
  while (Date.now() < deadline && ids.some((id) => !receiver.arrivals.has(id))) await sleep(250);
}

async function runStore(kind: StoreKind, o: Options): Promise<StoreResult> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "hookline-replay-bench-"));
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const receiverA = new ArrivalReceiver();
  const receiverB = new ArrivalReceiver();
  await receiverA.start();
  await receiverB.start();
  onCleanup(() => receiverA.close());
  onCleanup(() => receiverB.close());
  let databaseUrl: string | null = null;
  if (kind === "postgres") {
    log("postgres: starting a throwaway cluster");
    const cluster = await startBenchCluster({ fsync: true });
    onCleanup(() => cluster.stop());
    databaseUrl = await cluster.createDatabase();
  }
  const db: BenchDb = databaseUrl ? new PostgresBenchDb(databaseUrl) : new SqliteBenchDb(dataDir);
  onCleanup(() => db.close());

  // Schema, applications and endpoints through the real server; then stop it for seeding.
  const setup = await startServer(dataDir, databaseUrl, o);
  const appA = (await call(setup, "POST", "/api/v1/app", { name: "replayed" }, 201)).id as string;
  const epA = (await call(setup, "POST", `/api/v1/app/${appA}/endpoint`, { url: receiverA.url }, 201)).id as string;
  const appB = (await call(setup, "POST", "/api/v1/app", { name: "live" }, 201)).id as string;
  await call(setup, "POST", `/api/v1/app/${appB}/endpoint`, { url: receiverB.url }, 201);
  await stopServer(setup);

  // Ids need creation times at least 2 ms apart (bench/lib/db.ts): 4 ms each, ending a minute ago.
  const toMs = Date.now() - 60_000;
  const fromMs = toMs - Math.max(o.messages * 4, 600_000);
  log(`${kind}: seeding ${o.messages.toLocaleString("en")} delivered messages of application A`);
  const seed = await db.seed({
    appId: appA,
    endpointId: epA,
    endpointUrl: receiverA.url,
    rows: o.messages * 3,
    payloadBytes: o.payloadBytes,
    fromMs,
    toMs,
    retentionDays: RETENTION_DAYS,
  });
  await db.close();
  log(`${kind}: seeded ${seed.messages.toLocaleString("en")} messages in ${seed.seconds.toFixed(1)} s`);

  const server = await startServer(dataDir, databaseUrl, o);
  const gen = await OpenLoop.start({
    url: server.url,
    token: TOKEN,
    appId: appB,
    rate: o.rate,
    maxSeconds: o.warmup + o.control + o.maxReplaySeconds + 60,
    payloadBytes: o.payloadBytes,
    connections: 16,
    maxInflight: 2000,
    requestTimeoutMs: 30_000,
  });
  onCleanup(() => gen.kill());
  await gen.begin();
  await sleep(o.warmup * 1000);
  const control: PhaseWindow = { fromUs: monoUs(), toUs: 0 };
  log(`${kind}: control window, ${o.control} s of live traffic at ${o.rate} msg/s`);
  await sleep(o.control * 1000);
  control.toUs = monoUs();

  const replay: PhaseWindow = { fromUs: monoUs(), toUs: 0 };
  const task = await call(
    server,
    "POST",
    `/api/v1/app/${appA}/endpoint/${epA}/bulk-replay`,
    { since: new Date(fromMs - 1000).toISOString() },
    202,
  );
  log(`${kind}: replay task ${task.id as string} started`);
  let taskStatus = String(task.status);
  let taskFinishedAfterSeconds: number | null = null;
  const capUs = replay.fromUs + o.maxReplaySeconds * 1e6;
  let lastProgressLog = monoUs();
  while (receiverA.arrivals.size < seed.messages && monoUs() < capUs) {
    await sleep(250);
    if (taskFinishedAfterSeconds === null) {
      const res = await call(server, "GET", `/api/v1/background-task/${task.id as string}`, undefined, 200).catch(
        () => null,
      );
      if (res) {
        taskStatus = String(res.status);
        if (taskStatus !== "running") taskFinishedAfterSeconds = (monoUs() - replay.fromUs) / 1e6;
        if (taskStatus === "failed") break;
      }
    }
    if (monoUs() - lastProgressLog > 10e6) {
      lastProgressLog = monoUs();
      log(
        `${kind}: replayed ${receiverA.arrivals.size.toLocaleString("en")} / ${seed.messages.toLocaleString("en")}; ` +
          `live messages delivered so far ${receiverB.arrivals.size.toLocaleString("en")}`,
      );
    }
  }
  replay.toUs = monoUs();
  const completed = receiverA.arrivals.size >= seed.messages;
  const result = await gen.finish();
  await drainLive(result, receiverB, 30_000);
  const serverWarnings = server.logs
    .filter((l) => Number(l.level) >= 40)
    .slice(0, 10)
    .map((l) => JSON.stringify(l).slice(0, 300));
  await stopServer(server);
  const out: StoreResult = {
    store: kind,
    control: analyze(result, receiverB.arrivals, control),
    replay: analyze(result, receiverB.arrivals, replay),
    replayed: receiverA.arrivals.size,
    replaySeconds: (replay.toUs - replay.fromUs) / 1e6,
    completed,
    taskFinishedAfterSeconds,
    taskStatus,
    duplicatesAtA: receiverA.duplicates,
    serverWarnings,
  };
  await cleanupAll();
  return out;
}

function printResults(results: StoreResult[], o: Options): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "—");
  console.log(
    `\nLive latency during a ${o.messages.toLocaleString("en")}-message bulk replay ` +
      `(live ${o.rate} msg/s to another application; ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log(
    "| store | phase | live sent | delivered | dropped | p50 ms | p95 ms | p99 ms | max ms | API p99 ms | send→arrival p99 ms |",
  );
  console.log("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of results)
    for (const [phase, rep] of [
      ["control", r.control],
      ["replay", r.replay],
    ] as const)
      console.log(
        `| ${r.store} | ${phase} | ${rep.sent} | ${rep.delivered} | ${rep.dropped} | ${f(rep.latency.p50)} | ${f(rep.latency.p95)} | ` +
          `${f(rep.latency.p99)} | ${f(rep.latency.max)} | ${f(rep.api.p99)} | ${f(rep.endToEnd.p99)} |`,
      );
  console.log(
    "\n| store | replayed | replay s | replay msg/s | task finished after s | p99 ratio (replay / control) |",
  );
  console.log("|---|--:|--:|--:|--:|--:|");
  for (const r of results)
    console.log(
      `| ${r.store} | ${r.replayed}${r.completed ? "" : " (incomplete)"} | ${r.replaySeconds.toFixed(1)} | ` +
        `${(r.replayed / r.replaySeconds).toFixed(0)} | ${r.taskFinishedAfterSeconds?.toFixed(1) ?? r.taskStatus} | ` +
        `${(r.replay.latency.p99 / r.control.latency.p99).toFixed(2)} |`,
    );
  for (const r of results) {
    const lost = r.control.undelivered + r.replay.undelivered + r.control.failed + r.replay.failed;
    if (lost > 0 || r.control.dropped + r.replay.dropped > 0)
      console.log(`\n${r.store}: ${lost} live messages failed or undelivered, ${r.replay.dropped} dropped`);
    if (r.serverWarnings.length > 0) console.log(`\n${r.store} server warnings:\n${r.serverWarnings.join("\n")}`);
  }
}

const o = parseOptions(process.argv.slice(2));
checkSeedIdFormat();
if (o.stores.includes("postgres") && !findPostgresBin()) {
  log("postgres: skipped (no PostgreSQL server binaries found)");
  o.stores = o.stores.filter((s) => s !== "postgres");
}
const results: StoreResult[] = [];
try {
  for (const store of o.stores) results.push(await runStore(store, o));
} finally {
  await cleanupAll();
}
printResults(results, o);
process.exit(0);
