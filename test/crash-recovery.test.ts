import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { killAllServers, mapConcurrent, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil, withTimeout } from "./support/wait.ts";

/**
 * The durability promise of the API: a message acknowledged with 202 is delivered at least once,
 * even if the process is SIGKILLed right after answering, whatever state its delivery was in
 * (in flight to the endpoint, queued in the worker's memory, waiting unleased in the store, or
 * scheduled for a retry).
 */

const MESSAGES = 300;
const POST_CONCURRENCY = 20;
const LEASE_SECONDS = 2;
const DELIVERY_DEADLINE_MS = 30_000;

const dirs: string[] = [];
const receivers: Receiver[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(receivers.map((r) => r.close()));
  for (const d of dirs) removeDir(d);
});

test("every message acknowledged before a SIGKILL is delivered after a restart", { timeout: 180_000 }, async (t) => {
  const dataDir = tempDataDir("hookline-crash-");
  dirs.push(dataDir);
  const receiver = await Receiver.start();
  receivers.push(receiver);

  // Before the crash the endpoint is slow and failing: nothing gets delivered, so every delivery
  // is still owed when the process dies: some in flight, some queued in memory under a lease,
  // some not yet claimed from the store, some waiting for a retry.
  let crashed = false;
  const delivered = new Map<string, number>(); // webhook-id -> number of 2xx answers
  receiver.respond((req) => {
    if (!crashed) return { status: 500, body: "not yet", delayMs: 150 };
    const id = String(req.headers["webhook-id"]);
    delivered.set(id, (delivered.get(id) ?? 0) + 1);
    return { status: 200, body: "ok" };
  });

  const env = {
    HOOKLINE_LEASE: String(LEASE_SECONDS),
    // Short, long-enough retries: a delivery failing before the crash is still scheduled afterwards.
    HOOKLINE_RETRY_SCHEDULE: Array.from({ length: 30 }, () => "1").join(","),
    // A small lane (its in-memory cap is 4x this) so many deliveries stay unleased in the store.
    HOOKLINE_ENDPOINT_CONCURRENCY: "8",
    HOOKLINE_SQLITE_SYNCHRONOUS: "FULL",
  };
  const first = await ServerProcess.start({ dataDir, env });
  t.after(() => first.stop().then(() => undefined));

  const app = await first.api("POST", "/api/v1/app", { name: "crash", uid: "crash-app" });
  assert.equal(app.status, 201, app.text);
  const ep = await first.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiver.url + "/hook" });
  assert.equal(ep.status, 201, ep.text);

  const acknowledged: string[] = [];
  const failures: string[] = [];
  await withTimeout(
    mapConcurrent(
      Array.from({ length: MESSAGES }, (_, i) => i),
      POST_CONCURRENCY,
      async (i) => {
        try {
          const res = await first.api("POST", `/api/v1/app/${app.body.id}/msg`, {
            eventType: "order.created",
            payload: { n: i },
          });
          if (res.status === 202) acknowledged.push(res.body.id as string);
          else failures.push(`${res.status} ${res.text}`);
        } catch (error) {
          failures.push(String(error));
        }
      },
    ),
    30_000,
    "posting the messages",
  );
  // Right after the last 202: no graceful anything.
  first.kill("SIGKILL");
  const exit = await withTimeout(first.exited, 5000, "the killed server to exit");
  crashed = true;
  assert.equal(exit.signal, "SIGKILL", first.diagnostics());
  assert.deepEqual(failures, [], "every POST should have been accepted before the crash");
  assert.equal(acknowledged.length, MESSAGES);
  assert.equal(new Set(acknowledged).size, MESSAGES, "message ids are unique");
  assert.equal(delivered.size, 0, "nothing was delivered before the crash (the endpoint was failing)");
  const attemptsBeforeCrash = receiver.requests.length;
  assert.ok(attemptsBeforeCrash > 0, "the worker was sending when it was killed");

  const restartedAt = Date.now();
  const second = await ServerProcess.start({ dataDir, env });
  t.after(() => second.stop().then(() => undefined));

  const missing = () => acknowledged.filter((id) => !delivered.has(id));
  await waitUntil(
    () => missing().length === 0,
    DELIVERY_DEADLINE_MS,
    "every acknowledged message to be delivered",
  ).catch((error: Error) => {
    const lost = missing();
    throw new Error(
      `${error.message}: ${lost.length} of ${acknowledged.length} acknowledged messages never arrived ` +
        `(e.g. ${lost.slice(0, 5).join(", ")})\n${second.diagnostics()}`,
    );
  });
  const recoveryMs = Date.now() - restartedAt;

  // Nothing that was not acknowledged shows up, and each message arrives a bounded number of times:
  // one process delivers everything after the restart, so duplicates should be rare to none.
  const acked = new Set(acknowledged);
  for (const id of delivered.keys()) assert.ok(acked.has(id), `unexpected webhook-id ${id}`);
  const successes = [...delivered.values()].reduce((a, b) => a + b, 0);
  const duplicates = successes - delivered.size;
  assert.ok(duplicates <= Math.ceil(MESSAGES * 0.02), `${duplicates} duplicate successful deliveries`);

  // The webhook-id of every request is a message id of this app, before and after the crash.
  for (const r of receiver.requests) assert.ok(acked.has(String(r.headers["webhook-id"])));

  // The attempt log survived too and ends in success for a sample of messages.
  for (const id of [acknowledged[0]!, acknowledged[MESSAGES - 1]!]) {
    const attempts = await second.api("GET", `/api/v1/app/${app.body.id}/attempt/msg/${id}`);
    assert.equal(attempts.status, 200, attempts.text);
    const data = attempts.body.data as { status: number }[];
    assert.ok(
      data.some((a) => a.status === 0),
      `message ${id} has a successful attempt`,
    );
  }

  t.diagnostic(
    `acknowledged ${acknowledged.length}, ${attemptsBeforeCrash} failed attempts before the crash, ` +
      `all delivered ${recoveryMs} ms after the restart, ${duplicates} duplicates`,
  );
  await second.stop();
});
