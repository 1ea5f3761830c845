import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Receiver } from "./support/receiver.ts";
import {
  cli as run,
  cliWithStdin as runWithStdin,
  CLI_TIMEOUT_MS,
  connectedTo,
  explain,
  json,
  removeTempDirs,
} from "./support/cli-client.ts";
import { killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";

/**
 * `hookline app|event-type|endpoint|message|send-example|attempt` as the real binary against a real
 * server: a whole setup round-trips, in JSON (piped) and as a table, and a delivery verifies with
 * `hookline signature verify` using the secret `hookline endpoint secret` showed.
 */

const dirs: string[] = [];
let server: ServerProcess;
let receiver: Receiver;

before(async () => {
  const dataDir = tempDataDir("hookline-cli-client-");
  dirs.push(dataDir);
  [server, receiver] = await Promise.all([
    ServerProcess.start({ dataDir, readyTimeoutMs: CLI_TIMEOUT_MS }),
    Receiver.start(),
  ]);
});

after(async () => {
  await killAllServers();
  await receiver?.close();
  for (const d of dirs) removeDir(d);
  removeTempDirs();
});

const connected = (extra: Record<string, string> = {}) => connectedTo(server, extra);
const cli = (args: string[], env: Record<string, string> = connected()) => run(args, env);
const cliWithStdin = (args: string[], input: string, env: Record<string, string> = connected()) =>
  runWithStdin(args, input, env);

const EXAMPLE = { id: "in_1", amount: 4200 };

describe("resources over the API", { concurrency: 2 }, () => {
  test("app, event type, endpoint, message and attempts round-trip through the binary", async () => {
    // Piped stdout: JSON without --json.
    const [appRun, eventTypeRun] = await Promise.all([
      cli(["app", "create", "--name", "Acme", "--uid", "acme"]),
      cli([
        "event-type",
        "create",
        "--data",
        JSON.stringify({
          name: "invoice.paid",
          description: "paid",
          schemas: { "1": { type: "object", examples: [EXAMPLE] } },
        }),
      ]),
    ]);
    const app = json(appRun);
    assert.match(app.id, /^app_/);
    assert.equal(app.uid, "acme");
    assert.equal(json(eventTypeRun).name, "invoice.paid");

    const endpoint = json(
      await cli([
        "endpoint",
        "create",
        "--app",
        "acme",
        "--endpoint-url",
        receiver.url,
        "--event-types",
        "invoice.paid",
      ]),
    );
    assert.match(endpoint.id, /^ep_/);
    assert.deepEqual(endpoint.filterTypes, ["invoice.paid"]);

    const [list, table, got, updated, secretBefore] = await Promise.all([
      cli(["endpoint", "list", "--app", "acme"]),
      cli(["endpoint", "list", "--app", "acme", "--table"]),
      cli(["endpoint", "get", endpoint.id, "--app", app.id, "--json"]),
      cli(["endpoint", "update", endpoint.id, "--app", "acme", "--description", "billing"]),
      cli(["endpoint", "secret", endpoint.id, "--app", "acme"]),
    ]);
    assert.deepEqual(
      json(list).data.map((e: { id: string }) => e.id),
      [endpoint.id],
    );
    assert.equal(table.code, 0, explain(table));
    assert.match(table.stdout, /^ID +UID +URL +DISABLED +FILTERTYPES\n/, explain(table));
    assert.match(table.stdout, new RegExp(`^${endpoint.id} +- +${receiver.url} +false +\\["invoice.paid"\\]$`, "m"));
    assert.equal(json(got).url, receiver.url);
    assert.equal(json(updated).description, "billing");

    // Secret: shown, rotated (a new key), shown again.
    const before = json(secretBefore).key as string;
    assert.match(before, /^whsec_/);
    const rotated = json(await cli(["endpoint", "rotate", endpoint.id, "--app", "acme", "--grace-period", "0"]));
    assert.deepEqual(rotated, { rotated: endpoint.id });
    const secret = json(await cli(["endpoint", "secret", endpoint.id, "--app", "acme"])).key as string;
    assert.match(secret, /^whsec_/);
    assert.notEqual(secret, before);

    // A message from a file on stdin, and one with the event type's example.
    const [sentRun, exampleRun] = await Promise.all([
      cliWithStdin(
        ["message", "create", "--app", "acme", "-f", "-"],
        JSON.stringify({ eventType: "invoice.paid", payload: { id: "in_2" } }),
      ),
      cli(["send-example", "invoice.paid", "--app", "acme"]),
    ]);
    const sent = json(sentRun);
    assert.match(sent.id, /^msg_/);
    const example = json(exampleRun);
    assert.deepEqual(example.payload, EXAMPLE);
    await receiver.waitFor(2, 60_000);

    // The delivery of the example verifies with the secret the CLI showed, through the CLI.
    const delivery = receiver.requests.find((r) => r.headers["webhook-id"] === example.id);
    assert.ok(delivery, "the example was delivered");
    assert.deepEqual(JSON.parse(delivery.body), EXAMPLE);
    const verified = await cli(
      [
        "signature",
        "verify",
        "--secret",
        secret,
        "--id",
        String(delivery.headers["webhook-id"]),
        "--timestamp",
        String(delivery.headers["webhook-timestamp"]),
        "--signature",
        String(delivery.headers["webhook-signature"]),
        "--data",
        delivery.body,
        "--ignore-timestamp",
      ],
      {},
    );
    assert.deepEqual(json(verified), { valid: true });

    await waitUntil(
      async () => (await server.api("GET", `/api/v1/app/acme/attempt/msg/${sent.id}`)).body?.data?.length > 0,
      60_000,
      "the attempt to be recorded",
      250,
    );
    const [attemptsRun, messagesRun] = await Promise.all([
      cli(["attempt", "list", "--app", "acme", "--msg", sent.id]),
      cli(["message", "list", "--app", "acme"]),
    ]);
    const attempts = json(attemptsRun);
    assert.equal(attempts.data[0].msgId, sent.id);
    assert.equal(attempts.data[0].endpointId, endpoint.id);
    assert.equal(attempts.data[0].responseStatusCode, 200);
    const messages = json(messagesRun);
    assert.deepEqual(new Set(messages.data.map((m: { id: string }) => m.id)), new Set([sent.id, example.id]));

    const deleted = await cli(["endpoint", "delete", endpoint.id, "--app", "acme"]);
    assert.deepEqual(json(deleted), { deleted: endpoint.id });
    const gone = await cli(["endpoint", "get", endpoint.id, "--app", "acme"]);
    assert.equal(gone.code, 4, explain(gone));
    assert.match(gone.stderr, /404 not_found: /, explain(gone));
  });
  test("sources, endpoint stats and recover, message resend", async () => {
    const source = json(
      await cli(["source", "create", "--name", "Hooks", "--uid", "hooks", "--type", "generic-webhook"]),
    );
    assert.match(source.id, /^src_/);
    const [sources, rotated, app] = await Promise.all([
      cli(["source", "list"]),
      cli(["source", "rotate", "hooks"]),
      cli(["app", "create", "--name", "Beta", "--uid", "beta"]),
    ]);
    assert.ok(json(sources).data.some((s: { id: string }) => s.id === source.id));
    assert.notEqual(json(rotated).ingestUrl, source.ingestUrl);
    json(app);
    const endpoint = json(await cli(["endpoint", "create", "--app", "beta", "--endpoint-url", receiver.url]));
    const message = json(
      await cli(["message", "create", "--app", "beta", "--event-type", "beta.ping", "--payload", "{}"]),
    );
    await waitUntil(
      async () => (await server.api("GET", `/api/v1/app/beta/attempt/msg/${message.id}`)).body?.data?.length > 0,
      60_000,
      "the first attempt",
      250,
    );
    const resent = json(await cli(["message", "resend", message.id, "--app", "beta", "--endpoint", endpoint.id]));
    assert.deepEqual(resent, { resent: message.id, endpoint: endpoint.id });
    await waitUntil(
      async () => (await server.api("GET", `/api/v1/app/beta/attempt/msg/${message.id}`)).body?.data?.length > 1,
      60_000,
      "the resent attempt",
      250,
    );
    const [stats, recovered, deleted] = await Promise.all([
      cli(["endpoint", "stats", endpoint.id, "--app", "beta", "--since", "1h"]),
      cli(["endpoint", "recover", endpoint.id, "--app", "beta", "--since", "1h", "--yes"]),
      cli(["source", "delete", "hooks"]),
    ]);
    assert.ok(json(stats).success >= 1, stats.stdout);
    assert.equal(json(recovered).task, "endpoint.recover");
    assert.deepEqual(json(deleted), { deleted: "hooks" });
    const gone = await cli(["source", "get", "hooks"]);
    assert.equal(gone.code, 4, explain(gone));
  });
});
