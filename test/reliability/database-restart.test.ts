/**
 * PostgreSQL restarts under load (a crash, a failover, a maintenance restart): an `api` process
 * accepts at a steady rate and a `worker` process delivers, while the database server is stopped
 * without warning (`pg_ctl stop -m immediate`: every session cut off) and started again, twice.
 * While it is down the API answers 503 store_unavailable with Retry-After, never a 500, and
 * neither process exits: both stay live (/api/v1/health) but not ready (/api/v1/health/ready). Once it is back both carry on by themselves, every acknowledged message
 * arrives, and the worker is woken by NOTIFY again, not left to its 1 s poll: its LISTEN
 * connection must reconnect however long the server stayed away.
 *
 * The scenario starts a cluster of its own, since it stops and starts the server; it runs on the
 * PostgreSQL leg only (SQLite has no server to lose).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startPostgresCluster } from "../support/postgres-cluster.ts";
import type { ServerProcess } from "../support/server-process.ts";
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

const RESTARTS = 2;
/** Longer than the LISTEN connection's first reconnect attempt (1 s later), so that attempt fails. */
const DOWN_MS = 3000;
const UP_MS = 2500;
const RATE = 100;
/** The worker polls every second; NOTIFY should bring a message far sooner. */
const WAKE_MEDIAN_LIMIT_MS = 300;
const WAKE_PROBES = 15;

const store = storeUnderTest();
const cleanups = scenarioCleanups();

test(
  `PostgreSQL restarted ${RESTARTS} times under load: 503s while down, then every acknowledged message delivered`,
  { skip: store === "postgres" ? false : "PostgreSQL only: SQLite has no server to restart", timeout: 120_000 },
  async (t) => {
    const cluster = await startPostgresCluster();
    cleanups.push(() => cluster.stop());
    const databaseUrl = await cluster.createDatabase();
    const env = {
      HOOKLINE_DATABASE_URL: databaseUrl,
      HOOKLINE_LEASE: "2",
      HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "1").join(","),
    };
    const setup = await apiAndWorkerUnderLoad(cleanups, { name: "database-restart", env, ratePerSecond: RATE });
    const { api, worker, load, ledger, diagnostics } = setup;

    /** From each start of the server until the API acknowledged a message sent after it. */
    const recoveryMs: number[] = [];
    const probe = async (node: ServerProcess) => ({
      live: (await node.api("GET", "/api/v1/health", undefined, null)).status,
      ready: await node.api("GET", "/api/v1/health/ready", undefined, null),
    });
    for (let restart = 0; restart < RESTARTS; restart++) {
      await sleep(UP_MS);
      await cluster.stopServer();
      const stoppedAt = Date.now();
      // A balancer's view: both processes alive, neither ready.
      for (const node of [api, worker]) {
        const { live, ready } = await probe(node);
        assert.equal(live, 204, "liveness does not depend on the database");
        assert.equal(ready.status, 503, ready.text);
        assert.equal(ready.body.code, "store_unavailable", ready.text);
      }
      await sleep(DOWN_MS - (Date.now() - stoppedAt));
      await cluster.startServer();
      const startedAt = Date.now();
      const firstSeq = load.sentAt.length;
      await waitUntil(
        () => load.seqs("acked").some((seq) => seq >= firstSeq),
        15_000,
        `the API to acknowledge again after restart ${restart + 1}`,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${diagnostics()}`);
      });
      recoveryMs.push(Date.now() - startedAt);
    }
    await sleep(UP_MS);
    await load.stop();

    assert.ok(!api.hasExited && !worker.hasExited, `a process exited while the database was away\n${diagnostics()}`);
    for (const node of [api, worker]) {
      const { ready } = await probe(node);
      assert.equal(ready.status, 204, `ready again once the database is back: ${ready.text}`);
    }
    const acked = await expectEveryAcknowledgedDelivered(setup, 30_000);
    const refused = expectRefusalsSayStoreUnavailable(load, "the database was down");
    const idleErrors = [...api.logs, ...worker.logs].filter((l) =>
      String(l.msg).startsWith("idle database connection"),
    );
    assert.ok(idleErrors.length > 0, "the pools saw their idle connections cut off");
    for (const line of idleErrors)
      assert.equal(
        (line.err as { client?: unknown }).client,
        undefined,
        "the log carries the error, not the pool's client",
      );

    // The worker gets no work handed over in memory (the api process took the messages): without
    // NOTIFY it would find each one only at its next poll, up to a second later.
    const latencies = await wakeLatencies(setup, WAKE_PROBES, 5000);
    assert.ok(
      median(latencies) < WAKE_MEDIAN_LIMIT_MS,
      `after the restarts the worker waits for its poll instead of being woken: median ${median(latencies)} ms ` +
        `(${latencies.join(", ")})\n${diagnostics()}`,
    );

    reportScenario(t, {
      scenario: `database restarted ×${RESTARTS} under load`,
      store,
      seconds: Math.round(load.seconds),
      loadMsgPerS: RATE,
      faults: { database_down_ms: RESTARTS * DOWN_MS },
      acknowledged: acked.length,
      delivered: acked.filter((s) => ledger.has(s)).length,
      lost: ledger.missing(acked).length,
      duplicates: ledger.duplicates,
      notes: [
        `api and worker processes; server stopped with -m immediate for ${DOWN_MS / 1000} s, ${RESTARTS} times`,
        `${refused.length} POSTs answered 503 store_unavailable while down; acknowledging again ` +
          `${recoveryMs.map((ms) => (ms / 1000).toFixed(1)).join("/")} s after each start`,
        `afterwards, 202 → arrival median ${median(latencies)} ms (worker woken by NOTIFY; its poll is 1 s)`,
      ],
    });
  },
);
