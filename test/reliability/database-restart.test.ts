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
import { Receiver } from "../support/receiver.ts";
import { removeDir, ServerProcess, sleep, tempDataDir, waitUntil } from "../support/server-process.ts";
import { DeliveryLedger } from "./support/ledger.ts";
import { oneEndpointLoad } from "./support/one-endpoint-load.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { median } from "./support/stats.ts";
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
    const start = (role: "api" | "worker") => {
      const dataDir = tempDataDir(`hookline-dbrestart-${role}-`);
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
      name: "database-restart",
      endpointUrl: receiver.url + "/hook",
      target: () => api.url,
      ratePerSecond: RATE,
      maxInFlight: 64,
    });
    cleanups.push(() => load.close());
    load.start();

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
    const acked = load.seqs("acked");
    await waitUntil(() => ledger.missing(acked).length === 0, 30_000, "every acknowledged message to arrive").catch(
      (error: Error) => {
        const lost = ledger.missing(acked);
        throw new Error(`${error.message}: ${lost.length} lost, e.g. ${lost.slice(0, 5)}\n${diagnostics()}`);
      },
    );
    const refused = load.seqs("refused").map((seq) => load.outcomes.get(seq) as { status: number; body: string });
    assert.ok(refused.length > 0, "the API refused nothing while the database was down");
    for (const r of refused) {
      assert.equal(r.status, 503, `refused with ${r.status}: ${r.body}`);
      assert.equal((JSON.parse(r.body) as { code: string }).code, "store_unavailable", r.body);
    }
    assert.ok(
      load.seqs("refused").every((seq) => (load.outcomes.get(seq) as { retryAfter: string | null }).retryAfter),
      "every 503 says when to retry",
    );
    assert.equal(load.count("no_answer"), 0, "every POST was answered, none left hanging");
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
    const latencies: number[] = [];
    for (let n = 0; n < WAKE_PROBES; n++) {
      const res = await api.api("POST", `/api/v1/app/${appId}/msg`, {
        eventType: "probe",
        payload: { seq: 1_000_000 + n },
      });
      assert.equal(res.status, 202, res.text);
      const ackAt = Date.now();
      await waitUntil(() => ledger.has(1_000_000 + n), 5000, `probe ${n} to arrive`);
      latencies.push(ledger.successes.get(1_000_000 + n)![0]! - ackAt);
      await sleep(20 + ((n * 37) % 80));
    }
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
