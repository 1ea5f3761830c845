import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import { findPostgresBin, freePort, startPostgresCluster } from "./support/postgres-cluster.ts";
import { Receiver } from "./support/receiver.ts";
import {
  buildHooklineImage,
  deploymentCleanups,
  findContainerEngine,
  IMAGE_UNDER_TEST,
  podman,
  skipOrFail,
  type ContainerEngine,
} from "./support/container-engine.ts";
import { waitForAnswer } from "./support/wait.ts";

/**
 * compose.yaml's cluster topology run with the image: one `api` container and two `worker`
 * containers on one PostgreSQL database, with the environment the cluster profile gives them.
 * Compose itself cannot run it here (no PostgreSQL image can be pulled, and Debian's podman-compose
 * 1.0.3 has no profiles), so the containers are started with podman directly and PostgreSQL is a
 * throwaway server on this machine's loopback (test/support/postgres-cluster.ts). Both workers
 * must deliver: each one's own metrics listener counts its attempts.
 */
const BUDGET = 30 * 60_000;
const MESSAGES = 40;

const cleanups = deploymentCleanups();

/** Sum of hookline_delivery_attempts_total on one process's metrics listener. */
async function attempts(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("hookline_delivery_attempts_total"))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

test(
  "the cluster topology: an api container and two worker containers share the deliveries",
  { timeout: BUDGET },
  async (t) => {
    const found = await findContainerEngine();
    if ("skip" in found) return skipOrFail(t, found.skip);
    if (findPostgresBin() === null) return skipOrFail(t, "no PostgreSQL server binaries (apt-get install postgresql)");
    const engine: ContainerEngine = found;
    await buildHooklineImage(engine);

    const postgres = await startPostgresCluster();
    cleanups.push(() => postgres.stop());
    // slirp4netns with host loopback: the containers reach this machine's 127.0.0.1 as 10.0.2.2.
    const databaseUrl = (await postgres.createDatabase()).replace("127.0.0.1", "10.0.2.2");
    const receiver = await Receiver.start();
    cleanups.push(() => receiver.close());
    const receiverPort = new URL(receiver.url).port;
    const token = randomBytes(24).toString("hex");
    const environment = {
      HOOKLINE_DATABASE_URL: databaseUrl,
      HOOKLINE_ADMIN_TOKEN: token,
      HOOKLINE_MASTER_KEY: randomBytes(32).toString("base64"),
      HOOKLINE_ALLOW_PRIVATE_NETWORKS: `10.0.2.2:${receiverPort}`,
      HOOKLINE_METRICS_PORT: "9464",
      HOOKLINE_METRICS_HOST: "0.0.0.0",
      // Few deliveries in flight per worker, so that one worker cannot take the whole backlog.
      HOOKLINE_WORKER_CONCURRENCY: "4",
    };
    const tag = randomUUID().slice(0, 8);
    const start = async (role: "api" | "worker", index: number) => {
      const name = `hookline-cluster-test-${tag}-${role}-${index}`;
      const apiPort = await freePort();
      const metricsPort = await freePort();
      cleanups.push(() => podman(engine, ["rm", "-f", "-t", "0", name]));
      podman(engine, [
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "slirp4netns:allow_host_loopback=true",
        "--publish",
        `127.0.0.1:${apiPort}:8080`,
        "--publish",
        `127.0.0.1:${metricsPort}:9464`,
        ...Object.entries({ ...environment, HOOKLINE_ROLE: role }).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
        IMAGE_UNDER_TEST,
      ]);
      await waitForAnswer(
        async () => (await fetch(`http://127.0.0.1:${apiPort}/api/v1/health/ready`)).ok,
        90_000,
        `${name} ready`,
      );
      return { name, apiPort, metricsPort };
    };
    const api = await start("api", 0);
    const workers = [await start("worker", 1), await start("worker", 2)];

    const call = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${api.apiPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
      return JSON.parse(text) as { id: string };
    };
    const delivered = new Set<number>();
    receiver.respond((request) => {
      delivered.add((JSON.parse(request.body) as { n: number }).n);
      return { status: 200, delayMs: 200 };
    });
    const app = await call("POST", "/api/v1/app", { name: "cluster" });
    await call("POST", `/api/v1/app/${app.id}/endpoint`, { url: `http://10.0.2.2:${receiverPort}/hook` });
    for (let n = 0; n < MESSAGES; n++)
      await call("POST", `/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: { n } });

    await waitForAnswer(async () => delivered.size === MESSAGES, 180_000, "every message delivered");
    // An attempt is counted once it is recorded, a moment after the receiver has answered it.
    const byWorker = await waitForAnswer(
      async () => {
        const counts = await Promise.all(workers.map((w) => attempts(w.metricsPort)));
        return counts.reduce((sum, n) => sum + n, 0) >= MESSAGES && counts;
      },
      90_000,
      "every attempt recorded",
    );
    t.diagnostic(`attempts by worker: ${byWorker.join(", ")}`);
    assert.equal(await attempts(api.metricsPort), 0, "the api role delivers nothing");
    for (const [i, count] of byWorker.entries()) assert.ok(count > 0, `worker ${i + 1} delivered`);
  },
);
