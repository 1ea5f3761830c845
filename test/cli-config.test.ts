import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { after, describe, test } from "node:test";
import {
  freePort,
  killAllServers,
  removeDir,
  runCli,
  ServerProcess,
  tempDataDir,
  type CliResult,
} from "./support/server-process.ts";
import { withTimeout } from "./support/wait.ts";

/** The `hookline` command line: configuration errors, flags, the generated admin token, usage. */

/**
 * A bound that tells "exits" from "hangs", not a speed target: a cold start took 12-13 s with other
 * work on both cores, so this leaves several times that. Start-up speed is the benchmark's.
 */
const QUICK_MS = 60_000;

const dirs: string[] = [];
const blockers: Server[] = [];
after(async () => {
  await killAllServers();
  await Promise.all(blockers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  for (const d of dirs) removeDir(d);
});

function newDir(): string {
  const d = tempDataDir("hookline-cli-");
  dirs.push(d);
  return d;
}

function explain(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}, ${r.durationMs} ms${r.timedOut ? ", TIMED OUT" : ""})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

describe("invalid configuration stops `serve` at once with a message naming the setting", { concurrency: 3 }, () => {
  const base = newDir();
  const cases: { name: string; env?: Record<string, string>; args?: string[]; expect: RegExp[] }[] = [
    {
      name: "HOOKLINE_PORT=abc",
      env: { HOOKLINE_PORT: "abc" },
      expect: [/HOOKLINE_PORT/, /"abc" is not a whole number/],
    },
    {
      name: "HOOKLINE_RETRY_SCHEDULE=5,x",
      env: { HOOKLINE_RETRY_SCHEDULE: "5,x" },
      expect: [/HOOKLINE_RETRY_SCHEDULE/, /"x" is not a number of seconds/],
    },
    {
      name: "HOOKLINE_LOG_LEVEL=loud",
      env: { HOOKLINE_LOG_LEVEL: "loud" },
      expect: [/HOOKLINE_LOG_LEVEL/, /"loud"/, /info/],
    },
    { name: "HOOKLINE_LEASE=0", env: { HOOKLINE_LEASE: "0" }, expect: [/HOOKLINE_LEASE/, /outside/] },
    {
      name: "HOOKLINE_SHUTDOWN_GRACE=soon",
      env: { HOOKLINE_SHUTDOWN_GRACE: "soon" },
      expect: [/HOOKLINE_SHUTDOWN_GRACE/],
    },
    {
      name: "short HOOKLINE_ADMIN_TOKEN",
      env: { HOOKLINE_ADMIN_TOKEN: "short" },
      expect: [/HOOKLINE_ADMIN_TOKEN/, /16/],
    },
    { name: "unknown flag", args: ["--bogus", "1"], expect: [/unknown flag --bogus/] },
    { name: "flag without a value", args: ["--port"], expect: [/--port needs a value/] },
    { name: "bad --port", args: ["--port", "abc"], expect: [/HOOKLINE_PORT \(--port\)/, /"abc"/] },
    { name: "bad --retry-schedule=", args: ["--retry-schedule=5,x"], expect: [/HOOKLINE_RETRY_SCHEDULE/] },
  ];

  for (const c of cases) {
    test(c.name, async () => {
      const dataDir = path.join(base, c.name.replace(/\W+/g, "_"));
      const r = await runCli(
        ["serve", ...(c.args ?? [])],
        {
          HOOKLINE_PORT: "0",
          HOOKLINE_DATA_DIR: dataDir,
          HOOKLINE_ADMIN_TOKEN: "cli_test_admin_token_0123456789",
          ...c.env,
        },
        QUICK_MS + 5000,
      );
      assert.equal(r.timedOut, false, explain(r));
      assert.equal(r.code, 2, explain(r));
      assert.ok(r.durationMs < QUICK_MS, explain(r));
      assert.match(r.stderr, /^hookline: invalid configuration: /, explain(r));
      for (const re of c.expect) assert.match(r.stderr, re, explain(r));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "a message, not a stack trace");
      assert.doesNotMatch(r.stdout, /hookline listening/);
      assert.equal(existsSync(dataDir), false, "nothing is created before the configuration is valid");
    });
  }
});

describe("start-up failures", { concurrency: 2 }, () => {
  test("a port already in use exits non-zero with a one-line message naming the setting", async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const r = await runCli(
      ["serve"],
      {
        HOOKLINE_PORT: String(port),
        HOOKLINE_DATA_DIR: path.join(newDir(), "data"),
        HOOKLINE_ADMIN_TOKEN: "cli_test_admin_token_0123456789",
        HOOKLINE_LOG_LEVEL: "warn",
      },
      QUICK_MS + 5000,
    );
    assert.equal(r.timedOut, false, explain(r));
    assert.equal(r.code, 1, explain(r));
    assert.ok(r.durationMs < QUICK_MS, explain(r));
    assert.match(
      r.stderr,
      new RegExp(`hookline: could not start: 127\\.0\\.0\\.1:${port} is already in use`),
      explain(r),
    );
    assert.match(r.stderr, /HOOKLINE_PORT/, explain(r));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "a message, not a stack trace");
  });

  test("a data directory that is a file exits non-zero naming HOOKLINE_DATA_DIR", async () => {
    const file = path.join(newDir(), "not-a-dir");
    writeFileSync(file, "");
    const r = await runCli(
      ["serve"],
      { HOOKLINE_PORT: "0", HOOKLINE_DATA_DIR: file, HOOKLINE_ADMIN_TOKEN: "cli_test_admin_token_0123456789" },
      QUICK_MS + 5000,
    );
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /HOOKLINE_DATA_DIR/, explain(r));
    assert.doesNotMatch(r.stderr, /\n\s+at /, "a message, not a stack trace");
  });
});

describe("flags work like their environment variables", { concurrency: 2 }, () => {
  test("--port N and --port=N listen like HOOKLINE_PORT=N; a flag overrides the variable", async () => {
    const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
    const variants = [
      { port: p1, args: ["--port", String(p1)], env: { HOOKLINE_PORT: undefined } },
      { port: p2, args: [`--port=${p2}`, "--log-level=info"], env: { HOOKLINE_PORT: String(p3) } },
    ];
    await Promise.all(
      variants.map(async (v) => {
        const server = await ServerProcess.start({ dataDir: newDir(), args: v.args, env: v.env });
        try {
          assert.equal(server.url, `http://127.0.0.1:${v.port}`, server.diagnostics());
          const res = await fetch(`http://127.0.0.1:${v.port}/api/v1/health`, { signal: AbortSignal.timeout(5000) });
          assert.equal(res.status, 204);
        } finally {
          server.kill("SIGTERM");
          const exit = await withTimeout(server.exited, 15_000, "server to stop").catch(() => server.stop());
          assert.deepEqual(exit, { code: 0, signal: null }, server.diagnostics());
        }
      }),
    );
  });

  test("--data-dir and --admin-token are honoured", async () => {
    const parent = newDir();
    const dataDir = path.join(parent, "via-flag");
    const viaEnv = path.join(parent, "via-env");
    const token = "flag_admin_token_abcdefghijklmnop";
    const server = await ServerProcess.start({
      dataDir: viaEnv,
      args: ["--data-dir", dataDir, `--admin-token=${token}`],
      adminToken: null,
    });
    try {
      assert.equal((await server.api("GET", "/api/v1/app", undefined, token)).status, 200);
      assert.equal((await server.api("GET", "/api/v1/app", undefined, "wrong_token_abcdefghijklmnop")).status, 401);
      assert.ok(existsSync(path.join(dataDir, "hookline.sqlite3")), "the database is in --data-dir");
      assert.equal(existsSync(viaEnv), false, "the flag overrides HOOKLINE_DATA_DIR");
      assert.equal(existsSync(path.join(dataDir, "admin-token")), false, "no token is generated when one is given");
    } finally {
      await server.stop();
    }
  });
});

describe("the generated admin token", { concurrency: 3 }, () => {
  test("is printed once on the first start, kept with mode 0600, and reused silently", async () => {
    const dataDir = newDir();
    const file = path.join(dataDir, "admin-token");

    const first = await ServerProcess.start({ dataDir, adminToken: null });
    let token: string;
    try {
      const m = /Generated an admin API token[^\n]*\n\n\s+(hk_admin_\S+)/.exec(first.stdout);
      assert.ok(m, `the first start prints the token\n${first.diagnostics()}`);
      token = m[1]!;
      assert.equal(readFileSync(file, "utf8").trim(), token);
      assert.equal(statSync(file).mode & 0o777, 0o600, "only the owner may read the token file");
      for (const log of first.logs) assert.ok(!JSON.stringify(log).includes(token), "the token is not in the logs");
      assert.equal((await first.api("GET", "/api/v1/app", undefined, token)).status, 200);
      assert.equal((await first.api("GET", "/api/v1/app", undefined, null)).status, 401);
    } finally {
      first.kill("SIGTERM");
      await withTimeout(first.exited, 15_000, "first server to stop").catch(() => first.stop());
    }

    const second = await ServerProcess.start({ dataDir, adminToken: null });
    try {
      assert.ok(!second.stdout.includes(token), `the second start does not print the token\n${second.diagnostics()}`);
      assert.doesNotMatch(second.stdout, /Generated an admin API token/);
      assert.equal(readFileSync(file, "utf8").trim(), token, "the stored token is kept");
      assert.equal((await second.api("GET", "/api/v1/app", undefined, token)).status, 200);
    } finally {
      await second.stop();
    }
  });

  test("an empty token file (a crash while it was written) is replaced, not used as an empty token", async () => {
    const dataDir = newDir();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, "admin-token"), "", { mode: 0o600 });
    const server = await ServerProcess.start({ dataDir, adminToken: null });
    try {
      const m = /Generated an admin API token[^\n]*\n\n\s+(hk_admin_\S+)/.exec(server.stdout);
      assert.ok(m, `a new token is generated and printed\n${server.diagnostics()}`);
      assert.equal(readFileSync(path.join(dataDir, "admin-token"), "utf8").trim(), m[1]);
      assert.equal((await server.api("GET", "/api/v1/app", undefined, m[1]!)).status, 200);
    } finally {
      await server.stop();
    }
  });

  test("a token file with a too-short token is refused with a clear message", async () => {
    const dataDir = newDir();
    writeFileSync(path.join(dataDir, "admin-token"), "abc\n", { mode: 0o600 });
    const r = await runCli(["serve"], { HOOKLINE_PORT: "0", HOOKLINE_DATA_DIR: dataDir }, QUICK_MS + 5000);
    assert.equal(r.code, 2, explain(r));
    assert.match(
      r.stderr,
      /HOOKLINE_ADMIN_TOKEN is not set and .*admin-token holds a token of only 3 characters/,
      explain(r),
    );
  });
});

describe("usage", { concurrency: 3 }, () => {
  for (const args of [["help"], ["-h"]]) {
    test(`hookline ${args.join(" ")} prints usage`, async () => {
      const r = await runCli(args, {}, QUICK_MS + 5000);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /^Usage: hookline <command> \[flags\]/);
      assert.match(r.stdout, /serve\s+run the API/);
      assert.match(r.stdout, /hookline serve --help/);
      assert.equal(r.stderr, "");
    });
  }

  // The full reference `serve --help` prints is checked in cli-help.test.ts.
  test("hookline serve --help lists every flag with its variable", async () => {
    const r = await runCli(["serve", "--help"], {}, 90_000);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /HOOKLINE_PORT\s+\(--port\)/);
    assert.match(r.stdout, /HOOKLINE_LEASE\s+\(--lease\)/);
    assert.match(r.stdout, /HOOKLINE_SHUTDOWN_GRACE\s+\(--shutdown-grace\)/);
    assert.equal(r.stderr, "");
  });

  test("an unknown command exits 2 with the usage on stderr", async () => {
    const r = await runCli(["serv"], { HOOKLINE_DATA_DIR: path.join(newDir(), "x") }, QUICK_MS + 5000);
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /unknown command "serv"/);
    assert.match(r.stderr, /Usage: hookline/);
  });
});
