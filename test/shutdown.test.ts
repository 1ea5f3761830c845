import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { killAllServers, mapConcurrent, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil, withTimeout } from "./support/wait.ts";

/**
 * Graceful shutdown on SIGTERM: the API stops taking requests, in-flight deliveries get the grace
 * period to finish and record their attempts, and everything else is released so that the next
 * process sends it at once instead of waiting for leases to expire.
 */

const GRACE_SECONDS = 3;
/** Long enough that only an explicit release, never expiry, can explain a quick redelivery. */
const LEASE_SECONDS = 600;
const MESSAGES = 40;
const ENDPOINT_CONCURRENCY = 4;

/** An endpoint that, while `hang` is set, takes requests and never answers them; otherwise answers 200 at once. */
class HangingEndpoint {
  hang = true;
  readonly received: { id: string; hung: boolean }[] = [];
  readonly delivered = new Map<string, number>();
  /** When each message was first answered 200. */
  readonly firstDeliveredAt = new Map<string, number>();
  url = "";
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"]);
      this.received.push({ id, hung: this.hang });
      if (this.hang) return; // never answered; the socket is destroyed by whichever side gives up first
      this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
      if (!this.firstDeliveredAt.has(id)) this.firstDeliveredAt.set(id, Date.now());
      res.writeHead(200).end("ok");
    });
  });

  async start(): Promise<this> {
    this.server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(cleanups.map((c) => c()));
  for (const d of dirs) removeDir(d);
});

test(
  "SIGTERM drains in-flight deliveries, releases the rest, exits 0; a restart delivers everything at once",
  { timeout: 180_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-shutdown-");
    dirs.push(dataDir);

    // Endpoint "slow" answers after 1 s: its in-flight requests finish within the grace period.
    const slow = await Receiver.start();
    cleanups.push(() => slow.close());
    let restarted = false;
    const slowDelivered = new Map<string, { before: number; after: number }>();
    slow.respond((req) => {
      const id = String(req.headers["webhook-id"]);
      const n = slowDelivered.get(id) ?? { before: 0, after: 0 };
      if (restarted) n.after++;
      else n.before++;
      slowDelivered.set(id, n);
      return restarted ? { status: 200 } : { status: 200, delayMs: 1000 };
    });
    // Endpoint "stuck" never answers before the restart: its in-flight requests outlive the grace period.
    const stuck = await new HangingEndpoint().start();
    cleanups.push(() => stuck.close());

    const env = {
      HOOKLINE_LEASE: String(LEASE_SECONDS),
      HOOKLINE_SHUTDOWN_GRACE: String(GRACE_SECONDS),
      HOOKLINE_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
      HOOKLINE_REQUEST_TIMEOUT: "60",
      HOOKLINE_RETRY_SCHEDULE: "1,1,1,1,1",
    };
    const first = await ServerProcess.start({ dataDir, env });
    t.after(() => first.stop().then(() => undefined));

    const app = await first.api("POST", "/api/v1/app", { name: "shutdown" });
    assert.equal(app.status, 201, app.text);
    const appId = app.body.id as string;
    for (const url of [slow.url + "/slow", stuck.url + "/stuck"]) {
      const ep = await first.api("POST", `/api/v1/app/${appId}/endpoint`, { url });
      assert.equal(ep.status, 201, ep.text);
    }

    const accepted: string[] = [];
    await withTimeout(
      mapConcurrent(
        Array.from({ length: MESSAGES }, (_, i) => i),
        10,
        async (i) => {
          const res = await first.api("POST", `/api/v1/app/${appId}/msg`, {
            eventType: "invoice.paid",
            payload: { i },
          });
          assert.equal(res.status, 202, res.text);
          accepted.push(res.body.id as string);
        },
      ),
      20_000,
      "posting the messages",
    );

    // Both endpoints have a full lane in flight; the rest is queued under this process's leases.
    await waitUntil(
      () => stuck.received.length >= ENDPOINT_CONCURRENCY && slow.requests.length >= 1,
      10_000,
      "deliveries to be in flight to both endpoints",
    );
    const stuckInFlight = stuck.received.map((r) => r.id);

    const sigtermAt = Date.now();
    first.kill("SIGTERM");

    // The API stops taking requests while the process is still draining. A request that raced the
    // signal and got a 202 counts as accepted and must be delivered like the others.
    let refusedAt = 0;
    let lastRefusal = "";
    await waitUntil(
      async () => {
        try {
          const res = await first.api("POST", `/api/v1/app/${appId}/msg`, {
            eventType: "invoice.paid",
            payload: { late: true },
          });
          if (res.status === 202) {
            accepted.push(res.body.id as string);
            return false;
          }
          lastRefusal = `HTTP ${res.status}`;
          assert.equal(res.status, 503, `a closing server answers 503, got ${res.status} ${res.text}`);
        } catch (error) {
          lastRefusal = String((error as Error).cause ?? error);
        }
        refusedAt = Date.now();
        return true;
      },
      2000,
      "the API to refuse new requests after SIGTERM",
      20,
    );
    assert.ok(
      !first.hasExited,
      "requests are refused while the process is still shutting down, not because it is gone",
    );
    t.diagnostic(`refused a new request ${refusedAt - sigtermAt} ms after SIGTERM (${lastRefusal})`);
    const health = await fetch(first.url + "/api/v1/health", { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status,
      () => 0,
    );
    assert.notEqual(health, 204, "the health check no longer passes once shutting down");

    const exit = await withTimeout(first.exited, (GRACE_SECONDS + 7) * 1000, "the server to exit after SIGTERM").catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${first.diagnostics()}`);
      },
    );
    const exitedAfterMs = Date.now() - sigtermAt;
    assert.deepEqual(exit, { code: 0, signal: null }, first.diagnostics());
    // Stuck requests hold the process for the grace period, but not (much) longer.
    assert.ok(exitedAfterMs <= GRACE_SECONDS * 1000 + 4000, `exited ${exitedAfterMs} ms after SIGTERM`);
    assert.ok(
      exitedAfterMs >= GRACE_SECONDS * 1000 - 500,
      `waited the grace period for the stuck requests (${exitedAfterMs} ms)`,
    );
    assert.ok(
      first.logs.some((l) => l.msg === "shutting down" && l.signal === "SIGTERM"),
      first.diagnostics(),
    );
    assert.equal(
      first.logs.filter((l) => (l.level as number) >= 50).length,
      0,
      `no errors logged\n${first.diagnostics()}`,
    );

    // The slow endpoint's in-flight requests were answered within the grace period.
    const slowBefore = [...slowDelivered].filter(([, n]) => n.before > 0).map(([id]) => id);
    assert.ok(slowBefore.length >= 1);
    assert.ok(
      slowBefore.length < accepted.length,
      "some deliveries to the slow endpoint were still queued at shutdown",
    );
    t.diagnostic(
      `exited ${exitedAfterMs} ms after SIGTERM; ${slowBefore.length} delivered to the slow endpoint before it, ` +
        `${stuckInFlight.length} stuck in flight`,
    );

    // Requests the first process wrote before it exited count as before the restart, even when a
    // busy test process reads their bytes after it has seen the exit.
    await waitUntil(() => slow.openConnections === 0, 15_000, "the first process's connections to close");

    // Restart with the same 600 s lease: everything left over must flow at once.
    restarted = true;
    stuck.hang = false;
    const restartAt = Date.now();
    const second = await ServerProcess.start({ dataDir, env });
    t.after(() => second.stop().then(() => undefined));

    const undelivered = () => ({
      slow: accepted.filter((id) => !slowDelivered.has(id)),
      stuck: accepted.filter((id) => !stuck.delivered.has(id)),
    });
    await waitUntil(
      () => {
        const u = undelivered();
        return u.slow.length === 0 && u.stuck.length === 0;
      },
      15_000,
      "every accepted message to reach both endpoints after the restart",
    ).catch((error: Error) => {
      const u = undelivered();
      throw new Error(
        `${error.message}: missing ${u.slow.length} on the slow endpoint, ${u.stuck.length} on the stuck one ` +
          `(leases are ${LEASE_SECONDS} s, so anything not released at shutdown would wait that long)\n${second.diagnostics()}`,
      );
    });
    const deliveredAfterMs = Date.now() - restartAt;
    // Far below the lease: the stuck requests (in flight when the grace ran out) were released, not left to expire.
    for (const id of stuckInFlight)
      assert.ok(stuck.delivered.has(id), `in-flight delivery of ${id} was released and redelivered`);
    assert.ok(deliveredAfterMs < 15_000);

    // Attempts finished within the grace period were recorded: those messages are not sent again.
    const resent = slowBefore.filter((id) => slowDelivered.get(id)!.after > 0);
    assert.deepEqual(resent, [], "deliveries completed during the grace period must not be redelivered");
    // And nothing is delivered twice after the restart.
    assert.ok(
      [...stuck.delivered.values()].every((n) => n === 1),
      "each stuck delivery succeeds once",
    );
    assert.ok([...slowDelivered.values()].every((n) => n.after <= 1));

    t.diagnostic(
      `all ${accepted.length} messages delivered to both endpoints ${deliveredAfterMs} ms after the restart`,
    );
  },
);

/*
 * A rolling restart: deliveries that were only queued in memory (leased, not in flight) must be
 * released at once on SIGTERM, so another process already running on the same data directory
 * takes them without waiting out the old process's grace period for unrelated stuck requests.
 */
test(
  "on SIGTERM, deliveries only queued in memory are released at once for a process already running",
  { timeout: 180_000 },
  async (t) => {
    const dataDir = tempDataDir("hookline-rolling-");
    dirs.push(dataDir);
    const endpoint = await new HangingEndpoint().start();
    cleanups.push(() => endpoint.close());
    const env = {
      HOOKLINE_LEASE: String(LEASE_SECONDS),
      HOOKLINE_SHUTDOWN_GRACE: String(GRACE_SECONDS),
      HOOKLINE_ENDPOINT_CONCURRENCY: String(ENDPOINT_CONCURRENCY),
      HOOKLINE_REQUEST_TIMEOUT: "60",
    };
    const old = await ServerProcess.start({ dataDir, env });
    t.after(() => old.stop().then(() => undefined));
    const app = await old.api("POST", "/api/v1/app", { name: "rolling" });
    assert.equal(app.status, 201, app.text);
    const ep = await old.api("POST", `/api/v1/app/${app.body.id}/endpoint`, { url: endpoint.url });
    assert.equal(ep.status, 201, ep.text);

    // Fewer messages than the lane holds (4x the endpoint concurrency): all are leased to the old
    // process, a full lane of them in flight (stuck) and the rest queued in its memory.
    const ids: string[] = [];
    for (let i = 0; i < ENDPOINT_CONCURRENCY * 3; i++) {
      const res = await old.api("POST", `/api/v1/app/${app.body.id}/msg`, { eventType: "e.x", payload: { i } });
      assert.equal(res.status, 202, res.text);
      ids.push(res.body.id as string);
    }
    await waitUntil(() => endpoint.received.length >= ENDPOINT_CONCURRENCY, 10_000, "a full lane in flight");
    const inFlight = new Set(endpoint.received.map((r) => r.id));
    const queued = ids.filter((id) => !inFlight.has(id));
    assert.equal(queued.length, ENDPOINT_CONCURRENCY * 2);

    // The new process comes up next to the old one, then the old one is told to stop.
    endpoint.hang = false;
    const next = await ServerProcess.start({ dataDir, env });
    t.after(() => next.stop().then(() => undefined));
    const sigtermAt = Date.now();
    old.kill("SIGTERM");
    let oldExitedAt = 0;
    void old.exited.then(() => (oldExitedAt = Date.now()));

    await waitUntil(() => ids.every((id) => endpoint.delivered.has(id)), 15_000, "every message to be delivered");
    // The new process may deliver the last in-flight ones in the moment between the old one
    // releasing them and its exit being observed here, so wait for that exit before comparing.
    await withTimeout(old.exited, 15_000, "the old process to exit");
    assert.ok(oldExitedAt > 0);
    const latency = queued.map((id) => endpoint.firstDeliveredAt.get(id)! - sigtermAt);
    t.diagnostic(
      `old process exited ${oldExitedAt - sigtermAt} ms after SIGTERM; queued deliveries sent after ${latency.join(", ")} ms`,
    );
    // The queued deliveries are sent by the new process while the old one still waits for its stuck requests.
    for (const id of queued) {
      assert.ok(
        endpoint.firstDeliveredAt.get(id)! < oldExitedAt,
        `${id} was queued (not in flight) at SIGTERM, yet was sent only ${endpoint.firstDeliveredAt.get(id)! - sigtermAt} ms ` +
          `after it, once the ${GRACE_SECONDS} s grace period was over`,
      );
    }
  },
);
