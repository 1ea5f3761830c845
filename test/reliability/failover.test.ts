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
import { Receiver } from "../support/receiver.ts";
import { removeDir, ServerProcess, sleep, tempDataDir, waitUntil } from "../support/server-process.ts";
import { DeliveryLedger } from "./support/ledger.ts";
import { oneEndpointLoad } from "./support/one-endpoint-load.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { median } from "./support/stats.ts";
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
    const start = (role: "api" | "worker") => {
      const dataDir = tempDataDir(`hookline-failover-${role}-`);
      cleanups.push(() => removeDir(dataDir));
      return ServerProcess.start({ dataDir, env: { ...env, HOOKLINE_ROLE: role } });
    };
    const api = await start("api");
    const worker = await start("worker");
    const diagnostics = () => `=== api ===\n${api.diagnostics()}\n=== worker ===\n${worker.diagnostics()}`;

    const receiver = await Receiver.start();
    cleanups.push(() => receiver.close());
    const ledger = new DeliveryLedger();
    receiver.respond((req) => {
      ledger.success(req);
      return { status: 200 };
    });
    const { appId, load } = await oneEndpointLoad(api, {
      name: "failover",
      endpointUrl: receiver.url + "/hook",
      target: () => api.url,
      ratePerSecond: RATE,
      maxInFlight: 64,
    });
    cleanups.push(() => load.close());
    load.start();

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
    const acked = load.seqs("acked");
    await waitUntil(() => ledger.missing(acked).length === 0, 60_000, "every acknowledged message to arrive").catch(
      (error: Error) => {
        const lost = ledger.missing(acked);
        throw new Error(`${error.message}: ${lost.length} lost, e.g. ${lost.slice(0, 5)}\n${diagnostics()}`);
      },
    );
    const refused = load.seqs("refused").map((seq) => load.outcomes.get(seq) as { status: number; body: string });
    assert.ok(refused.length > 0, "the API refused nothing while no server took writes");
    for (const r of refused) {
      assert.equal(r.status, 503, `refused with ${r.status}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { code: string }).code, "store_unavailable", r.body);
    }
    assert.ok(
      load.seqs("refused").every((seq) => (load.outcomes.get(seq) as { retryAfter: string | null }).retryAfter),
      "every 503 says when to retry",
    );
    assert.equal(load.count("no_answer"), 0, "every POST was answered, none left hanging");
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
    const latencies: number[] = [];
    for (let n = 0; n < WAKE_PROBES; n++) {
      const res = await api.api("POST", `/api/v1/app/${appId}/msg`, {
        eventType: "probe",
        payload: { seq: 1_000_000 + n },
      });
      assert.equal(res.status, 202, res.text);
      const ackAt = Date.now();
      await waitUntil(() => ledger.has(1_000_000 + n), 10_000, `probe ${n} to arrive`);
      latencies.push(ledger.successes.get(1_000_000 + n)![0]! - ackAt);
      await sleep(20 + ((n * 37) % 80));
    }
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
