/**
 * A PostgreSQL failover under load: a primary and a synchronous streaming-replication standby on
 * loopback, an `api` and a `worker` process given both in one multi-host HOOKLINE_DATABASE_URL
 * (`target_session_attrs=read-write`), open-loop load into a real receiver. The primary is
 * SIGKILLed (postmaster and every backend: a machine dying), nothing takes writes for a few
 * seconds, then the standby is promoted (`pg_ctl promote`). Neither process is restarted.
 *
 * What must hold: every message acknowledged (202) before, during or after arrives; duplicates stay
 * within what the worker held when the primary died; while no server takes writes the API answers
 * 503 store_unavailable with Retry-After, never a 500, and leaves no POST hanging; it acknowledges
 * again within seconds of the promotion; the worker's LISTEN session moves to the promoted server
 * and wakes it again (not only its 1 s poll).
 *
 * PostgreSQL only, with a pair of servers of its own.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { startReplicatedPair } from "../support/postgres-replication.ts";
import { sleep, waitUntil } from "../support/wait.ts";
import {
  apiAndWorkerUnderLoad,
  expectEveryAcknowledgedDelivered,
  expectRefusalsSayStoreUnavailable,
  wakeLatencies,
} from "./support/api-and-worker.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { median } from "../support/stats.ts";
import { scenarioCleanups } from "./support/cleanups.ts";

const RATE = 100;
const UP_MS = 3000;
/** Between the kill and the promotion: what a failover manager takes to decide (seconds to tens of seconds in production). */
const NO_PRIMARY_MS = 3000;
const WORKER_CONCURRENCY = 32;
/**
 * Deliveries a worker can hold (sent, or about to be) whose outcome it could not record once the
 * primary was gone: they are sent again after their lease, with the same webhook-id. The worker
 * holds at most 4 × HOOKLINE_WORKER_CONCURRENCY in memory.
 */
const DUPLICATE_BOUND = 4 * WORKER_CONCURRENCY;
/** Generous: the promotion itself is ~1 s; the API needs one failed connection to choose again. */
const RECOVERY_LIMIT_MS = 30_000;
const WAKE_MEDIAN_LIMIT_MS = 300;
const WAKE_PROBES = 15;

const store = storeUnderTest();
const cleanups = scenarioCleanups();

test(
  "PostgreSQL primary SIGKILLed under load, synchronous standby promoted: nothing acknowledged is lost",
  { skip: store === "postgres" ? false : "PostgreSQL only: SQLite has no standby", timeout: 150_000 },
  async (t) => {
    const pair = await startReplicatedPair({ synchronous: true });
    cleanups.push(() => pair.stop());
    const db = await pair.createDatabase();
    const env = {
      HOOKLINE_DATABASE_URL: pair.multiHostUrl(db),
      HOOKLINE_DATABASE_CONNECT_TIMEOUT: "5",
      HOOKLINE_LEASE: "2",
      HOOKLINE_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "1").join(","),
    };
    const setup = await apiAndWorkerUnderLoad(cleanups, { name: "failover", env, ratePerSecond: RATE });
    const { api, worker, load, ledger, diagnostics } = setup;

    await sleep(UP_MS);
    const ackedBeforeKill = load.count("acked");
    pair.killPrimary();
    const killedAt = Date.now();
    // A balancer's view while no server takes writes: both processes alive, neither ready.
    for (const node of [api, worker]) {
      await waitUntil(
        async () => (await node.api("GET", "/api/v1/health/ready", undefined, null)).status === 503,
        30_000,
        `${node === api ? "the api" : "the worker"} to report not ready without a primary`,
      );
      assert.equal((await node.api("GET", "/api/v1/health", undefined, null)).status, 204, "liveness stays");
    }
    await sleep(NO_PRIMARY_MS - (Date.now() - killedAt));
    const firstSeqAfterPromotion = load.sent;
    await pair.promoteStandby();
    const promotedAt = Date.now();
    await waitUntil(
      () => load.seqs("acked").some((seq) => seq >= firstSeqAfterPromotion),
      RECOVERY_LIMIT_MS,
      "the API to acknowledge again after the promotion",
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${diagnostics()}`);
    });
    const recoveryMs = Date.now() - promotedAt;
    await sleep(UP_MS);
    await load.stop();

    assert.ok(!api.hasExited && !worker.hasExited, `a process exited during the failover\n${diagnostics()}`);
    for (const node of [api, worker]) {
      await waitUntil(
        async () => (await node.api("GET", "/api/v1/health/ready", undefined, null)).status === 204,
        30_000,
        "both processes ready again on the promoted server",
      );
    }
    const acked = await expectEveryAcknowledgedDelivered(setup, 60_000);
    const refused = expectRefusalsSayStoreUnavailable(load, "no server took writes");
    assert.ok(
      ledger.duplicates <= DUPLICATE_BOUND,
      `${ledger.duplicates} duplicates, more than the ${DUPLICATE_BOUND} deliveries a worker can hold`,
    );

    // The worker's LISTEN session is on the promoted server...
    const promoted = new pg.Client({ connectionString: pair.standbyUrl(db) });
    await promoted.connect();
    try {
      await waitUntil(
        async () =>
          (
            await promoted.query(
              "SELECT 1 FROM pg_stat_activity WHERE application_name = 'hookline-listen' AND state = 'idle' " +
                "AND query IN ('LISTEN hookline_work', 'SELECT 1')",
            )
          ).rowCount! >= 1,
        30_000,
        "the worker's LISTEN session to reconnect to the promoted server",
      );
    } finally {
      await promoted.end();
    }
    // ...and wakes it: the api process hands nothing over in memory, so without NOTIFY each message
    // would wait for the worker's next poll, up to a second.
    const latencies = await wakeLatencies(setup, WAKE_PROBES, 10_000);
    assert.ok(
      median(latencies) < WAKE_MEDIAN_LIMIT_MS,
      `after the failover the worker waits for its poll instead of being woken: median ${median(latencies)} ms ` +
        `(${latencies.join(", ")})\n${diagnostics()}`,
    );

    const acknowledgedDuring = acked.filter((seq) => {
      const sentAt = load.sentAt[seq]!;
      return sentAt >= killedAt && sentAt < promotedAt + recoveryMs;
    }).length;
    reportScenario(t, {
      scenario: "primary SIGKILLed, sync standby promoted",
      store,
      seconds: Math.round(load.seconds),
      loadMsgPerS: RATE,
      faults: { primary_sigkill: 1, no_primary_ms: promotedAt - killedAt },
      acknowledged: acked.length,
      delivered: acked.filter((s) => ledger.has(s)).length,
      lost: ledger.missing(acked).length,
      duplicates: ledger.duplicates,
      notes: [
        `api and worker processes on a multi-host URL (target_session_attrs=read-write); synchronous replication`,
        `${ackedBeforeKill} acknowledged before the kill, ${acknowledgedDuring} sent between the kill and recovery ` +
          `and acknowledged, ${refused.length} POSTs answered 503 store_unavailable with Retry-After`,
        `the API acknowledged again ${(recoveryMs / 1000).toFixed(1)} s after pg_ctl promote returned`,
        `duplicates ${ledger.duplicates} (bound: ${DUPLICATE_BOUND}, what the worker can hold)`,
        `afterwards, 202 → arrival median ${median(latencies)} ms (worker woken by NOTIFY on the promoted server; its poll is 1 s)`,
      ],
    });
  },
);
