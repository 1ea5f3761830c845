/**
 * Benchmark for: "a 24 h chart over at least a million attempts stays under 100 ms server time, on
 * SQLite and PostgreSQL". It reports; it never fails on the target.
 *
 *   node --import tsx bench/stats.ts [--store sqlite|postgres|both] [--attempts 1000000] [--hours 24]
 *                                    [--apps 10] [--endpoints 10] [--repeat 30]
 *
 * Seeding: `--attempts` synthetic attempts spread evenly over the last `--hours` hours, across
 * `--apps` applications with `--endpoints` endpoints each (outcomes, durations and end-to-end
 * latencies drawn at random), go through the store's own stats write code in batches of 1,000:
 * the same fold (store/rows/attempt-stats.ts) and the same upsert the completion transaction runs
 * (recordAttemptStats on SQLite, the upsert statement of outcomes.ts on PostgreSQL). The attempt
 * rows themselves are not written: the stats queries never read them.
 *
 * Timing: the real HTTP server (buildHttpServer on the seeded store, no worker), requests made
 * in-process with `inject` so the figure is server time (routing, auth, query, JSON) without a
 * socket. Each chart is asked `--repeat` times after two warm-up requests; p50/p95/max of wall time
 * are reported, with the median CPU time this process spent per request (on SQLite that includes
 * the query; on a machine shared with other work it is the steadier figure) and, on PostgreSQL,
 * the query's execution time inside the server (EXPLAIN ANALYZE, median of 5).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pino from "pino";
import { hashToken } from "../src/api/auth.ts";
import { HooklineMetrics } from "../src/observability/metrics.ts";
import { buildHttpServer } from "../src/api/http-server.ts";
import { loadConfig } from "../src/config.ts";
import { systemClock } from "../src/core/clock.ts";
import { EndpointDirectory } from "../src/core/endpoint-directory.ts";
import { DeliveryStatus, type Attempt, type ErrorKind } from "../src/core/entities.ts";
import { newId } from "../src/core/ids.ts";
import { SERIES_SQL, statsParam, upsertStatsFrom } from "../src/store/postgres/attempt-stats.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { recordAttemptStats } from "../src/store/sqlite/attempt-stats.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { Store } from "../src/store/store.ts";
import { findPostgresBin, startBenchCluster } from "./lib/postgres.ts";
import { TRACING_OFF } from "../src/observability/tracing.ts";
import { AddressPolicy } from "../src/delivery/ssrf/address-policy.ts";

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) flags.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const num = (name: string, fallback: number) => Number(flags.get(name) ?? fallback);
const ATTEMPTS = num("attempts", 1_000_000);
const HOURS = num("hours", 24);
const APPS = num("apps", 10);
const ENDPOINTS = num("endpoints", 10);
const REPEAT = num("repeat", 30);
const storeFlag = flags.get("store") ?? (findPostgresBin() ? "both" : "sqlite");
const stores = storeFlag === "both" ? ["sqlite", "postgres"] : [storeFlag];
const TOKEN = "bench_admin_token_0123456789";
const NOW = Date.now();

/** A deterministic generator, so both stores get the same attempts. */
function random(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

const FAILURES: { code: number; kind: ErrorKind }[] = [
  { code: 500, kind: "http_status" },
  { code: 404, kind: "http_status" },
  { code: 0, kind: "timeout" },
  { code: 0, kind: "connection_refused" },
];

/** The attempts, in time order, a batch at a time (1,000 attempts each). */
function* batches(apps: string[][]): Generator<Attempt[]> {
  const rand = random(42);
  const start = NOW - HOURS * 3_600_000;
  const step = (HOURS * 3_600_000) / ATTEMPTS;
  let batch: Attempt[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    const createdAt = Math.floor(start + i * step);
    const a = Math.floor(rand() * apps.length);
    const endpoints = apps[a]!;
    const e = endpoints[Math.floor(rand() * endpoints.length)]!;
    const roll = rand();
    const failure = roll < 0.05 ? FAILURES[Math.floor(rand() * FAILURES.length)]! : null;
    const durationMs = Math.floor(5 + rand() * rand() * 800);
    batch.push({
      id: "",
      appId: `app_bench${a}`,
      msgId: newId("msg", createdAt - Math.floor(rand() * 50)),
      endpointId: e,
      url: "",
      status: failure ? DeliveryStatus.Fail : roll < 0.06 ? DeliveryStatus.Canceled : DeliveryStatus.Success,
      responseStatusCode: failure ? failure.code : 200,
      response: null,
      responseDurationMs: durationMs,
      triggerType: 0,
      errorKind: failure ? failure.kind : null,
      requestHeaders: {},
      responseHeaders: null,
      createdAt,
    });
    if (batch.length === 1000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

const appsAndEndpoints = () =>
  Array.from({ length: APPS }, (_, a) => Array.from({ length: ENDPOINTS }, (_, e) => `ep_bench${a}_${e}`));

async function seed(kind: string, store: Store): Promise<number> {
  const started = performance.now();
  const apps = appsAndEndpoints();
  if (store instanceof SqliteStore) {
    const write = store.db.transaction((b: Attempt[]) => recordAttemptStats(store.db, b));
    for (const b of batches(apps)) write(b);
  } else if (store instanceof PostgresStore) {
    const text = `WITH s AS (${upsertStatsFrom("$1")}) SELECT 1`;
    for (const b of batches(apps)) await store.pool.query(text, [statsParam(b)]);
  } else throw new Error(`unknown store ${kind}`);
  return performance.now() - started;
}

/** The series query's own execution time inside PostgreSQL (EXPLAIN ANALYZE), median of 5. */
async function postgresExecutionMs(
  store: PostgresStore,
  interval: string,
  [appId, endpointId]: [string, string],
  since: string,
  until: string,
): Promise<number> {
  const width = { "1m": 60_000, "5m": 300_000, "1h": 3_600_000 }[interval]!;
  const from = Math.floor(Date.parse(since) / width) * width;
  const to = Math.ceil(Date.parse(until) / width) * width;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { rows } = await store.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${SERIES_SQL}`, [
      width,
      appId,
      endpointId,
      from,
      to,
    ]);
    times.push((rows[0]["QUERY PLAN"] as { "Execution Time": number }[])[0]!["Execution Time"]);
  }
  return +times.sort((a, b) => a - b)[2]!.toFixed(2);
}

async function measure(kind: string, store: Store) {
  const seedMs = await seed(kind, store);
  const rows =
    store instanceof SqliteStore
      ? (store.db.prepare("SELECT count(*) AS n FROM attempt_stats").get() as { n: number }).n
      : Number((await (store as PostgresStore).pool.query("SELECT count(*) AS n FROM attempt_stats")).rows[0].n);
  if (store instanceof PostgresStore) await store.pool.query("ANALYZE attempt_stats");
  const dataDir = mkdtempSync(path.join(tmpdir(), "hookline-bench-stats-"));
  const config = loadConfig({ HOOKLINE_DATA_DIR: dataDir, HOOKLINE_API_RATE_LIMIT: "0" });
  const app = await buildHttpServer({
    config,
    metrics: new HooklineMetrics(config, {}),
    tracing: TRACING_OFF,
    store,
    clock: systemClock,
    log: pino({ level: "silent" }),
    endpoints: new EndpointDirectory(store),
    dispatcher: null,
    adminTokenHash: hashToken(TOKEN),
    addressPolicy: new AddressPolicy(config.allowPrivateNetworks),
  });
  await app.ready();
  // The routes look the application and endpoint up; create the ones the charts name.
  await store.applications.insert({
    id: "app_bench0",
    uid: null,
    name: "bench",
    throttleRate: null,
    metadata: {},
    createdAt: NOW,
    updatedAt: NOW,
  });
  const endpoint = (
    await app.inject({
      method: "POST",
      url: "/api/v1/app/app_bench0/endpoint",
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { url: "https://example.com/hook" },
    })
  ).json() as { id: string };
  // The seeded endpoint id is a made-up one; point the endpoint chart at the created endpoint's rows.
  if (store instanceof SqliteStore)
    store.db.prepare("UPDATE attempt_stats SET endpoint_id = ? WHERE endpoint_id = 'ep_bench0_0'").run(endpoint.id);
  else
    await (store as PostgresStore).pool.query(
      "UPDATE attempt_stats SET endpoint_id = $1 WHERE endpoint_id = 'ep_bench0_0'",
      [endpoint.id],
    );

  const since = new Date(NOW - 24 * 3_600_000).toISOString();
  const until = new Date(NOW).toISOString();
  const results: Record<string, unknown>[] = [];
  for (const [scope, base] of [
    ["instance", "/api/v1/stats/attempts"],
    ["application", "/api/v1/app/app_bench0/stats/attempts"],
    ["endpoint", `/api/v1/app/app_bench0/endpoint/${endpoint.id}/stats/attempts`],
  ] as const) {
    for (const interval of ["1h", "5m", "1m"]) {
      const url = `${base}?since=${since}&until=${until}&interval=${interval}`;
      const times: number[] = [];
      const cpu: number[] = [];
      let total = 0;
      for (let i = 0; i < REPEAT + 2; i++) {
        const t = performance.now();
        const c = process.cpuUsage();
        const res = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${TOKEN}` } });
        const ms = performance.now() - t;
        const used = process.cpuUsage(c);
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
        if (i >= 2) {
          times.push(ms);
          cpu.push((used.user + used.system) / 1000);
        }
        total = (res.json() as { data: { total: number }[] }).data.reduce((a, b) => a + b.total, 0);
      }
      times.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      const scopeIds =
        scope === "instance" ? ["", ""] : scope === "application" ? ["app_bench0", ""] : ["app_bench0", endpoint.id];
      results.push({
        store: kind,
        scope,
        interval,
        attempts: total,
        p50_ms: +q(0.5).toFixed(2),
        p95_ms: +q(0.95).toFixed(2),
        max_ms: +times.at(-1)!.toFixed(2),
        node_cpu_p50_ms: +cpu[Math.floor(cpu.length / 2)]!.toFixed(2),
        ...(store instanceof PostgresStore
          ? { pg_exec_ms: await postgresExecutionMs(store, interval, scopeIds as [string, string], since, until) }
          : {}),
      });
    }
  }
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { seedMs, rows, results };
}

for (const kind of stores) {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-bench-stats-db-"));
    store = SqliteStore.open(dir, { synchronous: "NORMAL" });
    cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const cluster = await startBenchCluster({ fsync: true });
    store = await PostgresStore.open(await cluster.createDatabase());
    cleanup = async () => {
      await store.close();
      await cluster.stop();
    };
  }
  try {
    const { seedMs, rows, results } = await measure(kind, store);
    console.log(
      `\n${kind}: ${ATTEMPTS.toLocaleString("en")} attempts over ${HOURS} h, ${APPS}×${ENDPOINTS} endpoints -> ` +
        `${rows.toLocaleString("en")} stats rows, seeded in ${(seedMs / 1000).toFixed(1)} s`,
    );
    console.table(results);
  } finally {
    await cleanup();
  }
}
