/**
 * What the stats upsert adds to recording a batch of attempts (the completion write, the hot
 * path): the same batch written with and without its stats rows, interleaved, on each store.
 *
 *   node --import tsx bench/stats-write.ts [--store sqlite|postgres|both] [--batches 2000]
 *
 * SQLite: one write transaction per batch, as the group commit runs it (synchronous=NORMAL in WAL,
 * so the figure is the statements' cost, not an fsync's), inserting the attempts
 * (insertAttempt) with or without recordAttemptStats. Foreign keys are off for this
 * measurement only: the batches name made-up messages.
 * PostgreSQL (fsync on): the real completion statement (outcomes.ts) for outcomes whose deliveries
 * do not exist (the UPDATEs match nothing, the attempts are inserted), with the batch's stats rows
 * or with none (the same statement, an empty stats array).
 * Batches: N attempts to 10 endpoints of one application in the same minute, N = 1, 10, 100.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DeliveryStatus, type Attempt } from "../src/core/entities.ts";
import { newId } from "../src/core/ids.ts";
import { completeStatement } from "../src/store/postgres/outcomes.ts";
import { PostgresStore } from "../src/store/postgres/postgres-store.ts";
import { recordAttemptStats } from "../src/store/sqlite/attempt-stats.ts";
import { insertAttempt } from "../src/store/sqlite/attempts.ts";
import { SqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import type { DeliveryOutcome } from "../src/store/store.ts";
import { findPostgresBin, startBenchCluster } from "./lib/postgres.ts";

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) flags.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const BATCHES = Number(flags.get("batches") ?? 2000);
const storeFlag = flags.get("store") ?? (findPostgresBin() ? "both" : "sqlite");
const stores = storeFlag === "both" ? ["sqlite", "postgres"] : [storeFlag];

function batch(n: number): Attempt[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    id: newId("atmpt", now),
    appId: "app_bench",
    msgId: newId("msg", now - 5),
    endpointId: `ep_bench${i % 10}`,
    url: "https://example.com/hook",
    status: i % 20 === 0 ? DeliveryStatus.Fail : DeliveryStatus.Success,
    responseStatusCode: i % 20 === 0 ? 503 : 200,
    response: "ok",
    responseDurationMs: 3 + (i % 40),
    triggerType: 0,
    errorKind: i % 20 === 0 ? "http_status" : null,
    requestHeaders: { "webhook-id": "msg" },
    responseHeaders: null,
    createdAt: now,
  }));
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `write(withStats)` alternately with and without, returning the median µs of each. */
async function compare(write: (withStats: boolean) => Promise<void> | void) {
  const times = { with: [] as number[], without: [] as number[] };
  for (let i = 0; i < 20; i++) await write(i % 2 === 0);
  for (let i = 0; i < BATCHES; i++) {
    const withStats = i % 2 === 0;
    const t = performance.now();
    await write(withStats);
    (withStats ? times.with : times.without).push((performance.now() - t) * 1000);
  }
  return { withoutUs: +median(times.without).toFixed(0), withUs: +median(times.with).toFixed(0) };
}

for (const kind of stores) {
  const rows: Record<string, unknown>[] = [];
  if (kind === "sqlite") {
    const dir = mkdtempSync(path.join(tmpdir(), "hookline-bench-statsw-"));
    const store = SqliteStore.open(dir, { synchronous: "NORMAL" });
    store.db.pragma("foreign_keys = OFF");
    for (const n of [1, 10, 100]) {
      const tx = store.db.transaction((attempts: Attempt[], withStats: boolean) => {
        for (const a of attempts) insertAttempt(store.db, a);
        if (withStats) recordAttemptStats(store.db, attempts);
      });
      rows.push({ store: kind, batch: n, ...(await compare((withStats) => tx(batch(n), withStats))) });
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  } else {
    const cluster = await startBenchCluster({ fsync: true });
    const store = await PostgresStore.open(await cluster.createDatabase());
    for (const n of [1, 10, 100]) {
      const write = async (withStats: boolean) => {
        const outcomes: DeliveryOutcome[] = batch(n).map((attempt) => ({
          deliveryId: newId("dlv"),
          attempt,
          status: attempt.status,
          nextAttemptAt: null,
          endpointFailingSince: null,
          disableEndpoint: false,
        }));
        const statement = completeStatement("bench", outcomes, Date.now());
        if (!withStats) statement.values[22] = "[]";
        await store.pool.query(statement.text, statement.values);
      };
      rows.push({ store: kind, batch: n, ...(await compare(write)) });
    }
    await store.close();
    await cluster.stop();
  }
  console.table(
    rows.map((r) => ({
      ...r,
      added_us: (r.withUs as number) - (r.withoutUs as number),
      per_attempt_us: +(((r.withUs as number) - (r.withoutUs as number)) / (r.batch as number)).toFixed(1),
    })),
  );
}
