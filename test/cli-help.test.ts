import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import { SETTINGS } from "../src/config.ts";
import {
  killAllServers,
  removeDir,
  REPO_ROOT,
  runCli,
  ServerProcess,
  tempDataDir,
  type CliResult,
} from "./support/server-process.ts";

/** `hookline --version`, every command's `--help`, and refusals of misspelt commands, flags and variables. */

/** A cold start through tsx takes seconds on a busy 2-core machine; this only bounds a hang. */
const CLI_TIMEOUT_MS = 90_000;
const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

const dirs: string[] = [];
after(async () => {
  await killAllServers();
  for (const d of dirs) removeDir(d);
});

function explain(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}, ${r.durationMs} ms${r.timedOut ? ", TIMED OUT" : ""})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env, CLI_TIMEOUT_MS);

describe("version and help", { concurrency: 3 }, () => {
  for (const args of [["--version"], ["-v"], ["version"]]) {
    test(`hookline ${args.join(" ")} prints the version of package.json`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 0, explain(r));
      assert.equal(r.stdout, `hookline ${VERSION}\n`);
      assert.equal(r.stderr, "");
    });
  }

  test("hookline serve --help prints the complete configuration reference", async () => {
    const r = await cli(["serve", "--help"]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^Usage: hookline serve \[flags\]/);
    for (const s of Object.values(SETTINGS)) {
      // Each setting: its variable and flag, then its meaning, then its default and an example.
      const entry = new RegExp(`  ${s.env}  \\(--${s.flag}\\)\\n {6}\\S.*\\n {6}default: .+ {4}example: ${s.env}=\\S`);
      assert.match(r.stdout, entry, `${s.env} in\n${r.stdout}`);
    }
    assert.match(r.stdout, /default: 8080 {4}example: HOOKLINE_PORT=9090/);
    assert.match(r.stdout, /Example:\n {2}HOOKLINE_ALLOW_PRIVATE_NETWORKS=127\.0\.0\.1\/32 hookline serve --port 9090/);
    assert.equal(r.stderr, "");
  });

  const commandHelp: { args: string[]; expect: RegExp[] }[] = [
    { args: ["help"], expect: [/^Usage: hookline <command> \[flags\]/, /serve\s+run the API/, /token\s+create, list/] },
    { args: ["-h"], expect: [/^Usage: hookline <command> \[flags\]/, /hookline --version/] },
    { args: ["--help"], expect: [/^Usage: hookline <command> \[flags\]/, /Example:\n {2}\S/] },
    {
      args: ["migrate", "--help"],
      expect: [
        /^Usage: hookline migrate \[flags\]/,
        /--database-url \(HOOKLINE_DATABASE_URL\)\n.*\n {6}default: /,
        /Example:\n/,
      ],
    },
    {
      args: ["token", "--help"],
      expect: [
        /^Usage: hookline token <create\|list\|revoke>/,
        /--expires-in SECONDS .*default: never expires/,
        /--create /,
        /Examples:\n/,
      ],
    },
    { args: ["token", "create", "--help"], expect: [/--name NAME .*default: none/, /hookline token create --name ci/] },
    { args: ["token", "revoke", "-h"], expect: [/hookline token revoke tok_/, /within 5 seconds/] },
    { args: ["help", "token"], expect: [/^Usage: hookline token/] },
    { args: ["help", "serve"], expect: [/^Usage: hookline serve/, /HOOKLINE_RETENTION_DAYS/] },
  ];
  for (const c of commandHelp) {
    test(`hookline ${c.args.join(" ")} exits 0 with the command's flags, defaults and an example`, async () => {
      const r = await cli(c.args);
      assert.equal(r.code, 0, explain(r));
      for (const re of c.expect) assert.match(r.stdout, re, explain(r));
      assert.equal(r.stderr, "");
    });
  }
});

describe("misspellings are refused with a suggestion", { concurrency: 3 }, () => {
  const cases: { args: string[]; expect: RegExp }[] = [
    { args: ["serve", "--prot", "9090"], expect: /unknown flag --prot \(did you mean --port\?\)/ },
    { args: ["serve", "--data-dri=/tmp/x"], expect: /unknown flag --data-dri \(did you mean --data-dir\?\)/ },
    { args: ["migrate", "--databse-url", "x"], expect: /unknown flag --databse-url \(did you mean --database-url\?\)/ },
    { args: ["token", "create", "--nmae", "ci"], expect: /unknown flag --nmae \(did you mean --name\?\)/ },
    { args: ["token", "list", "--crate"], expect: /unknown flag --crate \(did you mean --create\?\)/ },
    { args: ["serv"], expect: /unknown command "serv" \(did you mean serve\?\)/ },
    { args: ["help", "tokne"], expect: /unknown command "tokne" \(did you mean token\?\)/ },
  ];
  for (const c of cases) {
    test(`hookline ${c.args.join(" ")} exits 2`, async () => {
      const dir = tempDataDir("hookline-cli-help-");
      dirs.push(dir);
      const dataDir = path.join(dir, "data");
      const r = await cli(c.args, { HOOKLINE_DATA_DIR: dataDir, HOOKLINE_PORT: "0" });
      assert.equal(r.timedOut, false, explain(r));
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, c.expect, explain(r));
      assert.doesNotMatch(r.stdout, /hookline listening/);
    });
  }
});

describe("start-up", () => {
  test("warns about unknown HOOKLINE_* variables and logs the version and the non-default settings, secrets hidden", async () => {
    const dataDir = tempDataDir("hookline-cli-start-");
    dirs.push(dataDir);
    const server = await ServerProcess.start({
      dataDir,
      env: {
        HOOKLINE_PROT: "9090",
        HOOKLINE_TEST_STORE: "sqlite",
        HOOKLINE_RETENTION_DAYS: "30",
        HOOKLINE_LEASE: "30",
      },
      readyTimeoutMs: CLI_TIMEOUT_MS,
    });
    try {
      assert.match(
        server.stderr,
        /^hookline: warning: unknown environment variable HOOKLINE_PROT \(did you mean HOOKLINE_PORT\?\); it is ignored/m,
        server.diagnostics(),
      );
      assert.doesNotMatch(server.stderr, /HOOKLINE_TEST_STORE/, "a variable of the test tooling is not warned about");
      const starting = server.logs.find((l) => l.msg === "hookline starting");
      assert.ok(starting, server.diagnostics());
      assert.equal(starting.version, VERSION);
      const settings = starting.settings as Record<string, string>;
      assert.equal(settings.HOOKLINE_RETENTION_DAYS, "30");
      assert.equal(settings.HOOKLINE_LEASE, undefined, "a setting given at its default is not listed");
      assert.equal(settings.HOOKLINE_ADMIN_TOKEN, "(hidden)");
      assert.equal(settings.HOOKLINE_MASTER_KEY, "(hidden)");
      assert.equal(settings.HOOKLINE_PROT, undefined);
      assert.ok(!server.stdout.includes(server.token!), "the admin token is not printed");
    } finally {
      await server.stop();
    }
  });
});
