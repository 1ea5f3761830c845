import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import { cli as run, CLI_TIMEOUT_MS, connectedTo, explain, json, removeTempDirs } from "./support/cli-client.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";

/**
 * `hookline endpoint replay-missing|bulk-replay|recover`, `hookline message expunge-all-contents`
 * and `hookline task list|get [--wait]` as the real binary against a real server (docs/cli.md,
 * "Background tasks").
 */

const dirs: string[] = [];
let server: ServerProcess;
let receiver: Receiver;

before(async () => {
  const dataDir = tempDataDir("hookline-cli-tasks-");
  dirs.push(dataDir);
  [server, receiver] = await Promise.all([
    ServerProcess.start({ dataDir, readyTimeoutMs: CLI_TIMEOUT_MS, env: { HOOKLINE_TASK_BATCH_SIZE: "2" } }),
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

describe("background tasks from the command line", () => {
  let appId: string;
  let endpointId: string;
  let replayTask: string;
  const sent: string[] = [];

  before(async () => {
    await api("POST", "/api/v1/event-type", { name: "order.placed", description: "placed" });
    appId = (await api("POST", "/api/v1/app", { name: "Cli tasks", uid: "cli-tasks" })).id;
    for (let i = 0; i < 5; i++)
      sent.push((await api("POST", `/api/v1/app/${appId}/msg`, { eventType: "order.placed", payload: { i } })).id);
    endpointId = (await api("POST", `/api/v1/app/${appId}/endpoint`, { url: receiver.url })).id;
  });

  test("replay-missing --wait delivers the missed messages and prints the finished task", async () => {
    const r = await cli(["endpoint", "replay-missing", endpointId, "--app", "cli-tasks", "--since", "1h", "--wait"]);
    const task = json(r);
    assert.equal(task.task, "endpoint.replay");
    assert.equal(task.status, "finished");
    assert.deepEqual(task.data, { messagesSent: 5 });
    assert.match(r.stderr, new RegExp(`${task.id} endpoint.replay finished: messagesSent 5`), explain(r));
    await receiver.waitFor(5, 60_000);
    assert.deepEqual(new Set(receiver.requests.map((q) => String(q.headers["webhook-id"]))), new Set(sent));

    replayTask = task.id;
  });

  // Each run of the binary is a cold start (seconds, tens on a busy machine): the independent ones run together.
  test("task list|get, bulk-replay, recover and expunge-all-contents; bad flags are refused", async () => {
    const range = [endpointId, "--app", "cli-tasks", "--since", "1h"];
    const [listed, got, bulkRun, recoverRun, badStatus, unconfirmed, expunged] = await Promise.all([
      cli(["task", "list", "--status", "finished", "--task", "endpoint.replay"]),
      cli(["task", "get", replayTask, "--wait"]),
      cli([
        "endpoint",
        "bulk-replay",
        ...range,
        "--status",
        "success",
        "--status-code-class",
        "2xx",
        "--event-types",
        "order.placed",
        "--wait",
      ]),
      cli(["endpoint", "recover", ...range, "--yes"]),
      cli(["endpoint", "bulk-replay", ...range, "--status", "lost"]),
      cli(["message", "expunge-all-contents", "--app", "cli-tasks"]),
      cli(["message", "expunge-all-contents", "--app", "cli-tasks", "--yes", "--wait"]),
    ]);
    assert.deepEqual(
      json(listed).data.map((t: { id: string }) => t.id),
      [replayTask],
    );
    assert.deepEqual([json(got).status, json(got).data], ["finished", { messagesSent: 5 }]);
    // The payloads may be gone by the time a replayed delivery is attempted; the count is the same.
    const bulk = json(bulkRun);
    assert.deepEqual([bulk.task, bulk.status, bulk.data], ["endpoint.bulk-replay", "finished", { messagesSent: 5 }]);
    const recover = json(recoverRun);
    assert.equal(recover.task, "endpoint.recover");
    assert.match(recover.id, /^qtask_/);
    assert.equal(badStatus.code, 2, explain(badStatus));
    assert.match(badStatus.stderr, /--status takes success, pending, fail, sending, canceled/);
    assert.equal(unconfirmed.code, 2, explain(unconfirmed));
    const task = json(expunged);
    assert.deepEqual(
      [task.task, task.status, task.data],
      ["application.purge_content", "finished", { messagesPurged: 5 }],
    );
    const raw = await server.api("GET", `/api/v1/app/${appId}/msg/${sent[0]}/raw`);
    assert.ok(!raw.text.includes('"i"'), raw.text);
  });
});
