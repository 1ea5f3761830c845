import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { freePort } from "./support/postgres-cluster.ts";
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
 * The container image (Dockerfile), built and run for real with podman: a message goes through the
 * container to a receiver on this machine's loopback, then the container is stopped (SIGTERM) with
 * deliveries still failing, removed, and a new container started on the same volume: every message
 * arrives, and the data directory (database, generated admin token) is intact. Skipped, with the
 * reason, where no container can run; in CI that is a failure.
 */
const BUDGET = 30 * 60_000; // a cold build (npm ci, better-sqlite3 compiled) on two busy cores

const cleanups = deploymentCleanups();

function containerApi(base: string, token: string) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as { id: string; data?: { id: string }[] };
  };
}

test(
  "the image serves, delivers to a receiver and loses nothing across a container restart",
  { timeout: BUDGET },
  async (t) => {
    const found = await findContainerEngine();
    if ("skip" in found) return skipOrFail(t, found.skip);
    const engine: ContainerEngine = found;

    const buildStarted = Date.now();
    await buildHooklineImage(engine);
    t.diagnostic(`image built in ${Math.round((Date.now() - buildStarted) / 1000)} s`);
    const [user, stopSignal, healthcheck, volumes] = podman(engine, [
      "image",
      "inspect",
      "--format",
      "{{.Config.User}}\n{{.Config.StopSignal}}\n{{json .Config.Healthcheck}}\n{{json .Config.Volumes}}",
      IMAGE_UNDER_TEST,
    ]).split("\n");
    assert.equal(user, "hookline:hookline");
    assert.equal(stopSignal, "SIGTERM");
    assert.match(healthcheck ?? "", /\/api\/v1\/health/);
    assert.match(volumes ?? "", /\/var\/lib\/hookline/);
    const size = Number(podman(engine, ["image", "inspect", "--format", "{{.Size}}", IMAGE_UNDER_TEST]));
    t.diagnostic(`image size ${Math.round(size / 1e6)} MB (uncompressed)`);

    const receiver = await Receiver.start();
    cleanups.push(() => void receiver.close());
    const receiverPort = new URL(receiver.url).port;
    const apiPort = await freePort();
    const name = `hookline-deployment-test-${randomUUID().slice(0, 8)}`;
    podman(engine, ["volume", "create", name]);
    cleanups.push(() => podman(engine, ["volume", "rm", "-f", name]));
    cleanups.push(() => podman(engine, ["rm", "-f", "-t", "0", name]));
    // slirp4netns with host loopback: the container reaches this machine's 127.0.0.1 as 10.0.2.2,
    // which Hookline's SSRF protection refuses unless named.
    const run = () =>
      podman(engine, [
        "run",
        "--detach",
        "--name",
        name,
        "--network",
        "slirp4netns:allow_host_loopback=true",
        "--publish",
        `127.0.0.1:${apiPort}:8080`,
        "--volume",
        `${name}:/var/lib/hookline`,
        "--env",
        `HOOKLINE_ALLOW_PRIVATE_NETWORKS=10.0.2.2:${receiverPort}`,
        "--env",
        "HOOKLINE_RETRY_SCHEDULE=5,5,5,5,5,5,5,5,5,5,5,5",
        IMAGE_UNDER_TEST,
      ]);
    run();
    const base = `http://127.0.0.1:${apiPort}`;
    const healthy = () =>
      waitForAnswer(async () => (await fetch(`${base}/api/v1/health`)).ok, 90_000, "the container's health endpoint");
    await healthy();
    assert.equal(podman(engine, ["exec", name, "id", "-u"]), "10001", "the process is not root");
    // The generated admin token lives on the volume.
    const token = podman(engine, ["exec", name, "cat", "/var/lib/hookline/admin-token"]);
    const api = containerApi(base, token);

    const app = await api("POST", "/api/v1/app", { name: "container" });
    await api("POST", `/api/v1/app/${app.id}/endpoint`, { url: `http://10.0.2.2:${receiverPort}/hook` });
    await api("POST", `/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: { n: 0 } });
    await receiver.waitFor(1, 60_000);
    assert.equal(JSON.parse(receiver.requests[0]!.body).n, 0);

    // The endpoint fails while three more messages arrive; the container stops (SIGTERM), is removed
    // and a new one starts on the same volume; the deliveries owed are made once the endpoint answers.
    let failing = true;
    const deliveredAfterRestart = new Set<number>();
    receiver.respond((request) => {
      if (failing) return { status: 503 };
      deliveredAfterRestart.add((JSON.parse(request.body) as { n: number }).n);
      return { status: 200 };
    });
    for (const n of [1, 2, 3])
      await api("POST", `/api/v1/app/${app.id}/msg`, { eventType: "order.paid", payload: { n } });
    await receiver.waitFor(4, 60_000);
    podman(engine, ["stop", "--time", "30", name]);
    assert.equal(podman(engine, ["inspect", "--format", "{{.State.ExitCode}}", name]), "0", "SIGTERM ends it cleanly");
    failing = false;
    // A new container on the same volume (as an upgrade makes), not the old one started again:
    // whatever the old container's own file system held is gone.
    podman(engine, ["rm", name]);
    run();
    await healthy();
    assert.equal(podman(engine, ["exec", name, "cat", "/var/lib/hookline/admin-token"]), token);

    await waitForAnswer(
      async () => [1, 2, 3].every((n) => deliveredAfterRestart.has(n)),
      120_000,
      "every message delivered after the restart",
    );
    const messages = await api("GET", `/api/v1/app/${app.id}/msg`);
    assert.equal(messages.data?.length, 4, "the database on the volume kept every message");
    assert.equal(podman(engine, ["healthcheck", "run", name]), "", "the image's HEALTHCHECK passes");
  },
);
