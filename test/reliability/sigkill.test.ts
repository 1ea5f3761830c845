/**
 * SIGKILL under load, repeatedly: a client keeps posting at a steady rate while the server is
 * killed without warning several times and restarted on the same data (the same database on the
 * PostgreSQL leg). Every message the API acknowledged must arrive; a message may arrive twice only
 * if its first delivery was in flight in a process that was then killed, so duplicates per kill
 * are bounded by how many deliveries a worker has in flight (HOOKLINE_WORKER_CONCURRENCY).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createDatabaseAt } from "../support/postgres-cluster.ts";
import { Receiver } from "../support/receiver.ts";
import { removeDir, ServerProcess, tempDataDir } from "../support/server-process.ts";
import { sleep, waitUntil, withTimeout } from "../support/wait.ts";
import { seededRandom } from "./support/faults.ts";
import { DeliveryLedger } from "./support/ledger.ts";
import { oneEndpointLoad } from "./support/one-endpoint-load.ts";
import { reportScenario, storeUnderTest } from "./support/report.ts";
import { scenarioCleanups } from "./support/cleanups.ts";

const KILLS = 5;
const RATE = 200;
const WORKER_CONCURRENCY = 32;
const LEASE_SECONDS = 2;
/** How long each life runs under load before it is killed: long enough to have work in every state. */
const LIFE_MS = [1500, 3000];

const store = storeUnderTest();
const cleanups = scenarioCleanups();

test(
  `SIGKILL under load, ${KILLS} times (${store}): every acknowledged message delivered`,
  { timeout: 150_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-kill-");
    cleanups.push(() => removeDir(dataDir));
    const databaseUrl = store === "postgres" ? await createDatabaseAt(process.env.HOOKLINE_TEST_POSTGRES_URL!) : null;
    const env = {
      HOOKLINE_LEASE: String(LEASE_SECONDS),
      HOOKLINE_WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 20 }, () => "1").join(","),
      ...(databaseUrl ? { HOOKLINE_DATABASE_URL: databaseUrl } : {}),
    };

    // A receiver that takes 5-40 ms to answer, so deliveries are in flight at every kill, and fails
    // one request in ten, so retries are waiting in the store at every kill too.
    const receiver = await Receiver.start();
    cleanups.push(() => receiver.close());
    const ledger = new DeliveryLedger();
    const random = seededRandom(11);
    receiver.respond((req) => {
      const delayMs = 5 + Math.floor(random() * 35);
      if (random() < 0.1) return { status: 500, body: "not now", delayMs };
      ledger.success(req);
      return { status: 200, body: "ok", delayMs };
    });

    let server = await ServerProcess.start({ dataDir, env });
    /** From each kill until the restarted server answered its health check. */
    const downMs: number[] = [];
    const { load } = await oneEndpointLoad(server, {
      name: "sigkill",
      endpointUrl: receiver.url + "/hook",
      target: () => server.url,
      ratePerSecond: RATE,
      maxInFlight: 64,
    });
    cleanups.push(() => load.close());
    load.start();

    /** When each killed process had exited: a delivery's arrival time tells which life sent it. */
    const deaths: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(LIFE_MS[0]! + Math.random() * (LIFE_MS[1]! - LIFE_MS[0]!));
      server.kill("SIGKILL");
      const exit = await withTimeout(server.exited, 10_000, "the killed server to exit");
      assert.equal(exit.signal, "SIGKILL");
      deaths.push(Date.now());
      server = await ServerProcess.start({ dataDir, env });
      downMs.push(Date.now() - deaths.at(-1)!);
    }
    await sleep(LIFE_MS[0]!);
    await load.stop();

    const acked = load.seqs("acked");
    await waitUntil(() => ledger.missing(acked).length === 0, 30_000, "every acknowledged message to arrive").catch(
      (error: Error) => {
        const lost = ledger.missing(acked);
        throw new Error(
          `${error.message}: ${lost.length} acknowledged messages lost, e.g. ${lost.slice(0, 5)}\n${server.diagnostics()}`,
        );
      },
    );

    // Only what was acknowledged, or whose POST was cut off by a kill (it may have been stored), arrives.
    const ackedSet = new Set(acked);
    const mayArrive = new Set([...acked, ...load.seqs("no_answer")]);
    for (const seq of ledger.successes.keys())
      assert.ok(mayArrive.has(seq), `message ${seq} arrived but was never accepted`);
    const refusedStatuses = load.seqs("refused").map((s) => (load.outcomes.get(s) as { status: number }).status);
    assert.ok(
      refusedStatuses.every((s) => s === 503),
      `only 503 while starting or stopping: ${refusedStatuses}`,
    );

    // Duplicates: the second arrival is in a later life than the first, and per kill no more than the
    // dead worker could have had between sending and recording.
    const lifeOf = (at: number) => deaths.filter((d) => d < at).length;
    const duplicatesByKill = new Array<number>(KILLS + 1).fill(0);
    let carriedOver = 0;
    for (const [seq, times] of ledger.successes) {
      const lives = times.map(lifeOf);
      for (let i = 1; i < lives.length; i++) {
        assert.ok(lives[i]! > lives[i - 1]!, `message ${seq} arrived twice within one process's life`);
        duplicatesByKill[lives[i - 1]!]!++;
      }
      if (ackedSet.has(seq) && lives[0]! > lifeOf(load.sentAt[seq]!)) carriedOver++;
    }
    for (let k = 0; k < KILLS; k++)
      assert.ok(duplicatesByKill[k]! <= WORKER_CONCURRENCY, `kill ${k + 1}: ${duplicatesByKill[k]} duplicates`);
    // The kills hit work in progress: some messages accepted by one process were delivered by the next.
    assert.ok(carriedOver > 0, "no acknowledged message was still owed at any kill");

    reportScenario(t, {
      scenario: `SIGKILL ×${KILLS} under load`,
      store,
      seconds: Math.round(load.seconds),
      // While a server was up: the restarts (node start-up, migrations check) are not the load's fault.
      loadMsgPerS: Math.round(acked.length / (load.seconds - downMs.reduce((a, b) => a + b, 0) / 1000)),
      faults: {
        sigkill: KILLS,
        http_500: receiver.requests.length - [...ledger.successes.values()].reduce((n, t) => n + t.length, 0),
      },
      acknowledged: acked.length,
      delivered: acked.filter((s) => ledger.has(s)).length,
      lost: ledger.missing(acked).length,
      duplicates: ledger.duplicates,
      notes: [
        `offered ${RATE}/s; down ${downMs.map((ms) => (ms / 1000).toFixed(1)).join("/")} s after each kill`,
        `${load.count("down")} POSTs refused while down`,
        `${load.seqs("no_answer").length} POSTs cut off by a kill (${load.seqs("no_answer").filter((s) => ledger.has(s)).length} of them stored and delivered)`,
        `${carriedOver} acknowledged messages delivered by a later process`,
        `duplicates per kill ${duplicatesByKill.slice(0, KILLS).join("/")} (bound ${WORKER_CONCURRENCY})`,
      ],
    });
  },
);
