import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { cli as run, CLI_TIMEOUT_MS, connectedTo, explain, json, removeTempDirs } from "./support/cli-client.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * `hookline replay`, and --dry-run / confirmation on `endpoint recover` and
 * `message expunge-all-contents`, as the real binary against a real server (docs/cli.md,
 * "Background tasks"). The binary runs without a terminal, so confirmation needs --yes.
 */

const dirs: string[] = [];
let server: ServerProcess;
let receiver: Receiver;

before(async () => {
  const dataDir = tempDataDir("hookline-cli-replay-");
  dirs.push(dataDir);
  [server, receiver] = await Promise.all([
    ServerProcess.start({
      dataDir,
      readyTimeoutMs: CLI_TIMEOUT_MS,
      // One retry at once: a delivery answered 500 twice fails for good. Batches of 2 make the task report progress.
      env: { HOOKLINE_TASK_BATCH_SIZE: "2", HOOKLINE_RETRY_SCHEDULE: "0" },
    }),
    Receiver.start(),
  ]);
});

after(async () => {
  await killAllServers();
  await receiver?.close();
  for (const d of dirs) removeDir(d);
  removeTempDirs();
});

const cli = (args: string[]) => run(args, connectedTo(server));

async function api(method: string, path: string, body?: unknown) {
  const res = await server.api(method, path, body);
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
  return res.body;
}

describe("hookline replay and the confirmation of bulk tasks", () => {
  let appId: string;
  let endpointId: string;
  const failed: string[] = [];
  let succeeded: string;

  before(async () => {
    await api("POST", "/api/v1/event-type", { name: "order.placed", description: "placed" });
    appId = (await api("POST", "/api/v1/app", { name: "Cli replay", uid: "cli-replay" })).id;
    endpointId = (await api("POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url })).id;
    // Three deliveries fail for good, then the endpoint is fixed and a fourth succeeds.
    receiver.respond(() => ({ status: 500 }));
    for (let i = 0; i < 3; i++)
      failed.push((await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "order.placed", payload: { i } })).id);
    await waitUntil(
      async () => (await api("GET", `/api/v1/app/${appId}/endpoint/${endpointId}/stats`)).fail === 3,
      60_000,
      "three failed deliveries",
      200,
    );
    receiver.respond(() => ({ status: 200 }));
    succeeded = (await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "order.placed", payload: { i: 3 } })).id;
    await receiver.waitFor(7, 60_000); // two attempts of each failure, one of the success
  });

  // Each run of the binary is a cold start (seconds, tens on a busy machine): the independent ones run together.
  test("--dry-run counts what would change and changes nothing; without --yes and a terminal nothing starts", async () => {
    const target = ["--app", "cli-replay", "--endpoint", endpointId, "--since", "1h"];
    const [dryRun, dryRunText, dryRunAll, refused, recoverDry, recoverRefused, expungeDry, expungeRefused, badStatus] =
      await Promise.all([
        cli(["replay", ...target, "--status", "failed", "--dry-run"]),
        cli(["replay", ...target, "--dry-run", "--table"]),
        cli(["replay", ...target, "--status", "all", "--dry-run"]),
        cli(["replay", ...target]),
        cli(["endpoint", "recover", endpointId, "--app", "cli-replay", "--since", "1h", "--dry-run"]),
        cli(["endpoint", "recover", endpointId, "--app", "cli-replay", "--since", "1h", "--wait"]),
        cli(["message", "expunge-all-contents", "--app", "cli-replay", "--dry-run"]),
        cli(["message", "expunge-all-contents", "--app", "cli-replay"]),
        cli(["replay", ...target, "--status", "lost", "--dry-run"]),
      ]);
    const counted = json(dryRun);
    assert.equal(counted.dryRun, true);
    assert.equal(counted.count, 3);
    assert.deepEqual(new Set(counted.sample.map((m: { id: string }) => m.id)), new Set(failed));
    assert.ok(counted.sample.every((m: { eventType: string }) => m.eventType === "order.placed"));
    assert.equal(dryRunText.code, 0, explain(dryRunText));
    assert.match(dryRunText.stdout, new RegExp(`^3 messages would be replayed to ${endpointId} \\(dry run`));
    for (const id of failed) assert.ok(dryRunText.stdout.includes(id), explain(dryRunText));
    assert.equal(json(dryRunAll).count, 4);
    assert.ok(json(dryRunAll).sample.some((m: { id: string }) => m.id === succeeded));
    assert.equal(json(recoverDry).count, 3);
    assert.equal(json(expungeDry).count, 4);
    for (const r of [refused, recoverRefused, expungeRefused]) {
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, /confirm with --yes when there is no terminal to ask on/, explain(r));
    }
    assert.equal(badStatus.code, 2, explain(badStatus));
    assert.match(badStatus.stderr, /--status takes failed, all, success/);

    // Nothing started and nothing was sent again; the payloads are still there.
    assert.deepEqual((await api("GET", "/api/v1/background-task")).data, []);
    assert.equal(receiver.requests.length, 7);
    assert.equal((await api("GET", `/api/v1/app/${appId}/msg/${failed[0]}`)).payload.i, 0);
  });

  test("with --yes the failed messages are delivered again and the last line shows the task finished", async () => {
    const r = await cli(["replay", "--app", "cli-replay", "--endpoint", endpointId, "--since", "1h", "--yes"]);
    const task = json(r);
    assert.deepEqual([task.task, task.status, task.data], ["endpoint.recover", "finished", { messagesSent: 3 }]);
    const lines = r.stderr.trim().split("\n");
    assert.match(
      lines[lines.length - 1]!,
      new RegExp(`^${task.id} endpoint.recover finished: messagesSent \\[#{30}\\] 3/3 100%  [\\d.]+/s  ETA 0s$`),
      explain(r),
    );
    await receiver.waitFor(10, 60_000);
    // Each failed message: two failed attempts and the replay; the one that succeeded is not sent again.
    const times = new Map<string, number>();
    for (const q of receiver.requests) {
      const id = String(q.headers["webhook-id"]);
      times.set(id, (times.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(times), Object.fromEntries([...failed.map((id) => [id, 3]), [succeeded, 1]]));
  });
});
