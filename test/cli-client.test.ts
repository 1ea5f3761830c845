import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { CLIENT_FAMILIES, runClientCommand } from "../src/cli/run.ts";
import { unknownVariableWarnings } from "../src/main/environment-check.ts";
import { Receiver } from "./support/receiver.ts";
import {
  BIN,
  childEnv,
  freePort,
  killAllServers,
  removeDir,
  REPO_ROOT,
  runCli,
  ServerProcess,
  tempDataDir,
  waitUntil,
  type CliResult,
} from "./support/server-process.ts";

/**
 * The API-client commands of `hookline` (src/cli/), run as the real binary against a real server:
 * resources round-trip, output formats, exit codes by kind, login's file, completion, signatures.
 */

/** A cold start through tsx takes seconds on a busy 2-core machine; this only bounds a hang. */
const CLI_TIMEOUT_MS = 90_000;

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
});

function explain(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}, ${r.durationMs} ms${r.timedOut ? ", TIMED OUT" : ""})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), "hookline-cli-home-"));
  dirs.push(d);
  return d;
}

/** The client against the test server; an empty config dir so no stored login of the machine leaks in. */
const connected = (extra: Record<string, string> = {}) => ({
  HOOKLINE_URL: server.url,
  HOOKLINE_TOKEN: server.token!,
  XDG_CONFIG_HOME: tempDir(),
  ...extra,
});

const cli = (args: string[], env: Record<string, string> = connected()) => runCli(args, env, CLI_TIMEOUT_MS);

/** Runs the CLI with `input` on its stdin (runCli gives none). */
function cliWithStdin(args: string[], input: string, env: Record<string, string> = connected()): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
  return new Promise((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started, timedOut: signal === "SIGKILL" });
    }),
  );
}

function json(r: CliResult): any {
  assert.equal(r.code, 0, explain(r));
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON\n${explain(r)}`);
  }
}

const EXAMPLE = { id: "in_1", amount: 4200 };

describe("resources over the API", () => {
  test("app, event type, endpoint, message and attempts round-trip through the binary", async () => {
    // Piped stdout: JSON without --json.
    const app = json(await cli(["app", "create", "--name", "Acme", "--uid", "acme"]));
    assert.match(app.id, /^app_/);
    assert.equal(app.uid, "acme");

    const eventType = json(
      await cli([
        "event-type",
        "create",
        "--data",
        JSON.stringify({
          name: "invoice.paid",
          description: "paid",
          schemas: { "1": { type: "object", examples: [EXAMPLE] } },
        }),
      ]),
    );
    assert.equal(eventType.name, "invoice.paid");

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

    const [list, table, got, updated] = await Promise.all([
      cli(["endpoint", "list", "--app", "acme"]),
      cli(["endpoint", "list", "--app", "acme", "--table"]),
      cli(["endpoint", "get", endpoint.id, "--app", app.id, "--json"]),
      cli(["endpoint", "update", endpoint.id, "--app", "acme", "--description", "billing"]),
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
    const before = json(await cli(["endpoint", "secret", endpoint.id, "--app", "acme"])).key as string;
    assert.match(before, /^whsec_/);
    const rotated = json(await cli(["endpoint", "rotate", endpoint.id, "--app", "acme", "--grace-period", "0"]));
    assert.deepEqual(rotated, { rotated: endpoint.id });
    const secret = json(await cli(["endpoint", "secret", endpoint.id, "--app", "acme"])).key as string;
    assert.match(secret, /^whsec_/);
    assert.notEqual(secret, before);

    // A message from a file on stdin, and one with the event type's example.
    const sent = json(
      await cliWithStdin(
        ["message", "create", "--app", "acme", "-f", "-"],
        JSON.stringify({ eventType: "invoice.paid", payload: { id: "in_2" } }),
      ),
    );
    assert.match(sent.id, /^msg_/);
    const example = json(await cli(["send-example", "invoice.paid", "--app", "acme"]));
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
    const attempts = json(await cli(["attempt", "list", "--app", "acme", "--msg", sent.id]));
    assert.equal(attempts.data[0].msgId, sent.id);
    assert.equal(attempts.data[0].endpointId, endpoint.id);
    assert.equal(attempts.data[0].responseStatusCode, 200);
    const messages = json(await cli(["message", "list", "--app", "acme"]));
    assert.deepEqual(new Set(messages.data.map((m: { id: string }) => m.id)), new Set([sent.id, example.id]));

    const deleted = await cli(["endpoint", "delete", endpoint.id, "--app", "acme"]);
    assert.deepEqual(json(deleted), { deleted: endpoint.id });
    const gone = await cli(["endpoint", "get", endpoint.id, "--app", "acme"]);
    assert.equal(gone.code, 4, explain(gone));
    assert.match(gone.stderr, /404 not_found: /, explain(gone));
  });
});

describe("exit codes by kind, with the API's text", { concurrency: 3 }, () => {
  test("a wrong token exits 3", async () => {
    const r = await cli(["app", "list"], connected({ HOOKLINE_TOKEN: "wrong_token_0123456789" }));
    assert.equal(r.code, 3, explain(r));
    assert.match(r.stderr, /^hookline: app list: GET \/api\/v1\/app: 401 authentication_failed: /, explain(r));
    assert.equal(r.stdout, "");
  });

  test("an unknown application exits 4", async () => {
    const r = await cli(["app", "get", "app_does_not_exist"]);
    assert.equal(r.code, 4, explain(r));
    assert.match(r.stderr, /404 not_found: /, explain(r));
  });

  test("a refused body exits 5 and names the field", async () => {
    const r = await cli(["event-type", "create", "--name", "not a valid name!", "--description", "x"]);
    assert.equal(r.code, 5, explain(r));
    assert.match(r.stderr, /422 validation failed\n {2}body\.name: /, explain(r));
  });

  test("an unreachable server exits 6", async () => {
    const port = await freePort();
    const r = await cli(["app", "list"], connected({ HOOKLINE_URL: `http://127.0.0.1:${port}` }));
    assert.equal(r.code, 6, explain(r));
    assert.match(r.stderr, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}: ECONNREFUSED`), explain(r));
  });

  test("usage errors exit 2: unknown flag or subcommand, missing argument or server", async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["app", "list", "--limt", "5"], connected(), /unknown flag --limt \(did you mean --limit\?\)/],
      [["app", "lst"], connected(), /unknown app subcommand "lst" \(did you mean list\?\)/],
      [["endpoint", "get", "ep_1"], connected(), /--app <app> is required/],
      [["app", "get"], connected(), /missing argument <app>/],
      [
        ["app", "list"],
        { XDG_CONFIG_HOME: tempDir() },
        /no server: pass --url, set HOOKLINE_URL, or run `hookline login`/,
      ],
      [["app", "create", "-f", "/nonexistent/app.json"], connected(), /cannot read \/nonexistent\/app\.json/],
    ];
    for (const [args, env, expected] of cases) {
      const r = await cli(args, env);
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, expected, explain(r));
    }
  });
});

describe("login", () => {
  test("stores the URL and token in a 0600 file the other commands use; logout removes it", async () => {
    const config = tempDir();
    const env = { XDG_CONFIG_HOME: config };
    const file = path.join(config, "hookline", "credentials.json");

    const refused = await cli(["login", "--url", server.url, "--token", "wrong_token_0123456789"], env);
    assert.equal(refused.code, 3, explain(refused));
    assert.equal(existsSync(file), false, "a refused token is not stored");

    const r = await cliWithStdin(["login", "--url", server.url, "--token", "-"], server.token! + "\n", env);
    assert.equal(r.code, 0, explain(r));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { url: server.url, token: server.token });

    const listed = await cli(["app", "list", "--json"], env);
    assert.ok(Array.isArray(json(listed).data));
    // The stored token goes only to the server it was stored for.
    const elsewhere = await cli(["app", "list"], { ...env, HOOKLINE_URL: server.url + "/" });
    assert.equal(elsewhere.code, 3, explain(elsewhere));
    assert.match(elsewhere.stderr, /no token: pass --token/, explain(elsewhere));

    const out = await cli(["logout"], env);
    assert.equal(out.code, 0, explain(out));
    assert.equal(existsSync(file), false);
    const afterLogout = await cli(["app", "list"], env);
    assert.equal(afterLogout.code, 2, explain(afterLogout));
  });
});

describe("local commands", { concurrency: 3 }, () => {
  const secret = "whsec_" + Buffer.alloc(32, 9).toString("base64");

  test("signature sign then verify round-trips; a tampered body or another secret fails with exit 1", async () => {
    const body = '{"type":"invoice.paid","data":{"id":"in_1"}}';
    const dir = tempDir();
    writeFileSync(path.join(dir, "body.json"), body);
    const signed = json(
      await cli(["signature", "sign", "--secret", secret, "--id", "msg_1", "-f", path.join(dir, "body.json")], {}),
    );
    assert.equal(signed["webhook-id"], "msg_1");
    assert.match(signed["webhook-timestamp"], /^\d+$/);
    assert.match(signed["webhook-signature"], /^v1,[A-Za-z0-9+/]+=*$/);
    const verify = (b: string, s = secret) =>
      cliWithStdin(
        [
          "signature",
          "verify",
          "--secret",
          s,
          "--id",
          "msg_1",
          "--timestamp",
          signed["webhook-timestamp"],
          "--signature",
          signed["webhook-signature"],
          "-f",
          "-",
        ],
        b,
        {},
      );
    const [ok, tampered, otherSecret] = await Promise.all([
      verify(body),
      verify(body.replace("in_1", "in_2")),
      verify(body, "whsec_" + Buffer.alloc(32, 1).toString("base64")),
    ]);
    assert.deepEqual(json(ok), { valid: true });
    for (const r of [tampered, otherSecret]) {
      assert.equal(r.code, 1, explain(r));
      assert.match(r.stderr, /signature is not valid: /, explain(r));
    }
  });

  test("a stale timestamp fails unless --ignore-timestamp", async () => {
    const args = ["--secret", secret, "--id", "msg_1", "--timestamp", "1600000000", "--data", "{}"];
    const signed = json(await cli(["signature", "sign", ...args], {}));
    const verify = (...extra: string[]) =>
      cli(["signature", "verify", ...args, "--signature", signed["webhook-signature"], ...extra], {});
    const [stale, ignored] = await Promise.all([verify(), verify("--ignore-timestamp")]);
    assert.equal(stale.code, 1, explain(stale));
    assert.match(stale.stderr, /timestamp/, explain(stale));
    assert.deepEqual(json(ignored), { valid: true });
  });

  test("completion bash is a valid script completing commands, subcommands and flags", async () => {
    const r = await cli(["completion", "bash"], {});
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /complete -F _hookline hookline/);
    assert.match(r.stdout, /endpoint\) echo "list get create update delete secret rotate recover stats" ;;/);
    assert.match(r.stdout, /"endpoint create"\) echo "--app .*--endpoint-url .*--json .*--url --token --help"/);
    const syntax = spawnSync("bash", ["-n"], { input: r.stdout, encoding: "utf8" });
    assert.equal(syntax.status, 0, syntax.stderr);
    // Completing `hookline endpoint r` in a real bash offers the subcommands starting with r.
    const script = `${r.stdout}\nCOMP_WORDS=(hookline endpoint r); COMP_CWORD=2; _hookline; echo "\${COMPREPLY[*]}"`;
    const completed = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    assert.equal(completed.stdout.trim(), "rotate recover", completed.stderr);
  });

  test("completion zsh prints a compdef script; an unknown shell exits 2", async () => {
    const [zsh, fish] = await Promise.all([cli(["completion", "zsh"], {}), cli(["completion", "fish"], {})]);
    assert.equal(zsh.code, 0, explain(zsh));
    assert.match(zsh.stdout, /^#compdef hookline\n/);
    assert.match(zsh.stdout, /message\) subs=\(list get create resend\) ;;/);
    assert.equal(fish.code, 2, explain(fish));
    assert.match(fish.stderr, /no completion for "fish": bash or zsh/);
  });
});

describe("help", () => {
  test("every client command and subcommand --help exits 0 with its flags, defaults and an example", async () => {
    for (const family of CLIENT_FAMILIES) {
      const subs = family.single ? [[]] : [[], ...family.subcommands!.map((s) => [s.name])];
      for (const sub of subs) {
        let stdout = "";
        let stderr = "";
        const code = await runClientCommand(family.name, [...sub, "--help"], {
          env: {},
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          isTTY: false,
        });
        const what = `hookline ${family.name} ${sub.join(" ")} --help\n${stdout}${stderr}`;
        assert.equal(code, 0, what);
        assert.equal(stderr, "", what);
        assert.match(stdout, new RegExp(`^Usage: hookline ${family.name} `), what);
        assert.match(stdout, /\nExample:\n {2}(hookline|source <\(hookline) \S/, what);
        if (family.single || sub.length) assert.match(stdout, /\nFlags:\n(.*\n)*\s+-h, --help +show this help/, what);
      }
    }
  });

  test("through the binary: a subcommand's help shows defaults; `hookline help endpoint` lists subcommands", async () => {
    const [list, family, top] = await Promise.all([
      cli(["endpoint", "list", "--help"], {}),
      cli(["help", "endpoint"], {}),
      cli(["help"], {}),
    ]);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /^Usage: hookline endpoint list --app <app> \[flags\]/);
    assert.match(list.stdout, /--limit <n> +how many per page \(default: 50\)/);
    assert.match(list.stdout, /Exit codes: 0 ok, 2 usage, 3 auth, 4 not found, 5 validation, 6 network, 7 server/);
    assert.match(list.stdout, /Example:\n {2}hookline endpoint list --app acme\n/);
    assert.equal(family.code, 0, explain(family));
    assert.match(family.stdout, /^Usage: hookline endpoint <subcommand> \[flags\]/);
    assert.match(family.stdout, /^ {2}rotate +replace the signing secret/m);
    assert.equal(top.code, 0, explain(top));
    assert.match(top.stdout, /^ {2}endpoint +endpoints of an application/m);
  });
});

test("the client's HOOKLINE_URL and HOOKLINE_TOKEN are not unknown variables to `serve`", () => {
  assert.deepEqual(
    unknownVariableWarnings({ HOOKLINE_URL: "http://127.0.0.1:8080", HOOKLINE_TOKEN: "hk_admin_x" }),
    [],
  );
  assert.equal(unknownVariableWarnings({ HOOKLINE_URLS: "x" }).length, 1);
});
