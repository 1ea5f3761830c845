/**
 * A network partition between one worker and the database, longer than the lease. Worker B runs
 * in a network namespace made by the test and reaches PostgreSQL over a link of its own; the
 * test sets that link down (packets dropped, no answer: a silent partition, not a refusal) while
 * B still reaches the receiver. Worker A and the api process stay connected.
 *
 * What must hold: B's deliveries are taken over by A after the lease, while B is still cut off;
 * B stops sending what it cannot record (it needs the database to read a message before sending
 * it, and its queries give up after HOOKLINE_DATABASE_QUERY_TIMEOUT), so nothing from B reaches
 * the receiver later than the lease plus the query timeout after the cut; duplicates stay within
 * what B held; B does not exit, reports not ready, and once the link is back it is ready again and
 * delivers again by itself; every acknowledged message arrives.
 *
 * PostgreSQL only; skipped, and said so in the summary, where network namespaces cannot be made
 * (not root, no veth).
 */
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import pg from "pg";
import { startPostgresCluster } from "../support/postgres-cluster.ts";
import { removeDir, ServerProcess, tempDataDir } from "../support/server-process.ts";
import { sleep, waitUntil } from "../support/wait.ts";
import { scenarioCleanups } from "./support/cleanups.ts";
import { LoadGenerator } from "./support/load.ts";
import { NetworkNamespace } from "./support/network-namespace.ts";
import { reportScenario, reportSkipped, storeUnderTest } from "./support/report.ts";

const RATE = 40;
const LEASE_MS = 3000;
const QUERY_TIMEOUT_MS = 2000;
const WORKER_CONCURRENCY = 16;
/** What B can hold (sent, or about to be) whose outcome it cannot record: 4 × its concurrency. */
const DUPLICATE_BOUND = 4 * WORKER_CONCURRENCY;
/** Each request takes this long, so both workers have deliveries in flight at any moment. */
const RECEIVER_DELAY_MS = 200;
/** The cut lasts at least this long (well past the lease), and until A has taken everything over. */
const MIN_CUT_MS = 3 * LEASE_MS;
/** B's last request may leave up to lease + query timeout after the cut; past this (generous) nothing may. */
const B_SILENT_AFTER_MS = LEASE_MS + QUERY_TIMEOUT_MS + 3000;

const store = storeUnderTest();
const cleanups = scenarioCleanups();
const SCENARIO = "worker partitioned from the database past its lease";
const unavailable = store === "postgres" ? NetworkNamespace.unavailableReason() : null;
if (unavailable) reportSkipped(SCENARIO, store, unavailable);

interface Arrival {
  seq: number;
  from: string;
  at: number;
}

test(
  "a worker cut off from PostgreSQL past its lease: taken over, stops sending, rejoins; nothing acknowledged is lost",
  {
    skip: store !== "postgres" ? "PostgreSQL only" : unavailable ? `SKIPPED: ${unavailable}` : false,
    timeout: 150_000,
  },
  async (t) => {
    const ns = NetworkNamespace.create();
    cleanups.push(() => ns.remove());
    const cluster = await startPostgresCluster({
      maxConnections: 100,
      settings: { listen_addresses: `127.0.0.1,${ns.databaseAddress}` },
    });
    cleanups.push(() => cluster.stop());
    appendFileSync(path.join(cluster.dataDir, "pg_hba.conf"), `\nhost all all ${ns.databaseSubnet} trust\n`);
    const admin = new pg.Client({ connectionString: cluster.url("postgres") });
    await admin.connect();
    await admin.query("SELECT pg_reload_conf()");
    await admin.end();
    const localUrl = await cluster.createDatabase();
    const namespacedUrl = localUrl.replace("127.0.0.1", ns.databaseAddress);

    // The receiver listens on the host's end of the link the partition leaves up.
    const arrivals: Arrival[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const seq = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { seq: number }).seq;
        arrivals.push({ seq, from: req.socket.remoteAddress ?? "", at: Date.now() });
        setTimeout(() => res.writeHead(200).end("ok"), RECEIVER_DELAY_MS).unref();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, ns.hostAddress, resolve));
    cleanups.push(() => {
      receiver.closeAllConnections();
      return new Promise((resolve) => receiver.close(resolve));
    });
    const receiverUrl = `http://${ns.hostAddress}:${(receiver.address() as AddressInfo).port}/hook`;
    const delivered = () => new Set(arrivals.map((a) => a.seq));
    const fromB = (a: Arrival) => a.from.endsWith(ns.namespaceAddress);

    const env = {
      HOOKLINE_LEASE: String(LEASE_MS / 1000),
      HOOKLINE_DATABASE_QUERY_TIMEOUT: String(QUERY_TIMEOUT_MS / 1000),
      HOOKLINE_DATABASE_CONNECT_TIMEOUT: "2",
      HOOKLINE_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: `127.0.0.0/8,${ns.subnet}`,
      HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "1").join(","),
    };
    const start = (role: "api" | "worker", databaseUrl: string, extra: { host?: string; wrapper?: string[] } = {}) => {
      const dataDir = tempDataDir(`hookline-partition-${role}-`);
      cleanups.push(() => removeDir(dataDir));
      return ServerProcess.start({
        dataDir,
        wrapper: extra.wrapper,
        env: {
          ...env,
          HOOKLINE_ROLE: role,
          HOOKLINE_DATABASE_URL: databaseUrl,
          ...(extra.host ? { HOOKLINE_HOST: extra.host } : {}),
        },
      });
    };
    const api = await start("api", localUrl);
    const workerA = await start("worker", localUrl);
    const workerB = await start("worker", namespacedUrl, { host: ns.namespaceAddress, wrapper: ns.wrapper });
    const diagnostics = () =>
      `=== api ===\n${api.diagnostics()}\n=== worker A ===\n${workerA.diagnostics()}\n=== worker B ===\n${workerB.diagnostics()}`;

    const app = await api.api("POST", "/api/v1/app", { name: "partition" });
    assert.equal(app.status, 201, app.text);
    const ep = await api.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiverUrl });
    assert.equal(ep.status, 201, ep.text);
    const load = new LoadGenerator({
      target: () => api.url,
      token: api.token!,
      appFor: () => app.body.id as string,
      ratePerSecond: RATE,
      maxInFlight: 64,
    });
    cleanups.push(() => load.close());
    load.start();

    await waitUntil(() => arrivals.some(fromB), 60_000, "worker B to deliver before the cut").catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    await sleep(1000);
    const sentBeforeCut = load.sent;
    ns.cutDatabase(true);
    const cutAt = Date.now();
    const bBeforeCut = arrivals.filter(fromB).length;

    // B notices: not ready (its probe gives up), but alive.
    await waitUntil(
      async () => (await workerB.api("GET", "/api/v1/health/ready", undefined, null)).status === 503,
      30_000,
      "worker B to report not ready while cut off",
    );
    assert.equal((await workerB.api("GET", "/api/v1/health", undefined, null)).status, 204, "B stays live");
    // A takes over what B held once the lease ran out, while B is still cut off.
    await sleep(MIN_CUT_MS - (Date.now() - cutAt));
    const ackedBeforeCut = () => load.seqs("acked").filter((seq) => seq < sentBeforeCut);
    await waitUntil(
      () => ackedBeforeCut().every((seq) => delivered().has(seq)),
      60_000,
      "every message acknowledged before the cut to arrive while B is cut off",
    ).catch((e: Error) => {
      const missing = ackedBeforeCut().filter((seq) => !delivered().has(seq));
      throw new Error(`${e.message}: missing ${missing.slice(0, 10)}\n${diagnostics()}`);
    });
    const restoredAt = Date.now();
    const bLate = arrivals.filter((a) => fromB(a) && a.at > cutAt + B_SILENT_AFTER_MS && a.at < restoredAt);
    const bDuringCut = arrivals.filter((a) => fromB(a) && a.at >= cutAt && a.at < restoredAt);
    ns.cutDatabase(false);

    // B rejoins by itself: ready again, and delivering again.
    await waitUntil(
      async () => (await workerB.api("GET", "/api/v1/health/ready", undefined, null)).status === 204,
      60_000,
      "worker B to be ready again once the link is back",
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    await waitUntil(
      () => arrivals.some((a) => fromB(a) && a.at > restoredAt),
      60_000,
      "worker B to deliver again after the partition",
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${diagnostics()}`);
    });
    const rejoinedMs = arrivals.find((a) => fromB(a) && a.at > restoredAt)!.at - restoredAt;
    await sleep(2000);
    await load.stop();

    const acked = load.seqs("acked");
    await waitUntil(
      () => acked.every((seq) => delivered().has(seq)),
      60_000,
      "every acknowledged message to arrive",
    ).catch((e: Error) => {
      const missing = acked.filter((seq) => !delivered().has(seq));
      throw new Error(`${e.message}: ${missing.length} lost, e.g. ${missing.slice(0, 5)}\n${diagnostics()}`);
    });
    assert.ok(!workerB.hasExited && !workerA.hasExited && !api.hasExited, `a process exited\n${diagnostics()}`);
    assert.equal(
      bLate.length,
      0,
      `B sent ${bLate.length} requests more than ${B_SILENT_AFTER_MS} ms into the partition (it can no longer record them)`,
    );
    const counts = new Map<number, number>();
    for (const a of arrivals) counts.set(a.seq, (counts.get(a.seq) ?? 0) + 1);
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    assert.ok(duplicates <= DUPLICATE_BOUND, `${duplicates} duplicates, more than the ${DUPLICATE_BOUND} B can hold`);
    assert.equal(load.count("no_answer"), 0, "every POST was answered");

    reportScenario(t, {
      scenario: SCENARIO,
      store,
      seconds: Math.round(load.seconds),
      loadMsgPerS: RATE,
      faults: { partition_ms: restoredAt - cutAt },
      acknowledged: acked.length,
      delivered: acked.filter((seq) => delivered().has(seq)).length,
      lost: acked.filter((seq) => !delivered().has(seq)).length,
      duplicates,
      notes: [
        `api + worker A connected, worker B in a network namespace whose database link was set down ` +
          `(lease ${LEASE_MS / 1000} s, query timeout ${QUERY_TIMEOUT_MS / 1000} s); receiver answers in ${RECEIVER_DELAY_MS} ms`,
        `B delivered ${bBeforeCut} before the cut, ${bDuringCut.length} during it ` +
          `(the last ${bDuringCut.length ? ((bDuringCut.at(-1)!.at - cutAt) / 1000).toFixed(1) : "-"} s after the cut), ` +
          `none later than ${B_SILENT_AFTER_MS / 1000} s into it`,
        `everything acknowledged before the cut was delivered (by A) ${((restoredAt - cutAt) / 1000).toFixed(1)} s ` +
          `after it, while B was still cut off`,
        `after the link came back B delivered again ${(rejoinedMs / 1000).toFixed(1)} s later; ` +
          `duplicates ${duplicates} (bound ${DUPLICATE_BOUND})`,
      ],
    });
  },
);
