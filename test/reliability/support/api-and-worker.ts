import assert from "node:assert/strict";
import { Receiver } from "../../support/receiver.ts";
import { removeDir, ServerProcess, tempDataDir } from "../../support/server-process.ts";
import { sleep, waitUntil } from "../../support/wait.ts";
import type { LoadGenerator } from "./load.ts";
import { DeliveryLedger } from "./ledger.ts";
import { oneEndpointLoad } from "./one-endpoint-load.ts";

/**
 * The set-up of the scenarios that take the database away under load (database-restart.test.ts,
 * failover.test.ts): an `api` process that accepts and a `worker` process that delivers, on one
 * PostgreSQL database, with open-loop load (started) into one endpoint whose receiver keeps the
 * ledger. The api process hands no work over in memory, so the worker learns of each message from
 * the database alone: by NOTIFY, or at its next poll.
 */
export interface ApiAndWorker {
  api: ServerProcess;
  worker: ServerProcess;
  appId: string;
  load: LoadGenerator;
  ledger: DeliveryLedger;
  /** Both processes' output, for a failure's message. */
  diagnostics(): string;
}

export async function apiAndWorkerUnderLoad(
  cleanups: (() => unknown)[],
  options: { name: string; env: Record<string, string>; ratePerSecond: number },
): Promise<ApiAndWorker> {
  const start = (role: "api" | "worker") => {
    const dataDir = tempDataDir(`hookline-${options.name}-${role}-`);
    cleanups.push(() => removeDir(dataDir));
    return ServerProcess.start({ dataDir, env: { ...options.env, HOOKLINE_ROLE: role } });
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
    name: options.name,
    endpointUrl: receiver.url + "/hook",
    target: () => api.url,
    ratePerSecond: options.ratePerSecond,
    maxInFlight: 64,
  });
  cleanups.push(() => load.close());
  load.start();
  return { api, worker, appId, load, ledger, diagnostics };
}

/** Waits for every message the API acknowledged to arrive; returns their sequence numbers. */
export async function expectEveryAcknowledgedDelivered(setup: ApiAndWorker, timeoutMs: number): Promise<number[]> {
  const { load, ledger } = setup;
  const acked = load.seqs("acked");
  await waitUntil(() => ledger.missing(acked).length === 0, timeoutMs, "every acknowledged message to arrive").catch(
    (error: Error) => {
      const lost = ledger.missing(acked);
      throw new Error(`${error.message}: ${lost.length} lost, e.g. ${lost.slice(0, 5)}\n${setup.diagnostics()}`);
    },
  );
  return acked;
}

/**
 * What the API answered while no database took writes: some POSTs refused, every refusal a 503
 * store_unavailable that says when to retry, and no POST left without an answer. Returns the refusals.
 */
export function expectRefusalsSayStoreUnavailable(
  load: LoadGenerator,
  whileDown: string,
): { status: number; body: string }[] {
  const refused = load.seqs("refused").map((seq) => load.outcomes.get(seq) as { status: number; body: string });
  assert.ok(refused.length > 0, `the API refused nothing while ${whileDown}`);
  for (const r of refused) {
    assert.equal(r.status, 503, `refused with ${r.status}: ${r.body}`);
    assert.equal((JSON.parse(r.body) as { code: string }).code, "store_unavailable", r.body);
  }
  assert.ok(
    load.seqs("refused").every((seq) => (load.outcomes.get(seq) as { retryAfter: string | null }).retryAfter),
    "every 503 says when to retry",
  );
  assert.equal(load.count("no_answer"), 0, "every POST was answered, none left hanging");
  return refused;
}

/**
 * Posts `probes` messages one after another through the api process and returns, for each, the
 * milliseconds from its 202 to its arrival: about the worker's poll interval if it is not woken.
 */
export async function wakeLatencies(setup: ApiAndWorker, probes: number, probeTimeoutMs: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let n = 0; n < probes; n++) {
    const res = await setup.api.api("POST", `/api/v1/app/${setup.appId}/msg`, {
      eventType: "probe",
      payload: { seq: 1_000_000 + n },
    });
    assert.equal(res.status, 202, res.text);
    const ackAt = Date.now();
    await waitUntil(() => setup.ledger.has(1_000_000 + n), probeTimeoutMs, `probe ${n} to arrive`);
    latencies.push(setup.ledger.successes.get(1_000_000 + n)![0]! - ackAt);
    await sleep(20 + ((n * 37) % 80));
  }
  return latencies;
}
