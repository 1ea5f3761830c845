import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { after, describe, test } from "node:test";
import {
  killAllServers,
  removeDir,
  runCli,
  ServerProcess,
  tempDataDir,
  type CliResult,
} from "./support/server-process.ts";
import { waitUntil } from "./support/wait.ts";
import {
  createDatabaseAt,
  findPostgresBin,
  startPostgresCluster,
  type PostgresCluster,
} from "./support/postgres-cluster.ts";
import { requestFrom } from "./support/from-address.ts";

/** `hookline token create|list|revoke` against a data directory, beside a running server. */

const CLI_TIMEOUT_MS = 90_000;

const dirs: string[] = [];
after(async () => {
  await killAllServers();
  for (const d of dirs) removeDir(d);
});

function newDir(): string {
  const d = tempDataDir("hookline-cli-token-");
  dirs.push(d);
  return d;
}

function explain(r: CliResult): string {
  return `exit ${r.code} (signal ${r.signal}, ${r.durationMs} ms${r.timedOut ? ", TIMED OUT" : ""})\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

const cli = (args: string[], dataDir: string) => runCli(args, { HOOKLINE_DATA_DIR: dataDir }, CLI_TIMEOUT_MS);

describe("where no database exists", { concurrency: 2 }, () => {
  for (const sub of [["list"], ["create", "--name", "ci"], ["revoke", "tok_x"]]) {
    test(`token ${sub[0]} refuses instead of creating an empty database`, async () => {
      const dataDir = path.join(newDir(), "not-the-data-dir");
      const r = await cli(["token", ...sub], dataDir);
      assert.equal(r.code, 1, explain(r));
      assert.match(r.stderr, /there is no Hookline database in the data directory .*not-the-data-dir/, explain(r));
      assert.match(r.stderr, /--create/, explain(r));
      assert.equal(existsSync(dataDir), false, "nothing is created");
    });
  }

  test("token create --create creates the database and the token", async () => {
    const dataDir = path.join(newDir(), "new");
    const r = await cli(["token", "create", "--create", "--name", "first"], dataDir);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /^id: +tok_\S+\ntoken: hk_admin_\S+\n/, explain(r));
    assert.ok(readdirSync(dataDir).includes("hookline.sqlite3"));
    const list = await cli(["token", "list"], dataDir);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /^tok_\S+\tactive\tadmin\tfirst$/m, explain(list));
  });

  test("token revoke without an id, and an unknown subcommand, exit 2", async () => {
    const dataDir = newDir();
    for (const args of [["token", "revoke"], ["token", "rotate"], ["token"]]) {
      const r = await cli(args, dataDir);
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, /^hookline: (unknown )?token/, explain(r));
    }
  });
});

describe("beside a running server", () => {
  test("a token created by the CLI works at once; a revocation by the CLI applies within the 5 s it states", async () => {
    const dataDir = newDir();
    const server = await ServerProcess.start({ dataDir, readyTimeoutMs: CLI_TIMEOUT_MS });
    try {
      const created = await cli(["token", "create", "--name", "cli"], dataDir);
      assert.equal(created.code, 0, explain(created));
      const id = /^id: +(tok_\S+)$/m.exec(created.stdout)![1]!;
      const token = /^token: +(\S+)$/m.exec(created.stdout)![1]!;
      assert.equal((await server.api("GET", "/api/v1/app", undefined, token)).status, 200);

      const revoked = await cli(["token", "revoke", id], dataDir);
      assert.equal(revoked.code, 0, explain(revoked));
      assert.match(revoked.stdout, new RegExp(`^revoked ${id}$`, "m"));
      assert.match(revoked.stdout, /Running servers refuse it within 5 seconds/);
      // The server may trust its cached lookup for up to 5 s; the bound here only guards against a hang.
      await waitUntil(
        async () => (await server.api("GET", "/api/v1/app", undefined, token)).status === 401,
        60_000,
        "the revoked token to be refused",
        250,
      );
      const refused = await server.api("GET", "/api/v1/app", undefined, token);
      assert.equal(refused.body.code, "authentication_failed");
      assert.match(refused.body.detail, /revoked/);
      const list = await cli(["token", "list"], dataDir);
      assert.match(list.stdout, new RegExp(`^${id}\\trevoked\\tadmin\\tcli$`, "m"), explain(list));
    } finally {
      await server.stop();
    }
  });
});

describe("token create --allowed-ips", () => {
  test("a bad entry exits 2 naming it", async () => {
    const r = await cli(["token", "create", "--create", "--allowed-ips", "127.0.0.2,10.0.0.0/33"], newDir());
    assert.equal(r.code, 2, explain(r));
    assert.match(r.stderr, /--allowed-ips: "10\.0\.0\.0\/33" is not an IPv4 or IPv6 address or CIDR/, explain(r));
  });

  test("the created token works from its addresses only", async () => {
    const dataDir = newDir();
    const server = await ServerProcess.start({ dataDir, readyTimeoutMs: CLI_TIMEOUT_MS });
    try {
      const created = await cli(["token", "create", "--name", "ci", "--allowed-ips", "127.0.0.2/32"], dataDir);
      assert.equal(created.code, 0, explain(created));
      assert.match(created.stdout, /^from: +127\.0\.0\.2\/32 only$/m, explain(created));
      const token = /^token: +(\S+)$/m.exec(created.stdout)![1]!;
      const headers = { authorization: `Bearer ${token}` };
      assert.equal(
        (await requestFrom("127.0.0.2", `${server.url}/api/v1/app`, { method: "GET", headers })).status,
        200,
      );
      assert.equal(
        (await requestFrom("127.0.0.3", `${server.url}/api/v1/app`, { method: "GET", headers })).status,
        403,
      );
      const list = await cli(["token", "list"], dataDir);
      assert.match(list.stdout, /^tok_\S+\tactive\tadmin\tci\tfrom 127\.0\.0\.2\/32$/m, explain(list));
    } finally {
      await server.stop();
    }
  });
});

describe("on PostgreSQL", { skip: findPostgresBin() === null ? "no PostgreSQL server binaries" : false }, () => {
  let cluster: PostgresCluster | null = null;
  after(async () => cluster?.stop());

  test("a database without Hookline's tables is refused unless --create", async () => {
    const adminUrl = process.env.HOOKLINE_TEST_POSTGRES_URL ?? (cluster = await startPostgresCluster()).url("postgres");
    const databaseUrl = await createDatabaseAt(adminUrl);
    const env = { HOOKLINE_DATA_DIR: path.join(newDir(), "unused"), HOOKLINE_DATABASE_URL: databaseUrl };
    const refused = await runCli(["token", "list"], env, CLI_TIMEOUT_MS);
    assert.equal(refused.code, 1, explain(refused));
    assert.match(
      refused.stderr,
      /there is no Hookline database in the database at 127\.0\.0\.1:\d+ \(HOOKLINE_DATABASE_URL/,
    );
    const created = await runCli(["token", "create", "--create", "--name", "pg"], env, CLI_TIMEOUT_MS);
    assert.equal(created.code, 0, explain(created));
    const list = await runCli(["token", "list"], env, CLI_TIMEOUT_MS);
    assert.equal(list.code, 0, explain(list));
    assert.match(list.stdout, /^tok_\S+\tactive\tadmin\tpg$/m, explain(list));
  });
});
