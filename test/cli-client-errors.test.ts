import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  cli as run,
  cliWithStdin as runWithStdin,
  CLI_TIMEOUT_MS,
  connectedTo,
  explain,
  json,
  removeTempDirs,
  tempDir,
} from "./support/cli-client.ts";
import { freePort, killAllServers, removeDir, ServerProcess, tempDataDir } from "./support/server-process.ts";

/**
 * Exit codes by kind of failure with the API's text, and `hookline login`/`logout` and their
 * credentials file, as the real binary against a real server.
 */

const dirs: string[] = [];
let server: ServerProcess;

before(async () => {
  const dataDir = tempDataDir("hookline-cli-client-");
  dirs.push(dataDir);
  server = await ServerProcess.start({ dataDir, readyTimeoutMs: CLI_TIMEOUT_MS });
});

after(async () => {
  await killAllServers();
  for (const d of dirs) removeDir(d);
  removeTempDirs();
});

const connected = (extra: Record<string, string> = {}) => connectedTo(server, extra);
const cli = (args: string[], env: Record<string, string> = connected()) => run(args, env);
const cliWithStdin = (args: string[], input: string, env: Record<string, string> = connected()) =>
  runWithStdin(args, input, env);

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
    const results = await Promise.all(cases.map(([args, env]) => cli(args, env)));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, cases[i]![2], explain(r));
    });
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
