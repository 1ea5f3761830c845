/**
 * Several Hookline processes on one PostgreSQL database, as a real cluster runs: real child
 * processes (`node bin/hookline.js serve`), a real loopback receiver, a real database.
 *
 * - At-least-once across a SIGKILL: three `all` processes share the load; one is killed mid-load;
 *   the survivors take over its leased work once the lease expires, and every acknowledged
 *   message arrives, with duplicates bounded by what the dead process had in flight.
 * - Roles and NOTIFY: an `api` process accepts, a `worker` process delivers, woken by
 *   `NOTIFY hookline_work` far sooner than its 1 s poll; the worker serves no API routes.
 * - Concurrent start-up on an empty database: migrations run once, under an advisory lock, and
 *   every process comes up.
 *
 * Only the runner's PostgreSQL leg runs this file (HOOKLINE_TEST_STORE=postgres with
 * HOOKLINE_TEST_POSTGRES_URL); the SQLite leg skips it.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { after, describe, test } from "node:test";
import pg from "pg";
import { createDatabaseAt } from "./support/postgres-cluster.ts";
import { Receiver } from "./support/receiver.ts";
import { killAllServers, mapConcurrent, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { sleep, waitUntil, withTimeout } from "./support/wait.ts";

const ADMIN_URL = process.env.HOOKLINE_TEST_POSTGRES_URL;
const skip =
  process.env.HOOKLINE_TEST_STORE !== "postgres"
    ? "runs in the PostgreSQL leg (HOOKLINE_TEST_STORE=postgres, HOOKLINE_TEST_POSTGRES_URL; `npm test` runs both legs)"
    : false;

const MIGRATIONS = readdirSync(new URL("../src/store/migrations/postgres/", import.meta.url)).filter((f) =>
  /^\d{4}_.+\.sql$/.test(f),
);

const dirs: string[] = [];
const receivers: Receiver[] = [];
const clients: pg.Client[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  for (const d of dirs) removeDir(d);
});

async function freshDatabase(): Promise<string> {
  assert.ok(
    ADMIN_URL,
    "HOOKLINE_TEST_STORE=postgres needs HOOKLINE_TEST_POSTGRES_URL (run the tests through npm test)",
  );
  return createDatabaseAt(ADMIN_URL);
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  clients.push(client);
  await withTimeout(client.connect(), 10_000, "connecting to the test database");
  return client;
}

function startNode(databaseUrl: string, role: "all" | "api" | "worker", env: Record<string, string> = {}) {
  const dataDir = tempDataDir("hookline-cluster-");
  dirs.push(dataDir);
  return ServerProcess.start({
    dataDir,
    env: { HOOKLINE_DATABASE_URL: databaseUrl, HOOKLINE_ROLE: role, ...env },
  });
}

async function startReceiver(): Promise<Receiver> {
  const receiver = await Receiver.start();
  receivers.push(receiver);
  return receiver;
}

async function appWithEndpoint(node: ServerProcess, receiverUrl: string, name: string) {
  const app = await node.api("POST", "/api/v1/app", { name });
  assert.equal(app.status, 201, app.text);
  const ep = await node.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: receiverUrl + "/hook" });
  assert.equal(ep.status, 201, ep.text);
  return { appId: app.body.id as string, endpointId: ep.body.id as string };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const diagnostics = (nodes: ServerProcess[]) =>
  nodes.map((n, i) => `=== process ${i} (pid ${n.pid}) ===\n${n.diagnostics()}`).join("\n");

describe("a cluster of processes on one PostgreSQL database", { skip }, () => {
  test(
    "three processes share the load; a SIGKILLed one's acknowledged messages are still delivered",
    { timeout: 180_000 },
    async (t) => {
      const MESSAGES = 300;
      const POST_CONCURRENCY = 12;
      const ENDPOINT_CONCURRENCY = 4;
      const LEASE_SECONDS = 2;
      const KILL_AFTER_ACKS = Math.round(MESSAGES / 3);
      const VICTIM = 2;
      const SURVIVORS = [0, 1];
      const DELIVERY_DEADLINE_MS = 30_000;
      const run = `run_${process.pid}_${Date.now()}`;

      const databaseUrl = await freshDatabase();
      const env = {
        HOOKLINE_LEASE: String(LEASE_SECONDS),
        HOOKLINE_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
        // Nothing should fail, but if a request does, its retry must come within the deadline.
        HOOKLINE_RETRY_SCHEDULE: "1,1,1,1,1",
      };
      // One after the other: concurrent start-up has its own test below.
      const nodes: ServerProcess[] = [];
      for (let i = 0; i < 3; i++) nodes.push(await startNode(databaseUrl, "all", env));
      const victim = nodes[VICTIM]!;

      // Until the victim is dead the endpoint is slow, so every process is holding leased work
      // (in flight and queued in memory) when the kill comes; afterwards it answers at once.
      const receiver = await startReceiver();
      let slow = true;
      receiver.respond(() => (slow ? { status: 200, body: "ok", delayMs: 300 } : { status: 200, body: "ok" }));

      const { appId, endpointId } = await appWithEndpoint(nodes[0]!, receiver.url, "cluster");

      const acked = new Map<string, { n: number; by: number }>();
      const ackedAt = new Map<string, number>();
      const lostInKill = new Set<number>(); // POSTs in flight to the victim when it died: no answer
      const failures: string[] = [];
      let killed = false;
      let killedAt = 0; // when the victim's process was gone for sure
      let exitedAfterKill: Promise<void> | null = null;

      const started = Date.now();
      await withTimeout(
        mapConcurrent(
          Array.from({ length: MESSAGES }, (_, n) => n),
          POST_CONCURRENCY,
          async (n) => {
            const target = killed ? SURVIVORS[n % SURVIVORS.length]! : n % nodes.length;
            const sentBeforeKill = !killed;
            try {
              const res = await nodes[target]!.api("POST", `/api/v1/app/${appId}/msg`, {
                eventType: "cluster.test",
                payload: { run, n },
              });
              if (res.status === 202) {
                acked.set(res.body.id as string, { n, by: target });
                ackedAt.set(res.body.id as string, Date.now());
              } else failures.push(`message ${n} to process ${target}: ${res.status} ${res.text}`);
            } catch (error) {
              if (target === VICTIM && sentBeforeKill && killed) lostInKill.add(n);
              else failures.push(`message ${n} to process ${target}: ${String(error)}`);
            }
            if (!killed && acked.size >= KILL_AFTER_ACKS) {
              killed = true;
              victim.kill("SIGKILL");
              exitedAfterKill = victim.exited.then(() => {
                killedAt = Date.now();
                slow = false;
              });
            }
          },
        ),
        30_000,
        "sending the messages",
      );
      const sentMs = Date.now() - started;
      assert.ok(killed, "the victim was killed during the load");
      await withTimeout(exitedAfterKill!, 5000, "the killed process to exit");
      const exit = await victim.exited;
      assert.equal(exit.signal, "SIGKILL", victim.diagnostics());
      assert.deepEqual(failures, [], "every POST except those in flight to the killed process was accepted");
      assert.ok(acked.size >= MESSAGES - POST_CONCURRENCY, `${acked.size} of ${MESSAGES} acknowledged`);
      const ackedByVictim = [...acked].filter(([, a]) => a.by === VICTIM).map(([id]) => id);
      assert.ok(ackedByVictim.length > 0);

      // Every acknowledged message reaches the endpoint, whichever process accepted it.
      const firstArrival = new Map<string, number>();
      const arrivals = new Map<string, number>();
      let scanned = 0;
      const scan = () => {
        for (; scanned < receiver.requests.length; scanned++) {
          const r = receiver.requests[scanned]!;
          const id = String(r.headers["webhook-id"]);
          arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
          if (!firstArrival.has(id)) firstArrival.set(id, r.at);
        }
      };
      const missing = () => {
        scan();
        return [...acked.keys()].filter((id) => !arrivals.has(id));
      };
      await waitUntil(() => missing().length === 0, DELIVERY_DEADLINE_MS, "every acknowledged message to arrive").catch(
        (error: Error) => {
          const lost = missing();
          const lostByVictim = lost.filter((id) => acked.get(id)!.by === VICTIM).length;
          throw new Error(
            `${error.message}: ${lost.length} of ${acked.size} acknowledged messages never arrived ` +
              `(${lostByVictim} of them accepted by the killed process), e.g. ${lost.slice(0, 5).join(", ")}\n` +
              diagnostics(nodes),
          );
        },
      );
      const deliveredMs = Date.now() - killedAt;

      // The store agrees: nothing is left pending or leased, and every delivery succeeded. Waiting
      // for this also lets any re-delivery of the victim's in-flight work land before counting.
      const db = await connect(databaseUrl);
      await waitUntil(
        async () => (await db.query("SELECT 1 FROM delivery WHERE next_attempt_at IS NOT NULL LIMIT 1")).rowCount === 0,
        10_000,
        "no delivery to be left pending in the store",
        100,
      );
      const statuses = await db.query<{ status: number; n: string }>(
        "SELECT status, COUNT(*) AS n FROM delivery WHERE endpoint_id = $1 GROUP BY status",
        [endpointId],
      );
      const deliveryRows = statuses.rows.reduce((sum, r) => sum + Number(r.n), 0);
      assert.deepEqual(
        statuses.rows.map((r) => r.status),
        [0],
        `every delivery ends in success: ${JSON.stringify(statuses.rows)}`,
      );
      scan();

      // No message the test did not send, and nothing but the messages acknowledged, except the
      // ones whose POST the kill interrupted (committed, but the answer never came).
      for (const r of receiver.requests) {
        const id = String(r.headers["webhook-id"]);
        const body = JSON.parse(r.body) as { run: string; n: number };
        assert.equal(body.run, run, `a request from another run: ${r.body}`);
        const a = acked.get(id);
        if (a) assert.equal(body.n, a.n, `message ${id} carries the payload it was sent with`);
        else assert.ok(lostInKill.has(body.n), `unknown webhook-id ${id} (payload n=${body.n})`);
      }
      assert.ok(deliveryRows >= acked.size && deliveryRows <= acked.size + lostInKill.size, `${deliveryRows} rows`);

      // At-least-once, not at-least-a-lot: only a request the victim had in flight when it died
      // (sent but its outcome not recorded) may be sent again, and it had at most
      // ENDPOINT_CONCURRENCY of those to this one endpoint.
      const duplicates = receiver.requests.length - arrivals.size;
      const duplicated = [...arrivals].filter(([, c]) => c > 1).map(([id, c]) => `${id}×${c}`);
      assert.ok(
        duplicates <= ENDPOINT_CONCURRENCY,
        `${duplicates} duplicate deliveries (at most ${ENDPOINT_CONCURRENCY} expected): ${duplicated.join(", ")}`,
      );

      // The work was shared: messages the victim acknowledged (and had leased to itself) were
      // delivered by the survivors after it was dead, once its leases expired.
      const takenOver = ackedByVictim.filter((id) => firstArrival.get(id)! > killedAt);
      assert.ok(
        takenOver.length > 0,
        `the survivors delivered none of the ${ackedByVictim.length} messages the killed process accepted`,
      );
      const deliveredBeforeKill = receiver.requests.filter((r) => r.at < killedAt).length;
      assert.ok(deliveredBeforeKill > 0, "processes were delivering before the kill");
      // The survivors' attempt logs show those take-overs as successes.
      await mapConcurrent(takenOver.slice(0, 20), 4, async (id) => {
        const attempts = await nodes[SURVIVORS[0]!]!.api("GET", `/api/v1/app/${appId}/attempt/msg/${id}`);
        assert.equal(attempts.status, 200, attempts.text);
        const data = attempts.body.data as { status: number }[];
        assert.ok(
          data.some((a) => a.status === 0),
          `message ${id} has a successful attempt: ${attempts.text}`,
        );
      });
      for (const i of SURVIVORS) assert.equal(nodes[i]!.hasExited, false, `survivor ${i} is still running`);

      const takeoverDelays = takenOver.map((id) => firstArrival.get(id)! - killedAt);
      t.diagnostic(
        `${acked.size} acknowledged (${ackedByVictim.length} by the killed process), ${lostInKill.size} POSTs cut ` +
          `off by the kill; sent in ${sentMs} ms; ${deliveredBeforeKill} requests before the kill; all delivered ` +
          `${deliveredMs} ms after it; ${takenOver.length} of the killed process's messages taken over ` +
          `(first ${Math.min(...takeoverDelays)} ms, last ${Math.max(...takeoverDelays)} ms after the kill); ` +
          `${duplicates} duplicates`,
      );
    },
  );

  test(
    "an api process accepts, a worker process delivers, woken by NOTIFY rather than its poll",
    { timeout: 180_000 },
    async (t) => {
      const MESSAGES = 20;
      const POLL_INTERVAL_MS = 1000;
      const MEDIAN_LIMIT_MS = 300;

      const databaseUrl = await freshDatabase();
      const api = await startNode(databaseUrl, "api");
      const worker = await startNode(databaseUrl, "worker");
      const receiver = await startReceiver();

      // The worker answers health checks and nothing else; the api process serves the API.
      const health = await worker.api("GET", "/api/v1/health", undefined, null);
      assert.equal(health.status, 204, health.text);
      const apps = await worker.api("GET", "/api/v1/app");
      assert.equal(apps.status, 404, apps.text);
      const create = await worker.api("POST", "/api/v1/app", { name: "nope" });
      assert.equal(create.status, 404, create.text);
      assert.equal((await api.api("GET", "/api/v1/health", undefined, null)).status, 204);

      const { appId } = await appWithEndpoint(api, receiver.url, "roles");

      // One at a time, each waiting for its arrival: without a wake-up the worker would only
      // find each message at its next poll, up to a second later.
      const latencies: number[] = [];
      const fromSend: number[] = [];
      for (let n = 0; n < MESSAGES; n++) {
        const sentAt = Date.now();
        const res = await api.api("POST", `/api/v1/app/${appId}/msg`, { eventType: "roles.test", payload: { n } });
        const ackAt = Date.now();
        assert.equal(res.status, 202, res.text);
        const id = res.body.id as string;
        await waitUntil(
          () => receiver.requests.some((r) => r.headers["webhook-id"] === id),
          5000,
          `message ${n} (${id}) to arrive`,
          2,
        ).catch((error: Error) => {
          throw new Error(`${error.message}\n${diagnostics([api, worker])}`);
        });
        const at = receiver.requests.find((r) => r.headers["webhook-id"] === id)!.at;
        latencies.push(at - ackAt);
        fromSend.push(at - sentAt);
        await sleep(30 + ((n * 37) % 90));
      }
      assert.equal(receiver.requests.length, MESSAGES, "each message arrived once");
      const m = median(latencies);
      assert.ok(
        m < MEDIAN_LIMIT_MS,
        `median latency from 202 to arrival ${m} ms; the worker's poll interval is ${POLL_INTERVAL_MS} ms ` +
          `and NOTIFY should beat it by far (${latencies.join(", ")} ms)`,
      );

      // The api process recorded nothing itself; the attempts it reports were the worker's.
      const first = receiver.requests[0]!.headers["webhook-id"] as string;
      const attempts = await api.api("GET", `/api/v1/app/${appId}/attempt/msg/${first}`);
      assert.equal(attempts.status, 200, attempts.text);
      assert.equal((attempts.body.data as { status: number }[])[0]?.status, 0, attempts.text);

      t.diagnostic(
        `202 → arrival: median ${m} ms, max ${Math.max(...latencies)} ms; ` +
          `send → arrival: median ${median(fromSend)} ms (${latencies.join(", ")})`,
      );
    },
  );

  test(
    "processes starting at once on an empty database all come up and migrate it once",
    { timeout: 180_000 },
    async (t) => {
      const roles = ["all", "all", "api", "worker", "all"] as const;
      const databaseUrl = await freshDatabase();
      const db = await connect(databaseUrl);
      const before = await db.query("SELECT COUNT(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      assert.equal(before.rows[0].n, 0, "the database starts empty");

      const started = Date.now();
      const results = await Promise.allSettled(roles.map((role) => startNode(databaseUrl, role)));
      const upMs = Date.now() - started;
      const failed = results.flatMap((r, i) =>
        r.status === "rejected" ? [`process ${i} (${roles[i]}): ${r.reason}`] : [],
      );
      assert.deepEqual(failed, [], "every process came up");
      const nodes = results.map((r) => (r as PromiseFulfilledResult<ServerProcess>).value);

      // Each migration ran exactly once.
      const applied = await db.query<{ name: string }>("SELECT name FROM schema_migration ORDER BY name");
      assert.deepEqual(
        applied.rows.map((r) => r.name),
        [...MIGRATIONS].sort(),
      );

      // They share the one database, and none crashed or logged an error meanwhile.
      const apiNodes = nodes.filter((_, i) => roles[i] !== "worker");
      const app = await apiNodes[0]!.api("POST", "/api/v1/app", { name: "shared", uid: "shared-app" });
      assert.equal(app.status, 201, app.text);
      for (const node of apiNodes) {
        const got = await node.api("GET", "/api/v1/app/shared-app");
        assert.equal(got.status, 200, got.text);
        assert.equal(got.body.id, app.body.id);
      }
      await sleep(300);
      nodes.forEach((node, i) => {
        assert.equal(node.hasExited, false, `process ${i} is still running\n${node.diagnostics()}`);
        const errors = node.logs.filter((l) => typeof l.level === "number" && l.level >= 50);
        assert.deepEqual(errors, [], `process ${i} logged no errors`);
        assert.equal(node.stderr, "", `process ${i} wrote nothing to stderr`);
      });

      t.diagnostic(`${roles.length} processes up in ${upMs} ms; ${applied.rowCount} migrations applied once`);
    },
  );
});
