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

    const listed = json(await cli(["task", "list", "--status", "finished", "--task", "endpoint.replay"]));
    assert.deepEqual(
      listed.data.map((t: { id: string }) => t.id),
      [task.id],
    );
    assert.deepEqual(json(await cli(["task", "get", task.id])).data, { messagesSent: 5 });
    assert.equal(json(await cli(["task", "get", task.id, "--wait"])).status, "finished");
  });

  test("bulk-replay and recover start tasks; filters and bad flags are checked", async () => {
    const bulk = json(
      await cli([
        "endpoint",
        "bulk-replay",
        endpointId,
        "--app",
        "cli-tasks",
        "--since",
        "1h",
        "--status",
        "success",
        "--status-code-class",
        "2xx",
        "--event-types",
        "order.placed",
        "--wait",
      ]),
    );
    assert.deepEqual([bulk.task, bulk.status], ["endpoint.bulk-replay", "finished"]);
    assert.equal(bulk.data.messagesSent, 5);

    const recover = json(await cli(["endpoint", "recover", endpointId, "--app", "cli-tasks", "--since", "1h"]));
    assert.equal(recover.task, "endpoint.recover");
    assert.match(recover.id, /^qtask_/);
    assert.equal(json(await cli(["task", "get", recover.id, "--wait"])).data.messagesSent, 0);

    const badStatus = await cli([
      "endpoint",
      "bulk-replay",
      endpointId,
      "--app",
      "cli-tasks",
      "--since",
      "1h",
      "--status",
      "lost",
    ]);
    assert.equal(badStatus.code, 2, explain(badStatus));
    const future = await cli([
      "endpoint",
      "replay-missing",
      endpointId,
      "--app",
      "cli-tasks",
      "--since",
      "2999-01-01T00:00:00Z",
    ]);
    assert.equal(future.code, 5, explain(future));
    assert.match(future.stderr, /since: must not be in the future/);
    const unknown = await cli(["task", "get", "qtask_2KWPBgLlAfxdpx2AI54pPJ85f4W"]);
    assert.equal(unknown.code, 4, explain(unknown));
  });

  test("expunge-all-contents needs --yes, then removes the payloads", async () => {
    const unconfirmed = await cli(["message", "expunge-all-contents", "--app", "cli-tasks"]);
    assert.equal(unconfirmed.code, 2, explain(unconfirmed));
    const task = json(await cli(["message", "expunge-all-contents", "--app", "cli-tasks", "--yes", "--wait"]));
    assert.deepEqual(
      [task.task, task.status, task.data],
      ["application.purge_content", "finished", { messagesPurged: 5 }],
    );
    const raw = await server.api("GET", `/api/v1/app/${appId}/msg/${sent[0]}/raw`);
    assert.ok(!raw.text.includes('"i"'), raw.text);
  });
});
